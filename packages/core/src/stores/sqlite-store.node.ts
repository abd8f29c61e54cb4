/**
 * Disk peers now keep chunks in pack files (PackStore), which uses this store for its settings
 * and to read the chunks of data directories written before. As a chunk store it is the earlier
 * format, kept whole so those directories open and the bench can compare the two.
 *
 * Chunks on disk in one SQLite file (better-sqlite3): one row per chunk in a rowid table with a
 * unique index on the raw 32-byte hash, 16 KiB pages, WAL journal, puts grouped into transactions.
 * Measured here (tests/bench): a WITHOUT ROWID table keyed by hash wrote 13 MiB/s of 1 KiB
 * chunks and read 38 MiB/s; this layout writes ~57 and reads ~180. synchronous=NORMAL in WAL mode survives
 * a killed process (every committed batch is in the WAL); it trades the last batches on power
 * loss for ~10x write throughput, the same trade Syncthing's and IPFS's default stores make.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MeshError, QuotaExceededError, StoreClosedError, StoreError } from '../errors.js';
import type { HashBytes } from '../ids.js';
import type { PeerStore, PutOptions, StoredChunk, StoreStats } from './chunk-store.js';

const KEYS_PAGE_ROWS = 4096;
const PAGE_SIZE_BYTES = 16384;
/**
 * Checkpoint every 32 MiB of WAL: fewer checkpoints (each one fsyncs) than the default 1000
 * pages, but short enough that one never stalls the event loop past a heartbeat.
 */
const WAL_CHECKPOINT_PAGES = 2048;

/** A lazy put waits at most this long for its commit. */
const LAZY_COMMIT_MS = 100;
/** A transaction this big commits at once, lazy or not: 4 segments of 1 KiB chunks. */
const TRANSACTION_MAX_CHUNKS = 4096;

export interface SqliteStoreOptions {
  /** The database file never grows past this; puts beyond it fail with ERR_QUOTA_EXCEEDED. */
  maxBytes?: number;
  /** 'full' syncs the WAL at every commit (durable against power loss); 'normal' (the default) survives a killed process only. */
  synchronous?: 'normal' | 'full';
}

interface OpenTransaction {
  waiters: { resolve(): void; reject(error: Error): void }[];
  /** Chunks new to the store: counted in stats() once committed. */
  added: StoreStats;
  /** Chunks put, new or not. */
  staged: number;
}

/** A Buffer view of the hash: better-sqlite3 binds Buffers, not plain byte arrays, as BLOBs. */
const key = (hash: HashBytes): Buffer => Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength);
const hexKey = (hash: HashBytes): string => key(hash).toString('hex');
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
  /** The transaction puts go into until it commits; absent between commits. */
  private open: OpenTransaction | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(file: string, options: SqliteStoreOptions = {}) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma(`page_size = ${PAGE_SIZE_BYTES}`); // only takes effect on a new file
    // Counted in the file's own pages, index included; SQLite never shrinks it below its size.
    if (options.maxBytes !== undefined) this.db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / PAGE_SIZE_BYTES))}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
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
   * Inserts at once, into the open transaction (readable from here on), and resolves when that
   * transaction commits. A plain put commits on the next turn of the event loop, together with
   * every put that arrived meanwhile (group commit); a lazy one waits for commit(), a full
   * transaction or LAZY_COMMIT_MS. Each commit rewrites every index page it touched, and random
   * hashes touch a page per chunk, so larger commits cost far less per chunk (measured: ~16
   * ms/MiB at 64 chunks per commit, ~7 at 4096, on a 64 MiB store).
   */
  putMany(chunks: readonly StoredChunk[], options: PutOptions = {}): Promise<void> {
    return this.write(options, (transaction) => {
      const added = this.insertBatch(chunks);
      transaction.added.chunks += added.chunks;
      transaction.added.bytes += added.bytes;
      transaction.staged += chunks.length;
    });
  }

  /** Runs `work` in the open transaction and resolves once that commits (see putMany). */
  private write(options: PutOptions, work: (transaction: OpenTransaction) => void): Promise<void> {
    try {
      this.assertOpen();
      const transaction = this.open ?? this.begin();
      work(transaction);
      const done = new Promise<void>((resolve, reject) => transaction.waiters.push({ resolve, reject }));
      this.scheduleCommit(options.lazy === true && transaction.staged < TRANSACTION_MAX_CHUNKS ? 'later' : 'now');
      return done;
    } catch (error) {
      const failure = translate(error);
      this.rollback(failure);
      return Promise.reject(failure);
    }
  }

  commit(): Promise<void> {
    return this.open ? this.write({}, () => undefined) : Promise.resolve();
  }

  private begin(): OpenTransaction {
    this.db.exec('BEGIN');
    this.open = { waiters: [], added: { chunks: 0, bytes: 0 }, staged: 0 };
    return this.open;
  }

  private scheduleCommit(when: 'now' | 'later'): void {
    if (when === 'now') {
      this.immediate ??= setImmediate(() => this.commitOpen());
    } else {
      this.timer ??= setTimeout(() => this.commitOpen(), LAZY_COMMIT_MS);
    }
  }

  private commitOpen(): void {
    clearImmediate(this.immediate);
    clearTimeout(this.timer);
    this.immediate = undefined;
    this.timer = undefined;
    const transaction = this.open;
    if (!transaction) return;
    try {
      this.db.exec('COMMIT');
      this.open = undefined;
      this.counts = { chunks: this.counts.chunks + transaction.added.chunks, bytes: this.counts.bytes + transaction.added.bytes };
      for (const waiter of transaction.waiters) waiter.resolve();
    } catch (error) {
      this.rollback(translate(error));
    }
  }

  /** Undoes the open transaction: everything put into it is lost, and every waiter told so. */
  private rollback(failure: Error): void {
    const transaction = this.open;
    this.open = undefined;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    if (!transaction) return;
    // Deletes made inside the transaction are undone too: count again rather than guess.
    this.counts = this.statements.count.get() as StoreStats;
    for (const waiter of transaction.waiters) waiter.reject(failure);
  }

  getMany(hashes: readonly HashBytes[]): Promise<(Uint8Array | undefined)[]> {
    const found = this.findRows(hashes, true);
    return Promise.resolve(hashes.map((hash) => {
      const bytes = found.get(hexKey(hash));
      return bytes ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined;
    }));
  }

  hasMany(hashes: readonly HashBytes[]): Promise<boolean[]> {
    const found = this.findRows(hashes, false);
    return Promise.resolve(hashes.map((hash) => found.has(hexKey(hash))));
  }

  /** The rows held of `hashes`, keyed by hex hash, one IN (...) query per LOOKUP_SLICE hashes. */
  private findRows(hashes: readonly HashBytes[], withBytes: boolean): Map<string, Buffer | undefined> {
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

  deleteMany(hashes: readonly HashBytes[]): Promise<void> {
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
    return this.commit();
  }

  async *keys(): AsyncIterable<HashBytes> {
    let after: Buffer = Buffer.alloc(0);
    for (;;) {
      this.assertOpen();
      const page = this.statements.page.all(after, KEYS_PAGE_ROWS) as Buffer[];
      for (const row of page) yield await Promise.resolve(row);
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

  setMeta(key: string, value: string, options: PutOptions = {}): Promise<void> {
    return this.write(options, () => this.statements.setMeta.run(key, value));
  }

  deleteMeta(key: string): Promise<void> {
    return this.write({}, () => this.statements.deleteMeta.run(key));
  }

  metaKeys(prefix: string): Promise<string[]> {
    this.assertOpen();
    return Promise.resolve(this.statements.metaKeys.all(prefix, prefix) as string[]);
  }

  /** Gives the file's free pages back to the disk (after chunks moved out of it). */
  vacuum(): void {
    this.assertOpen();
    this.commitOpen();
    this.db.exec('VACUUM');
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.commitOpen();
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
  return new StoreError(`chunk store write failed: ${error instanceof Error ? error.message : String(error)}`);
}
