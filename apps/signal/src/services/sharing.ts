/**
 * Sharing as the master sees it: which users may read or write which owner's file, their
 * sharing public keys, and the file keys sealed to them, which it keeps and hands out but cannot
 * open. A file the caller may not reach is not found, whether or not it exists.
 */
import { FileNotFoundError, KeysMissingError, UserNotFoundError, ValidationError, type FileId, type ShareRequest, type ShareView, type SharingKeys } from '@meshdrive/core';
import type { Accounts } from '../accounts/accounts.js';
import type { Directory } from '../directory/directory.js';

export interface SharingOptions {
  directory: Directory;
  accounts: Pick<Accounts, 'sharingKeys' | 'provideSharingKeys' | 'hasUser'>;
  log: (line: string) => void;
}

export class Sharing {
  constructor(private readonly options: SharingOptions) {}

  /**
   * The owner of the file `request` names, for `user`: their own (no `owner`, or themselves), or
   * another user's that user shared with them, with write access when `need` is 'write'.
   */
  async ownerFor(user: string, request: { name: string; owner?: string | undefined }, need: 'read' | 'write'): Promise<string> {
    if (request.owner === undefined || request.owner === user) return user;
    const share = (await this.options.directory.sharesOf(request.owner, request.name)).find((candidate) => candidate.user === user);
    if (!share || (need === 'write' && !share.write)) {
      if (share) throw new ValidationError(`${request.owner} shared "${request.name}" with you to read, not to write`);
      throw new FileNotFoundError(request.name);
    }
    return request.owner;
  }

  async share(owner: string, request: ShareRequest): Promise<{ shared: true }> {
    const { directory } = this.options;
    if (request.with === owner) throw new ValidationError('a file is yours already: share it with another user');
    const file = await directory.findFile(owner, request.name);
    if (!file) throw new FileNotFoundError(request.name);
    await this.publicKeyOf(request.with);
    await directory.putShare({ owner, name: request.name, user: request.with, write: request.write });
    await directory.putShareKeys(file.fileId, request.keys.map((key) => ({ version: key.version, user: request.with, key: key.key })));
    this.options.log(`${owner} shared a file with ${request.with}${request.write ? ' to write' : ''}`);
    return { shared: true };
  }

  async unshare(owner: string, request: { name: string; with: string }): Promise<{ removed: boolean }> {
    const removed = await this.options.directory.removeShare(owner, request.name, request.with);
    if (removed) this.options.log(`${owner} stopped sharing a file with ${request.with}`);
    return { removed };
  }

  /** Who `owner`'s file is shared with, and their public keys. */
  async sharees(owner: string, name: string): Promise<ShareView[]> {
    if (!(await this.options.directory.findFile(owner, name))) throw new FileNotFoundError(name);
    const shares = await this.options.directory.sharesOf(owner, name);
    return Promise.all(shares.map(async (share) => {
      const publicKey = (await this.options.accounts.sharingKeys(share.user))?.publicKey;
      return { user: share.user, write: share.write, ...(publicKey ? { publicKey } : {}) };
    }));
  }

  /** Another user's sharing public key. */
  async userKey(user: string): Promise<{ user: string; publicKey: string }> {
    return { user, publicKey: await this.publicKeyOf(user) };
  }

  async myKeys(user: string): Promise<{ sharing?: SharingKeys }> {
    const sharing = await this.options.accounts.sharingKeys(user);
    return sharing ? { sharing } : {};
  }

  async setMyKeys(user: string, sharing: SharingKeys): Promise<{ sharing: SharingKeys }> {
    return { sharing: await this.options.accounts.provideSharingKeys(user, sharing) };
  }

  /** Who must be able to read the version `writer` is writing of `owner`'s file: its owner and the users it is shared with, but not the writer. */
  async recipients(owner: string, name: string, writer: string): Promise<{ user: string; publicKey: string }[]> {
    const users = [owner, ...(await this.options.directory.sharesOf(owner, name)).map((share) => share.user)].filter((user) => user !== writer);
    const found = await Promise.all(users.map(async (user) => ({ user, publicKey: (await this.options.accounts.sharingKeys(user))?.publicKey })));
    return found.filter((recipient): recipient is { user: string; publicKey: string } => recipient.publicKey !== undefined);
  }

  /** Keeps the file keys a commit sealed for the new version, for the users that may read the file. */
  async keepShareKeys(owner: string, name: string, fileId: FileId, version: number, shareKeys: readonly { user: string; key: string }[] | undefined): Promise<void> {
    if (!shareKeys?.length) return;
    const readers = new Set([owner, ...(await this.options.directory.sharesOf(owner, name)).map((share) => share.user)]);
    await this.options.directory.putShareKeys(fileId, shareKeys.filter((key) => readers.has(key.user)).map((key) => ({ version, user: key.user, key: key.key })));
  }

  private async publicKeyOf(user: string): Promise<string> {
    const keys = await this.options.accounts.sharingKeys(user);
    if (keys) return keys.publicKey;
    if (!(await this.options.accounts.hasUser(user))) throw new UserNotFoundError(user);
    throw new KeysMissingError(`${user} has no sharing key yet: they get one the next time they use Meshdrive`);
  }
}
