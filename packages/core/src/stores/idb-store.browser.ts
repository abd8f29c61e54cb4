/**
 * PeerStore over IndexedDB (through `idb`): the browser tab's chunk store. In Chromium every
 * IndexedDB request (get, put, getKey) is a round trip to the browser process, and that, not
 * the bytes, is what limits a store of 1 KiB chunks. So chunks are packed: one 'packs' record
 * holds up to PACK_MAX_BYTES of chunks, and the hash → pack index lives in memory (rebuilt on
 * open from 'packHashes', the packs' hash lists), so hasMany costs no request at all and getMany
 * one per pack touched. The price is memory: about 100 bytes of index per stored chunk.
 *
 * Writes and deletes run one at a time; putMany calls that arrive while a write is committing
 * are grouped into the next transaction (group commit). Exact chunk and byte counts live in a
 * counters record written in the same transaction, so stats() is free (the master asks on
 * every heartbeat) and survives a reload.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { fromHex, toHex } from '../bytes.js';
import { HASH_BYTES } from '../chunking/chunk-list.js';
import { QuotaExceededError, StoreClosedError } from '../errors.js';
import type { HashBytes } from '../ids.js';
import type { PeerStore, PutOptions, StoredChunk, StoreStats } from './chunk-store.js';

export const DEFAULT_DB_NAME = 'meshdrive';
/** Version 1 kept one record per chunk in 'chunks'; version 2 packs them (migrated on open). */
const DB_VERSION = 2;
const STATS_KEY = 'stats';
/**
 * A pack's chunk bytes stay under 64 KiB: Chromium moves larger values out to a blob file
 * per record, which costs more than the request saved.
 */
export const PACK_MAX_BYTES = 60 * 1024;
/** Bounds a pack of tiny chunks, whose cost is then in the index, not in IndexedDB. */
const PACK_MAX_CHUNKS = 1024;
/** Packs read recently, kept decoded: reads walk a segment in slices that straddle packs. */
const PACK_CACHE_ENTRIES = 32;
/** A lazy put waits at most this long for its commit. */
const LAZY_COMMIT_MS = 100;
/** Lazy puts commit at once past this many bytes: 4 segments of 1 KiB chunks. */
const LAZY_MAX_BYTES = 4 * 1024 * 1024;
/** Index records (and legacy chunks) read per request when opening. */
const OPEN_PAGE_RECORDS = 1000;

/** Chunks stored together: hash i's bytes are bytes[ends[i-1] .. ends[i]). */
interface PackRecord {
  hashes: ArrayBuffer;
  ends: ArrayBuffer;
  bytes: ArrayBuffer;
}

interface MeshdriveDb extends DBSchema {
  packs: { key: number; value: PackRecord };
  /** The same hash lists as the packs, alone, so opening reads 32 bytes per chunk, not the chunk. */
  packHashes: { key: number; value: ArrayBuffer };
  meta: { key: string; value: string };
  counters: { key: string; value: StoreStats };
  /** Version 1's one record per chunk; emptied into packs on open. */
  chunks: { key: string; value: ArrayBuffer };
}

type Db = IDBPDatabase<MeshdriveDb>;

export interface IdbStoreOptions {
  /** Database name; one per peer identity. */
  name?: string;
  /**
   * 'strict' (the default) flushes to disk per transaction, so a committed seal survives a power
   * cut; 'relaxed' commits once the data reaches the OS (a tab or browser crash, not a power
   * cut), for measurements only.
   */
  durability?: 'relaxed' | 'strict';
  /** Bytes this store may hold; putMany refuses more with ERR_QUOTA_EXCEEDED. Read on every write. */
  capacityBytes?: () => number;
}

/** A pack as reads use it: where each of its chunks sits. */
interface DecodedPack {
  slots: Map<string, number>;
  ends: Uint32Array;
  bytes: Uint8Array;
}

/** A chunk with its hash in hex, as the index and the staged writes know it. */
interface NamedChunk extends StoredChunk {
  name: string;
}

interface QueuedWrite {
  chunks: readonly NamedChunk[];
  bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

export class IdbStore implements PeerStore {
  private closed = false;
  private counts: StoreStats;
  /** Every stored chunk's pack; only committed chunks are in it. */
  private readonly index: Map<string, number>;
  private nextPackId: number;
  private readonly cache = new Map<number, DecodedPack>();
  private writeQueue: QueuedWrite[] = [];
  /** Lazy puts waiting for commit(), and their chunks, readable before they are committed. */
  private lazyQueue: QueuedWrite[] = [];
  private readonly staged = new Map<string, Uint8Array>();
  /** Settings set lazily (a seal's pin), written in the transaction of the chunks they go with. */
  private readonly stagedMeta = new Map<string, string>();
  private lazyBytes = 0;
  private lazyTimer: ReturnType<typeof setTimeout> | undefined;
  private flushScheduled = false;
  private queuedBytes = 0;
  /** Writes and deletes, one at a time: both change the index and the counters. */
  private exclusive: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: Db,
    private readonly options: IdbStoreOptions,
    loaded: { counts: StoreStats; index: Map<string, number>; nextPackId: number },
  ) {
    this.counts = loaded.counts;
    this.index = loaded.index;
    this.nextPackId = loaded.nextPackId;
  }

  private get durability(): 'relaxed' | 'strict' {
    return this.options.durability ?? 'strict';
  }

  /** The database's name, to reopen the same data. */
  get name(): string {
    return this.db.name;
  }

  static async open(options: IdbStoreOptions = {}): Promise<IdbStore> {
    const db = await openDB<MeshdriveDb>(options.name ?? DEFAULT_DB_NAME, DB_VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          database.createObjectStore('meta');
          database.createObjectStore('counters');
        }
        if (oldVersion < 2) {
          database.createObjectStore('packs');
          database.createObjectStore('packHashes');
        }
      },
    });
    const counts = (await db.get('counters', STATS_KEY)) ?? { chunks: 0, bytes: 0 };
    const index = new Map<string, number>();
    let nextPackId = 1;
    let after: number | undefined;
    for (;;) {
      const range = after === undefined ? undefined : IDBKeyRange.lowerBound(after, true);
      const tx = db.transaction('packHashes', 'readonly');
      const [ids, lists] = await Promise.all([tx.store.getAllKeys(range, OPEN_PAGE_RECORDS), tx.store.getAll(range, OPEN_PAGE_RECORDS)]);
      ids.forEach((id, i) => {
        const hashes = new Uint8Array(lists[i]!);
        for (let offset = 0; offset < hashes.length; offset += HASH_BYTES) index.set(toHex(hashes.subarray(offset, offset + HASH_BYTES)), id);
        nextPackId = Math.max(nextPackId, id + 1);
      });
      if (ids.length < OPEN_PAGE_RECORDS) break;
      after = ids[ids.length - 1];
    }
    const store = new IdbStore(db, options, { counts, index, nextPackId });
    if (db.objectStoreNames.contains('chunks')) await store.migrateChunkRecords();
    return store;
  }

  /**
   * Stores chunks. Calls that arrive while a write is committing are grouped into the next
   * transaction: a peer receives many small Put batches at once. Lazy puts wait for commit(),
   * LAZY_MAX_BYTES or LAZY_COMMIT_MS, so a pushed segment is one transaction, not one per batch;
   * they are readable from memory meanwhile.
   */
  putMany(chunks: readonly StoredChunk[], options: PutOptions = {}): Promise<void> {
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
    const named = chunks.map((chunk) => ({ ...chunk, name: toHex(chunk.hash) }));
    return new Promise<void>((resolve, reject) => {
      const write = { chunks: named, bytes: incoming, resolve, reject };
      if (!options.lazy) {
        this.writeQueue.push(write);
        this.scheduleFlush();
        return;
      }
      this.lazyQueue.push(write);
      this.lazyBytes += incoming;
      for (const chunk of named) this.staged.set(chunk.name, chunk.bytes);
      if (this.lazyBytes >= LAZY_MAX_BYTES) this.scheduleFlush();
      else this.lazyTimer ??= setTimeout(() => this.scheduleFlush(), LAZY_COMMIT_MS);
    });
  }

  /** Commits lazy puts now; resolves once everything put before is committed. */
  commit(): Promise<void> {
    if (this.lazyQueue.length > 0 || this.stagedMeta.size > 0) this.scheduleFlush();
    return this.runExclusive(() => Promise.resolve());
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    void this.runExclusive(() => this.flushWrites());
  }

  private async flushWrites(): Promise<void> {
    this.flushScheduled = false;
    clearTimeout(this.lazyTimer);
    this.lazyTimer = undefined;
    const group = [...this.writeQueue, ...this.lazyQueue];
    this.writeQueue = [];
    this.lazyQueue = [];
    this.lazyBytes = 0;
    const settings = new Map(this.stagedMeta);
    try {
      await this.writeChunks(group.flatMap((write) => write.chunks), false, settings);
      // Written; a newer value set meanwhile stays staged for the next transaction.
      for (const [key, value] of settings) if (this.stagedMeta.get(key) === value) this.stagedMeta.delete(key);
      for (const write of group) write.resolve();
    } catch (error) {
      for (const write of group) write.reject(error);
    } finally {
      for (const write of group) {
        this.queuedBytes -= write.bytes;
        // Committed (now in the index) or failed; a newer lazy put of the same hash stays.
        for (const chunk of write.chunks) if (this.staged.get(chunk.name) === chunk.bytes) this.staged.delete(chunk.name);
      }
    }
  }

  /**
   * `alreadyCounted`: the counters include these chunks already (a version-1 migration).
   * `settings` are written in the same transaction: both are durable, or neither.
   */
  private async writeChunks(chunks: readonly NamedChunk[], alreadyCounted = false, settings: ReadonlyMap<string, string> = new Map()): Promise<void> {
    this.assertOpen();
    const fresh: NamedChunk[] = [];
    const seen = new Set<string>();
    for (const chunk of chunks) {
      if (this.index.has(chunk.name) || seen.has(chunk.name)) continue; // storing a held chunk is a no-op
      seen.add(chunk.name);
      fresh.push(chunk);
    }
    if (fresh.length === 0 && settings.size === 0) return;
    const packs = packChunks(fresh).map((group) => ({ id: this.nextPackId++, chunks: group }));
    const added = alreadyCounted ? { chunks: 0, bytes: 0 } : { chunks: fresh.length, bytes: fresh.reduce((sum, chunk) => sum + chunk.bytes.length, 0) };
    const next = { chunks: this.counts.chunks + added.chunks, bytes: this.counts.bytes + added.bytes };
    const tx = this.db.transaction(['packs', 'packHashes', 'counters', 'meta'], 'readwrite', { durability: this.durability });
    const writes: Promise<unknown>[] = [];
    for (const [key, value] of settings) writes.push(tx.objectStore('meta').put(value, key));
    for (const pack of packs) {
      const record = encodePack(pack.chunks);
      writes.push(tx.objectStore('packs').put(record, pack.id), tx.objectStore('packHashes').put(record.hashes, pack.id));
    }
    writes.push(tx.objectStore('counters').put(next, STATS_KEY));
    await this.settle(Promise.all([...writes, tx.done]));
    for (const pack of packs) for (const chunk of pack.chunks) this.index.set(chunk.name, pack.id);
    this.counts = next;
  }

  async getMany(hashes: readonly HashBytes[]): Promise<(Uint8Array | undefined)[]> {
    this.assertOpen();
    const names = hashes.map(toHex);
    const packs = new Map<number, DecodedPack | undefined>();
    const wanted: number[] = [];
    for (const hash of names) {
      if (this.staged.has(hash)) continue;
      const id = this.index.get(hash);
      if (id === undefined || packs.has(id)) continue;
      const cached = this.cache.get(id);
      packs.set(id, cached);
      if (!cached) wanted.push(id);
    }
    if (wanted.length > 0) {
      const tx = this.db.transaction('packs', 'readonly');
      const records = await Promise.all(wanted.map((id) => tx.store.get(id)));
      await this.settle(tx.done);
      wanted.forEach((id, i) => {
        const record = records[i];
        if (!record) return;
        const pack = decodePack(record);
        packs.set(id, pack);
        this.remember(id, pack);
      });
    }
    return names.map((hash) => {
      const staged = this.staged.get(hash);
      if (staged) return staged.slice();
      const id = this.index.get(hash);
      const pack = id === undefined ? undefined : packs.get(id);
      const slot = pack?.slots.get(hash);
      if (pack === undefined || slot === undefined) return undefined; // absent, or deleted while reading
      // A copy, so a caller holding one chunk does not keep its whole pack alive.
      return pack.bytes.slice(slot === 0 ? 0 : pack.ends[slot - 1], pack.ends[slot]);
    });
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so a closed store rejects rather than throws
  async hasMany(hashes: readonly HashBytes[]): Promise<boolean[]> {
    this.assertOpen();
    return hashes.map((hash) => {
      const name = toHex(hash);
      return this.index.has(name) || this.staged.has(name);
    });
  }

  deleteMany(hashes: readonly HashBytes[]): Promise<void> {
    return this.runExclusive(async () => {
      this.assertOpen();
      const doomedByPack = new Map<number, Set<string>>();
      for (const hash of new Set(hashes.map(toHex))) {
        const id = this.index.get(hash);
        if (id === undefined) continue;
        const doomed = doomedByPack.get(id) ?? new Set<string>();
        doomed.add(hash);
        doomedByPack.set(id, doomed);
      }
      if (doomedByPack.size === 0) return;
      const tx = this.db.transaction(['packs', 'packHashes', 'counters'], 'readwrite', { durability: this.durability });
      const packs = tx.objectStore('packs');
      const lists = tx.objectStore('packHashes');
      const next = { ...this.counts };
      const removed: string[] = [];
      const writes: Promise<unknown>[] = [];
      const ids = [...doomedByPack.keys()];
      const records = await Promise.all(ids.map((id) => packs.get(id)));
      ids.forEach((id, i) => {
        const record = records[i];
        if (!record) return;
        const doomed = doomedByPack.get(id)!;
        const kept: StoredChunk[] = [];
        for (const chunk of unpack(record)) {
          if (!doomed.has(chunk.name)) {
            kept.push(chunk);
            continue;
          }
          removed.push(chunk.name);
          next.chunks -= 1;
          next.bytes -= chunk.bytes.length;
        }
        if (kept.length === 0) {
          writes.push(packs.delete(id), lists.delete(id));
        } else {
          const rewritten = encodePack(kept);
          writes.push(packs.put(rewritten, id), lists.put(rewritten.hashes, id));
        }
      });
      writes.push(tx.objectStore('counters').put(next, STATS_KEY));
      await this.settle(Promise.all([...writes, tx.done]));
      for (const hash of removed) this.index.delete(hash);
      for (const id of ids) this.cache.delete(id);
      this.counts = next;
    });
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the index is in memory; async to fit ChunkStore
  async *keys(): AsyncIterable<HashBytes> {
    this.assertOpen();
    // A live Map iterator: chunks added or deleted meanwhile may or may not be listed, as with a cursor.
    for (const name of this.index.keys()) {
      yield fromHex(name);
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
    return this.stagedMeta.get(key) ?? this.db.get('meta', key);
  }

  /** Lazy: written with the chunks' next transaction, at commit() at the latest (a seal's pin with its segment). */
  async setMeta(key: string, value: string, options: PutOptions = {}): Promise<void> {
    this.assertOpen();
    if (options.lazy) {
      this.stagedMeta.set(key, value);
      this.lazyTimer ??= setTimeout(() => this.scheduleFlush(), LAZY_COMMIT_MS);
      return;
    }
    const tx = this.db.transaction('meta', 'readwrite', { durability: this.durability });
    await this.settle(Promise.all([tx.store.put(value, key), tx.done]));
  }

  /** After the write in progress, which may hold this key's staged value. */
  deleteMeta(key: string): Promise<void> {
    return this.runExclusive(async () => {
      this.assertOpen();
      this.stagedMeta.delete(key);
      await this.db.delete('meta', key);
    });
  }

  async metaKeys(prefix: string): Promise<string[]> {
    this.assertOpen();
    const stored = await this.db.getAllKeys('meta', IDBKeyRange.bound(prefix, prefix + '\uffff'));
    const staged = [...this.stagedMeta.keys()].filter((key) => key.startsWith(prefix));
    return staged.length === 0 ? stored : [...new Set([...stored, ...staged])];
  }

  close(): Promise<void> {
    if (!this.closed) {
      if (this.lazyQueue.length > 0) this.scheduleFlush(); // runs closed: rejects, never hangs
      this.closed = true;
      clearTimeout(this.lazyTimer);
      this.cache.clear();
      this.db.close();
    }
    return Promise.resolve();
  }

  private runExclusive(task: () => Promise<void>): Promise<void> {
    const run = this.exclusive.then(task);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  private remember(id: number, pack: DecodedPack): void {
    this.cache.delete(id);
    this.cache.set(id, pack);
    if (this.cache.size > PACK_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Moves a version-1 database's one-record-per-chunk data into packs, a page at a time. */
  private async migrateChunkRecords(): Promise<void> {
    for (;;) {
      const read = this.db.transaction('chunks', 'readonly');
      const [keys, values] = await Promise.all([read.store.getAllKeys(undefined, OPEN_PAGE_RECORDS), read.store.getAll(undefined, OPEN_PAGE_RECORDS)]);
      await read.done;
      if (keys.length === 0) return;
      const chunks = keys.map((name, i) => ({ name, hash: fromHex(name), bytes: new Uint8Array(values[i]!) }));
      await this.writeChunks(chunks, true);
      const tx = this.db.transaction('chunks', 'readwrite');
      await Promise.all([tx.store.delete(IDBKeyRange.bound(keys[0]!, keys[keys.length - 1]!)), tx.done]);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }

  /** Turns the browser's quota failure into the mesh's typed error. */
  private async settle(done: Promise<unknown>): Promise<void> {
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

/** Splits chunks into packs of at most PACK_MAX_BYTES (a larger chunk gets a pack of its own). */
function packChunks<T extends StoredChunk>(chunks: readonly T[]): T[][] {
  const packs: T[][] = [];
  let pack: T[] = [];
  let size = 0;
  for (const chunk of chunks) {
    if (pack.length > 0 && (size + chunk.bytes.length > PACK_MAX_BYTES || pack.length >= PACK_MAX_CHUNKS)) {
      packs.push(pack);
      pack = [];
      size = 0;
    }
    pack.push(chunk);
    size += chunk.bytes.length;
  }
  if (pack.length > 0) packs.push(pack);
  return packs;
}

/** Copies the chunks into fresh buffers: they are often views into a larger network message. */
function encodePack(chunks: readonly StoredChunk[]): PackRecord {
  const hashes = new Uint8Array(chunks.length * HASH_BYTES);
  const ends = new Uint32Array(chunks.length);
  let total = 0;
  chunks.forEach((chunk, i) => {
    hashes.set(chunk.hash, i * HASH_BYTES);
    total += chunk.bytes.length;
    ends[i] = total;
  });
  const bytes = new Uint8Array(total);
  chunks.forEach((chunk, i) => bytes.set(chunk.bytes, i === 0 ? 0 : ends[i - 1]));
  return { hashes: hashes.buffer, ends: ends.buffer, bytes: bytes.buffer };
}

function decodePack(record: PackRecord): DecodedPack {
  const hashes = new Uint8Array(record.hashes);
  const slots = new Map<string, number>();
  for (let slot = 0; slot * HASH_BYTES < hashes.length; slot++) slots.set(toHex(hashes.subarray(slot * HASH_BYTES, (slot + 1) * HASH_BYTES)), slot);
  return { slots, ends: new Uint32Array(record.ends), bytes: new Uint8Array(record.bytes) };
}

function unpack(record: PackRecord): NamedChunk[] {
  const { slots, ends, bytes } = decodePack(record);
  const hashes = new Uint8Array(record.hashes);
  return [...slots].map(([name, slot]) => ({
    name,
    hash: hashes.subarray(slot * HASH_BYTES, (slot + 1) * HASH_BYTES),
    bytes: bytes.subarray(slot === 0 ? 0 : ends[slot - 1], ends[slot]),
  }));
}
