/**
 * What the CLI remembers between commands besides its sessions: the locks it holds (their
 * fencing tokens) and the files it received (its client cache). One small JSON file per entry
 * under MESHDRIVE_HOME, named by a hash of its key: commands running side by side never write
 * each other's entries, and each file is written whole and renamed, readable by the user only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { meshdriveHome } from './credentials.js';

export class LocalState<T> {
  constructor(private readonly kind: string) {}

  async get(key: string): Promise<T | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.path(key), 'utf8')) as { key?: string; value?: T };
      return entry.key === key ? entry.value : undefined;
    } catch {
      return undefined; // none yet, or unreadable: as good as none
    }
  }

  async set(key: string, value: T): Promise<void> {
    const directory = join(meshdriveHome(), this.kind);
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const temporary = join(directory, `.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify({ key, value }));
    } finally {
      await handle.close();
    }
    await rename(temporary, this.path(key));
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  private path(key: string): string {
    return join(meshdriveHome(), this.kind, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
  }
}

/** A lock this machine holds: what `send` writes under and `unlock` releases. */
export interface HeldLock {
  token: number;
  expiresAt: number;
  ttlMs: number;
}

/** A file this machine received, and where: a receive of the same version to the same place moves nothing. */
export interface ReceivedFile {
  fileId: string;
  version: number;
  out: string;
  /** The file as it was written, to tell whether it was changed since. */
  size: number;
  mtimeMs: number;
}

export const heldLocks = new LocalState<HeldLock>('locks');
export const receivedFiles = new LocalState<ReceivedFile>('received');

/** The key of `name` for the user logged in on `url` (or the token given). */
export const entryKey = (url: string, user: string, name: string): string => JSON.stringify([url, user, name]);
