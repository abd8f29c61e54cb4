/**
 * What this browser received, with its version (seed 003's client cache): a download of a
 * version it has saves this copy and moves nothing, and a download of a newer version of the
 * same file fetches only what changed (MeshClient.read's `base`). Kept in IndexedDB, up to
 * MAX_FILE_BYTES a file and MAX_TOTAL_BYTES in all, the least recently received dropped first.
 * The copies are the person's plaintext, in their own browser profile, as a download is.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export const MAX_FILE_BYTES = 64 * 1024 * 1024;
export const MAX_TOTAL_BYTES = 256 * 1024 * 1024;
const DB_NAME = 'meshdrive-received';

export interface ReceivedCopy {
  key: string;
  fileId: string;
  version: number;
  size: number;
  receivedAt: number;
  bytes: Blob;
}

interface ReceivedSchema extends DBSchema {
  files: { key: string; value: ReceivedCopy };
}

export class ReceivedCache {
  private db: Promise<IDBPDatabase<ReceivedSchema>> | undefined;

  /** The copy of `owner`'s `name` (the viewer's own without one) this browser has, if any. */
  async get(name: string, owner?: string): Promise<ReceivedCopy | undefined> {
    return (await this.open()).get('files', keyOf(name, owner)).catch(() => undefined);
  }

  /** Keeps `bytes` as version `version` of the file, making room by dropping the oldest copies. */
  async put(name: string, owner: string | undefined, copy: Omit<ReceivedCopy, 'key' | 'receivedAt'>): Promise<void> {
    if (copy.size > MAX_FILE_BYTES) return;
    const db = await this.open();
    const all = (await db.getAll('files')).filter((kept) => kept.key !== keyOf(name, owner)).sort((a, b) => a.receivedAt - b.receivedAt);
    let total = all.reduce((sum, kept) => sum + kept.size, 0) + copy.size;
    const transaction = db.transaction('files', 'readwrite');
    for (const old of all) {
      if (total <= MAX_TOTAL_BYTES) break;
      await transaction.store.delete(old.key);
      total -= old.size;
    }
    await transaction.store.put({ ...copy, key: keyOf(name, owner), receivedAt: Date.now() });
    await transaction.done;
  }

  private open(): Promise<IDBPDatabase<ReceivedSchema>> {
    this.db ??= openDB<ReceivedSchema>(DB_NAME, 1, { upgrade: (db) => void db.createObjectStore('files', { keyPath: 'key' }) });
    return this.db;
  }
}

const keyOf = (name: string, owner?: string): string => `${owner ?? ''}\u0000${name}`;
