/**
 * Chunks on disk in one SQLite file (better-sqlite3): one row per chunk in a rowid table with a
 * unique index on the raw 32-byte hash, 16 KiB pages, WAL journal, a transaction per batch.
 * Measured here (tests/bench): a WITHOUT ROWID table keyed by hash wrote 13 MiB/s of 1 KiB
 * chunks and read 38 MiB/s; this layout writes ~57 and reads ~180. synchronous=NORMAL in WAL mode survives
 * a killed process (every committed batch is in the WAL); it trades the last batches on power
 * loss for ~10x write throughput, the same trade Syncthing's and IPFS's default stores make.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MeshError, QuotaExceededError, StoreClosedError } from '../errors.js';
import { asChunkHash, type ChunkHash } from '../ids.js';
import type { PeerStore, StoredChunk, StoreStats } from './chunk-store.js';

const KEYS_PAGE_ROWS = 4096;
const PAGE_SIZE_BYTES = 16384;
/**
 * Checkpoint every 32 MiB of WAL: fewer checkpoints (each one fsyncs) than the default 1000
 * pages, but short enough that one never stalls the event loop past a heartbeat.
 */
const WAL_CHECKPOINT_PAGES = 2048;

const key = (hash: ChunkHash): Buffer => Buffer.from(hash, 'hex');
/** Hashes per IN (...) query: well under SQLite's variable limit, and few distinct statements. */
const LOOKUP_SLICE = 256;

function* slices<T>(items: readonly T[]): Generator<T[]> {
  for (let start = 0; start < items.length; start += LOOKUP_SLICE) yield items.slice(start, start + LOOKUP_SLICE);
}

export class SqliteStore implements PeerStore {
  private readonly db: Database.Database;
  private readonly statements;
  private counts: StoreStats;
  private readonly lookups = new Map<string, Database.Statement>();
  private readonly pendingWrites: { chunks: readonly StoredChunk[]; resolve(): void; reject(error: Error): void }[] = [];
  private closed = false;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma(`page_size = ${PAGE_SIZE_BYTES}`); // only takes effect on a new file
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS chunks (id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, bytes BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    this.statements = {
      insert: this.db.prepare('INSERT OR IGNORE INTO chunks (hash, bytes) VALUES (?, ?)'),
      size: this.db.prepare('SELECT length(bytes) FROM chunks WHERE hash = ?').pluck(),
      remove: this.db.prepare('DELETE FROM chunks WHERE hash = ?'),
      page: this.db.prepare('SELECT hash FROM chunks WHERE hash > ? ORDER BY hash LIMIT ?').pluck(),
      count: this.db.prepare('SELECT count(*) AS chunks, coalesce(sum(length(bytes)), 0) AS bytes FROM chunks'),
      getMeta: this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      deleteMeta: this.db.prepare('DELETE FROM meta WHERE key = ?'),
      metaKeys: this.db.prepare("SELECT key FROM meta WHERE substr(key, 1, length(?)) = ? ORDER BY key").pluck(),
    };
    this.counts = this.statements.count.get() as StoreStats;
  }

  private readonly insertBatch = (chunks: readonly StoredChunk[]): StoreStats => {
    const added = { chunks: 0, bytes: 0 };
    for (const { hash, bytes } of chunks) {
      if (this.statements.insert.run(key(hash), bytes).changes > 0) {
        added.chunks++;
        added.bytes += bytes.length;
      }
    }
    return added;
  };

  /**
   * Group commit: batches that arrive in the same turn of the event loop (concurrent Puts from
   * several segments) share one transaction, which measured ~1.5x faster than one each.
   */
  putMany(chunks: readonly StoredChunk[]): Promise<void> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      this.pendingWrites.push({ chunks, resolve, reject });
      if (this.pendingWrites.length === 1) setImmediate(() => this.flushWrites());
    });
  }

  private flushWrites(): void {
    const writes = this.pendingWrites.splice(0);
    if (writes.length === 0) return;
    if (this.closed) {
      for (const write of writes) write.reject(new StoreClosedError());
      return;
    }
    try {
      const added = this.db.transaction(() => {
        const total = { chunks: 0, bytes: 0 };
        for (const write of writes) {
          const batch = this.insertBatch(write.chunks);
          total.chunks += batch.chunks;
          total.bytes += batch.bytes;
        }
        return total;
      })();
      this.counts = { chunks: this.counts.chunks + added.chunks, bytes: this.counts.bytes + added.bytes };
      for (const write of writes) write.resolve();
    } catch (error) {
      const failure = translate(error);
      for (const write of writes) write.reject(failure);
    }
  }

  getMany(hashes: readonly ChunkHash[]): Promise<(Uint8Array | undefined)[]> {
    const found = this.findRows(hashes, true);
    return Promise.resolve(hashes.map((hash) => {
      const bytes = found.get(hash);
      return bytes ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined;
    }));
  }

  hasMany(hashes: readonly ChunkHash[]): Promise<boolean[]> {
    const found = this.findRows(hashes, false);
    return Promise.resolve(hashes.map((hash) => found.has(hash)));
  }

  /** The rows held of `hashes`, keyed by hex hash, one IN (...) query per LOOKUP_SLICE hashes. */
  private findRows(hashes: readonly ChunkHash[], withBytes: boolean): Map<string, Buffer | undefined> {
    this.assertOpen();
    const found = new Map<string, Buffer | undefined>();
    for (const slice of slices(hashes)) {
      for (const row of this.lookup(slice.length, withBytes).all(...slice.map(key)) as { hash: Buffer; bytes?: Buffer }[]) {
        found.set(row.hash.toString('hex'), row.bytes);
      }
    }
    return found;
  }

  /** One statement per distinct batch size: a lookup of n hashes is one query, not n. */
  private lookup(count: number, withBytes: boolean): Database.Statement {
    const cacheKey = `${withBytes ? 'get' : 'has'}:${count}`;
    let statement = this.lookups.get(cacheKey);
    if (!statement) {
      statement = this.db.prepare(`SELECT hash${withBytes ? ', bytes' : ''} FROM chunks WHERE hash IN (${new Array(count).fill('?').join(',')})`);
      this.lookups.set(cacheKey, statement);
    }
    return statement;
  }

  deleteMany(hashes: readonly ChunkHash[]): Promise<void> {
    this.assertOpen();
    const removed = this.db.transaction(() => {
      const gone = { chunks: 0, bytes: 0 };
      for (const hash of hashes) {
        const raw = key(hash);
        const size = this.statements.size.get(raw) as number | undefined;
        if (size === undefined) continue;
        this.statements.remove.run(raw);
        gone.chunks++;
        gone.bytes += size;
      }
      return gone;
    })();
    this.counts = { chunks: this.counts.chunks - removed.chunks, bytes: this.counts.bytes - removed.bytes };
    return Promise.resolve();
  }

  async *keys(): AsyncIterable<ChunkHash> {
    let after: Buffer = Buffer.alloc(0);
    for (;;) {
      this.assertOpen();
      const page = this.statements.page.all(after, KEYS_PAGE_ROWS) as Buffer[];
      for (const row of page) yield await Promise.resolve(asChunkHash(row.toString('hex')));
      if (page.length < KEYS_PAGE_ROWS) return;
      after = page[page.length - 1]!;
    }
  }

  stats(): Promise<StoreStats> {
    this.assertOpen();
    return Promise.resolve({ ...this.counts });
  }

  getMeta(key: string): Promise<string | undefined> {
    this.assertOpen();
    return Promise.resolve(this.statements.getMeta.get(key) as string | undefined);
  }

  setMeta(key: string, value: string): Promise<void> {
    this.assertOpen();
    this.statements.setMeta.run(key, value);
    return Promise.resolve();
  }

  deleteMeta(key: string): Promise<void> {
    this.assertOpen();
    this.statements.deleteMeta.run(key);
    return Promise.resolve();
  }

  metaKeys(prefix: string): Promise<string[]> {
    this.assertOpen();
    return Promise.resolve(this.statements.metaKeys.all(prefix, prefix) as string[]);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.flushWrites();
      this.closed = true;
      this.db.close();
    }
    return Promise.resolve();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

function translate(error: unknown): Error {
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_FULL') return new QuotaExceededError('the disk holding this peer\'s store is full');
  if (error instanceof MeshError) return error;
  return new MeshError('ERR_STORE', `chunk store write failed: ${error instanceof Error ? error.message : String(error)}`);
}
