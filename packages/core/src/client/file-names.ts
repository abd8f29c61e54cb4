/**
 * Which file a name means to the master: the user's own file by its lookup token (or by the name
 * itself, for a client that does not seal), or a file another user shared with them, by that
 * user's token, found in the user's listing. Errors come back naming the name, not the token.
 */
import { FileNotFoundError, isErrorOf } from '../errors.js';
import type { Keyring } from './keyring.js';
import type { MasterPort } from './master-port.js';
import { revealSummaries, withName, type Sealing } from './sealing.js';

/** A file as the master knows it: `owner` is set for another user's file shared with this one. */
export interface WireFile {
  wireName: string;
  owner?: string;
}

export class FileNames {
  /** Tokens of files shared with this user, by owner and name. */
  private readonly shared = new Map<string, string>();

  constructor(private readonly parts: { master: MasterPort; sealing?: Sealing; keyring?: Keyring }) {}

  get user(): string | undefined {
    return this.parts.sealing?.keys.user;
  }

  /** `owner`'s file `name` (this user's when `owner` is undefined or theirs). */
  async wire(name: string, owner?: string): Promise<WireFile> {
    const { sealing } = this.parts;
    if (owner === undefined || owner === this.user) return { wireName: sealing ? await sealing.keys.lookupToken(name) : name };
    const found = await this.findShared(name, owner);
    if (!found) throw new FileNotFoundError(name);
    return found;
  }

  /**
   * Runs `action` on the file `name` means. A name this user has no sealed file of, and no
   * `owner` given, is tried as a file stored in clear before encryption (under the name itself),
   * then among the files shared with them (when exactly one has that name).
   */
  async run<T>(name: string, owner: string | undefined, action: (file: WireFile) => Promise<T>): Promise<T> {
    const file = await this.wire(name, owner);
    try {
      return await action(file);
    } catch (error) {
      if (owner !== undefined || !isErrorOf(error, FileNotFoundError)) throw withName(error, file.wireName, name);
      if (file.wireName !== name) {
        try {
          return await action({ wireName: name });
        } catch (clear) {
          if (!isErrorOf(clear, FileNotFoundError)) throw clear;
        }
      }
      const shared = await this.findShared(name).catch(() => undefined);
      if (!shared) throw withName(error, file.wireName, name);
      try {
        return await action(shared);
      } catch (again) {
        throw withName(again, shared.wireName, name);
      }
    }
  }

  /** The file named `name` that `owner` (or, without one, exactly one user) shared with this user. */
  private async findShared(name: string, owner?: string): Promise<WireFile | undefined> {
    const cached = owner === undefined ? undefined : this.shared.get(key(owner, name));
    if (cached) return { wireName: cached, owner: owner! };
    const { sealing, keyring, master } = this.parts;
    const listed = (await master.list()).filter((file) => file.shared && (owner === undefined || file.shared.owner === owner));
    if (listed.length === 0) return undefined;
    const tokens = new Map(listed.map((file) => [file.fileId, file.name]));
    const revealed = sealing ? await revealSummaries(sealing, sealing.keys.user, listed, keyring) : listed;
    const matches = revealed.filter((file) => file.name === name);
    for (const file of revealed) this.shared.set(key(file.shared!.owner, file.name), tokens.get(file.fileId)!);
    if (matches.length !== 1) return undefined;
    return { wireName: tokens.get(matches[0]!.fileId)!, owner: matches[0]!.shared!.owner };
  }
}

const key = (owner: string, name: string): string => `${owner}\u0000${name}`;

/** The fields naming a file in a request: its wire name, and its owner when it is another user's. */
export function wireRequest(file: WireFile): { name: string; owner?: string } {
  return file.owner === undefined ? { name: file.wireName } : { name: file.wireName, owner: file.owner };
}
