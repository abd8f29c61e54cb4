/**
 * What a file is besides its bytes, for MeshClient: its kept versions and restoring one, its
 * lock, and whom it is shared with. Each names the file as FileNames resolves it (the user's own,
 * or another user's shared with them) and seals or opens keys through the user's Keyring.
 */
import type { FileSummary } from '../chunking/manifest.js';
import { fileKeyOf } from '../crypto/sealed-manifest.js';
import { KeysMissingError, ValidationError } from '../errors.js';
import type { LockGrant, ShareView, VersionSummary } from '../wire/signal-protocol.js';
import { wireRequest, type FileNames } from './file-names.js';
import type { Keyring } from './keyring.js';
import type { MasterPort } from './master-port.js';
import { bindingOf, resealManifest, revealSummaries, revealVersions, type Sealing } from './sealing.js';

export interface FileOpsParts {
  master: MasterPort;
  names: FileNames;
  sealing?: Sealing;
  keyring?: Keyring;
  /** A restore changed which version is newest: cached placements go. */
  forgetPlacements: () => void;
}

export class FileOps {
  constructor(private readonly parts: FileOpsParts) {}

  /** The file's kept versions, newest first, with their real sizes. */
  async versions(name: string, owner?: string): Promise<VersionSummary[]> {
    return this.parts.names.run(name, owner, async (file) => {
      const versions = await this.parts.master.versions(wireRequest(file));
      const sealing = this.parts.sealing;
      return sealing ? revealVersions(sealing, file.owner ?? sealing.keys.user, file.wireName, versions, this.parts.keyring) : versions;
    });
  }

  /**
   * Makes kept version `version` the file's newest, as a new version: no byte moves (only the
   * manifest is sealed anew, its file key for everyone the file is shared with). The owner's to do.
   */
  async restore(name: string, version: number, options: { password?: string; lock?: number } = {}): Promise<FileSummary> {
    return this.parts.names.run(name, undefined, async (file) => {
      const { master, sealing } = this.parts;
      if (file.owner !== undefined) throw new ValidationError(`"${name}" is ${file.owner}'s: only its owner restores a version`);
      const [latest, old, sharees] = await Promise.all([master.locate({ name: file.wireName }), master.locate({ name: file.wireName, version }), master.sharees({ name: file.wireName })]);
      const baseVersion = latest.manifest.version;
      let sealed: { sealed: string; shareKeys?: { user: string; key: string }[] } | undefined;
      if (sealing && old.manifest.sealed !== undefined) {
        const oldKey = old.shareKey !== undefined && this.parts.keyring ? await this.parts.keyring.open(bindingOf(old.manifest), old.shareKey) : undefined;
        const resealed = await resealManifest(sealing, old.manifest, baseVersion + 1, options.password, oldKey);
        const recipients = sharees.filter((sharee): sharee is { user: string; write: boolean; publicKey: string } => sharee.publicKey !== undefined);
        const shareKeys = recipients.length > 0 && this.parts.keyring ? await this.parts.keyring.sealTo(recipients, resealed.binding, resealed.fileKey) : [];
        sealed = { sealed: resealed.sealed, ...(shareKeys.length > 0 ? { shareKeys } : {}) };
      }
      const summary = await master.restore({ name: file.wireName, version, baseVersion, ...sealed, ...(options.lock === undefined ? {} : { lock: options.lock }) });
      this.parts.forgetPlacements();
      return sealing ? ((await revealSummaries(sealing, sealing.keys.user, [summary], this.parts.keyring))[0] ?? summary) : summary;
    });
  }

  /** Takes the file's lock for `ttlMs` (renew it to keep it); with `wait`, resolves once it is this client's turn. */
  lock(name: string, options: { ttlMs: number; wait?: boolean; owner?: string }): Promise<LockGrant> {
    return this.parts.names.run(name, options.owner, async (file) => ({ ...(await this.parts.master.lock({ ...wireRequest(file), ttlMs: options.ttlMs, wait: options.wait === true })), name }));
  }

  renewLock(name: string, token: number, ttlMs: number, owner?: string): Promise<LockGrant> {
    return this.parts.names.run(name, owner, async (file) => ({ ...(await this.parts.master.renew({ ...wireRequest(file), token, ttlMs })), name }));
  }

  /** Releases the lock `token` names, or without one this user's lock on the file from any device. */
  unlock(name: string, token?: number, owner?: string): Promise<{ released: boolean }> {
    return this.parts.names.run(name, owner, (file) => this.parts.master.unlock({ ...wireRequest(file), ...(token === undefined ? {} : { token }) }));
  }

  /**
   * Shares this user's file with `user`, to read or also to write: every kept version's file key
   * is sealed to their public key here, so the master never sees one. Sharing again changes the access.
   */
  async share(name: string, user: string, write: boolean): Promise<void> {
    const { master, sealing } = this.parts;
    if (!sealing || !this.parts.keyring) throw new KeysMissingError('sharing needs this account\'s keys: log in again');
    const keyring = this.parts.keyring;
    await this.parts.names.run(name, undefined, async (file) => {
      if (file.owner !== undefined) throw new ValidationError(`"${name}" is ${file.owner}'s: only its owner shares it`);
      const [recipient, versions] = await Promise.all([master.userKey({ user }), master.versions({ name: file.wireName })]);
      const keys = await Promise.all(versions.filter((version) => version.sealed !== undefined).map(async (version) => {
        const binding = { owner: sealing.keys.user, token: file.wireName, fileId: version.fileId, version: version.version };
        const fileKey = version.shareKey !== undefined ? await keyring.open(binding, version.shareKey) : await fileKeyOf(sealing.keys, binding, version.sealed!);
        const [sealed] = await keyring.sealTo([recipient], binding, fileKey);
        return { version: version.version, key: sealed!.key };
      }));
      await master.share({ name: file.wireName, with: user, write, keys });
    });
  }

  /** Stops sharing this user's file with `user`: their next read is refused. False when it was not shared with them. */
  async unshare(name: string, user: string): Promise<boolean> {
    return this.parts.names.run(name, undefined, async (file) => (await this.parts.master.unshare({ name: file.wireName, with: user })).removed);
  }

  /** Who this user's file is shared with. */
  async sharees(name: string): Promise<ShareView[]> {
    return this.parts.names.run(name, undefined, (file) => this.parts.master.sharees({ name: file.wireName }));
  }
}
