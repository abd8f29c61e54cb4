/**
 * PeerStore over IndexedDB (through `idb`): the browser tab's chunk store. Writes are batched:
 * each putMany is at most one readwrite transaction, and concurrent ones share a transaction,
 * because per-transaction overhead dominates IndexedDB; exact chunk and
 * byte counts live in a counters record written in the same transaction, so stats() is free
 * (the master asks for them on every heartbeat) and survives a reload.
 */
import { openDB, unwrap, type DBSchema, type IDBPDatabase } from 'idb';
import { QuotaExceededError, StoreClosedError, type ChunkHash, type PeerStore, type StoredChunk, type StoreStats } from '@meshdrive/core';

export const DEFAULT_DB_NAME = 'meshdrive';
const DB_VERSION = 1;
const STATS_KEY = 'stats';
/** keys() reads this many hashes per request, so listing a large store never holds them all. */
const KEY_PAGE_SIZE = 1000;

interface MeshdriveDb extends DBSchema {
  chunks: { key: string; value: ArrayBuffer };
  meta: { key: string; value: string };
  counters: { key: string; value: StoreStats };
}

export interface IdbStoreOptions {
  /** Database name; one per peer identity. */
  name?: string;
  /**
   * 'relaxed' commits once the data reaches the OS (it survives a tab or browser crash, not a
   * power cut); 'strict' flushes to disk per transaction. See README: replicas on other
   * machines, not fsync, are what make a write durable in the mesh.
   */
  durability?: 'relaxed' | 'strict';
  /** Bytes this store may hold; putMany refuses more with ERR_QUOTA_EXCEEDED. Read on every write. */
  capacityBytes?: () => number;
}

export class IdbStore implements PeerStore {
  private closed = false;
  private counts: StoreStats;
  private readonly writeQueue: { chunks: readonly StoredChunk[]; bytes: number; resolve(): void; reject(error: unknown): void }[] = [];
  private writing = false;
  private queuedBytes = 0;

  private constructor(
    private readonly db: IDBPDatabase<MeshdriveDb>,
    private readonly options: IdbStoreOptions,
    counts: StoreStats,
  ) {
    this.counts = counts;
  }

  /** The database's name, to reopen the same data. */
  get name(): string {
    return this.db.name;
  }

  static async open(options: IdbStoreOptions = {}): Promise<IdbStore> {
    const db = await openDB<MeshdriveDb>(options.name ?? DEFAULT_DB_NAME, DB_VERSION, {
      upgrade(database) {
        database.createObjectStore('chunks');
        database.createObjectStore('meta');
        database.createObjectStore('counters');
      },
    });
    const counts = (await db.get('counters', STATS_KEY)) ?? { chunks: 0, bytes: 0 };
    return new IdbStore(db, options, counts);
  }

  /**
   * Stores chunks in one transaction. Calls that arrive while a write is committing are
   * grouped into the next transaction (group commit): a peer receives many small Put batches
   * at once, and Chromium's cost is per transaction and per record, not per byte.
   */
  putMany(chunks: readonly StoredChunk[]): Promise<void> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (chunks.length === 0) return Promise.resolve();
    const capacity = this.options.capacityBytes?.();
    const incoming = chunks.reduce((sum, chunk) => sum + chunk.bytes.length, 0);
    if (capacity !== undefined && this.counts.bytes + this.queuedBytes + incoming > capacity) {
      return Promise.reject(new QuotaExceededError(`this tab offers ${capacity} bytes and already holds ${this.counts.bytes}; raise the space offered`));
    }
    this.queuedBytes += incoming;
    return new Promise<void>((resolve, reject) => {
      this.writeQueue.push({ chunks, bytes: incoming, resolve, reject });
      if (!this.writing) void this.drainWrites();
    });
  }

  private async drainWrites(): Promise<void> {
    this.writing = true;
    while (this.writeQueue.length > 0) {
      const group = this.writeQueue.splice(0);
      try {
        await this.writeChunks(group.flatMap((write) => write.chunks));
        for (const write of group) write.resolve();
      } catch (error) {
        for (const write of group) write.reject(error);
      } finally {
        for (const write of group) this.queuedBytes -= write.bytes;
      }
    }
    this.writing = false;
  }

  private async writeChunks(chunks: readonly StoredChunk[]): Promise<void> {
    this.assertOpen();
    const tx = this.db.transaction(['chunks', 'counters'], 'readwrite', { durability: this.options.durability ?? 'relaxed' });
    const chunkStore = unwrap(tx.objectStore('chunks'));
    const counters = unwrap(tx.objectStore('counters'));
    let next: StoreStats | undefined;
    const read = counters.get(STATS_KEY);
    read.onsuccess = () => {
      const current = (read.result as StoreStats | undefined) ?? { chunks: 0, bytes: 0 };
      next = { ...current };
      let pending = chunks.length;
      const finish = (): void => {
        if (--pending === 0) counters.put(next, STATS_KEY);
      };
      for (const { hash, bytes } of chunks) {
        // add() refuses a key already held: that is the dedup, without a read per chunk.
        const request = chunkStore.add(ownBuffer(bytes), hash);
        request.onsuccess = () => {
          next!.chunks += 1;
          next!.bytes += bytes.length;
          finish();
        };
        request.onerror = (event) => {
          if (request.error?.name !== 'ConstraintError') return; // a real failure aborts the transaction
          event.preventDefault();
          event.stopPropagation();
          finish();
        };
      }
    };
    await this.settle(tx.done);
    if (next) this.counts = next;
  }

  async getMany(hashes: readonly ChunkHash[]): Promise<(Uint8Array | undefined)[]> {
    this.assertOpen();
    const tx = this.db.transaction('chunks', 'readonly');
    const found = await Promise.all(hashes.map((hash) => tx.store.get(hash)));
    await this.settle(tx.done);
    return found.map((buffer) => (buffer === undefined ? undefined : new Uint8Array(buffer)));
  }

  async hasMany(hashes: readonly ChunkHash[]): Promise<boolean[]> {
    this.assertOpen();
    const tx = this.db.transaction('chunks', 'readonly');
    const keys = await Promise.all(hashes.map((hash) => tx.store.getKey(hash)));
    await this.settle(tx.done);
    return keys.map((key) => key !== undefined);
  }

  async deleteMany(hashes: readonly ChunkHash[]): Promise<void> {
    this.assertOpen();
    if (hashes.length === 0) return;
    const tx = this.db.transaction(['chunks', 'counters'], 'readwrite', { durability: this.options.durability ?? 'relaxed' });
    const chunkStore = tx.objectStore('chunks');
    const counters = tx.objectStore('counters');
    const next = { ...((await counters.get(STATS_KEY)) ?? { chunks: 0, bytes: 0 }) };
    const unique = [...new Set(hashes)];
    const existing = await Promise.all(unique.map((hash) => chunkStore.get(hash)));
    const deletions: Promise<void>[] = [];
    unique.forEach((hash, i) => {
      const buffer = existing[i];
      if (buffer === undefined) return;
      next.chunks -= 1;
      next.bytes -= buffer.byteLength;
      deletions.push(chunkStore.delete(hash));
    });
    await Promise.all(deletions);
    await counters.put(next, STATS_KEY);
    await this.settle(tx.done);
    this.counts = next;
  }

  async *keys(): AsyncIterable<ChunkHash> {
    this.assertOpen();
    let after: string | undefined;
    for (;;) {
      const range = after === undefined ? undefined : IDBKeyRange.lowerBound(after, true);
      const page = await this.db.getAllKeys('chunks', range, KEY_PAGE_SIZE);
      for (const key of page) yield key as ChunkHash;
      if (page.length < KEY_PAGE_SIZE) return;
      after = page[page.length - 1];
      this.assertOpen();
    }
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so a closed store rejects rather than throws
  async stats(): Promise<StoreStats> {
    this.assertOpen();
    return { ...this.counts };
  }

  async getMeta(key: string): Promise<string | undefined> {
    this.assertOpen();
    return this.db.get('meta', key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.assertOpen();
    await this.db.put('meta', value, key);
  }

  async deleteMeta(key: string): Promise<void> {
    this.assertOpen();
    await this.db.delete('meta', key);
  }

  async metaKeys(prefix: string): Promise<string[]> {
    this.assertOpen();
    return this.db.getAllKeys('meta', IDBKeyRange.bound(prefix, prefix + '\uffff'));
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.db.close();
    }
    return Promise.resolve();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }

  /** Turns the browser's quota failure into the mesh's typed error. */
  private async settle(done: Promise<void>): Promise<void> {
    try {
      await done;
    } catch (error) {
      if (error instanceof DOMException && error.name === 'QuotaExceededError') {
        throw new QuotaExceededError('the browser refused more storage for this site (its quota is full); free space or offer less');
      }
      throw error;
    }
  }
}

/**
 * An ArrayBuffer holding exactly these bytes. Chunks are often views into a larger network
 * message, and structured clone would otherwise store the whole message per chunk. (Not
 * `bytes.slice()`: simple-peer hands out Buffer polyfills, whose slice is a view, not a copy.)
 */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}
