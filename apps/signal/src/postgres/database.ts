/**
 * One PostgreSQL database holds everything several masters share: the directory, the accounts,
 * the secrets every master must agree on (signing key, join secret) and the coordinator's epoch.
 * This module owns its connection pool, its numbered migrations and its transactions.
 *
 * Migrations are applied in order under an advisory lock, so masters started together apply each
 * once. A database whose schema is newer than this master's is refused rather than misread.
 */
import pg from 'pg';
import { StoreError } from '@meshdrive/core';

/** Schema versions, each applied once in its own transaction; never edit one that shipped, add the next. */
export const MIGRATIONS: readonly string[] = [
  // 1: the directory, as SQLite's schema 3 has it. Text compares byte-wise (COLLATE "C"), as in SQLite.
  `CREATE TABLE files (
     owner TEXT COLLATE "C" NOT NULL, name TEXT COLLATE "C" NOT NULL, file_id TEXT COLLATE "C" NOT NULL UNIQUE,
     version INTEGER NOT NULL, fence BIGINT NOT NULL DEFAULT 0,
     PRIMARY KEY (owner, name));
   CREATE SEQUENCE fences;
   CREATE TABLE shares (
     owner TEXT COLLATE "C" NOT NULL, name TEXT COLLATE "C" NOT NULL, username TEXT COLLATE "C" NOT NULL, write BOOLEAN NOT NULL,
     PRIMARY KEY (owner, name, username));
   CREATE INDEX shares_by_user ON shares (username);
   CREATE TABLE share_keys (
     file_id TEXT COLLATE "C" NOT NULL, version INTEGER NOT NULL, username TEXT COLLATE "C" NOT NULL, key TEXT NOT NULL,
     PRIMARY KEY (file_id, version, username));
   CREATE TABLE versions (
     file_id TEXT COLLATE "C" NOT NULL, version INTEGER NOT NULL, owner TEXT COLLATE "C" NOT NULL, name TEXT COLLATE "C" NOT NULL,
     size BIGINT NOT NULL, chunk_size INTEGER NOT NULL, segment_chunks INTEGER NOT NULL, codec TEXT, replication INTEGER NOT NULL,
     created_at BIGINT NOT NULL, sealed TEXT,
     PRIMARY KEY (file_id, version));
   CREATE TABLE segments (
     file_id TEXT COLLATE "C" NOT NULL, version INTEGER NOT NULL, idx INTEGER NOT NULL, list_hash TEXT COLLATE "C" NOT NULL,
     plain_size BIGINT NOT NULL, stored_size BIGINT NOT NULL,
     PRIMARY KEY (file_id, version, idx));
   CREATE INDEX segments_by_list ON segments (list_hash);
   CREATE TABLE segment_holders (
     list_hash TEXT COLLATE "C" NOT NULL, peer_id TEXT COLLATE "C" NOT NULL, position INTEGER NOT NULL,
     PRIMARY KEY (list_hash, peer_id));
   CREATE INDEX segment_holders_by_peer ON segment_holders (peer_id);
   CREATE TABLE pending_drops (
     peer_id TEXT COLLATE "C" NOT NULL, list_hash TEXT COLLATE "C" NOT NULL, PRIMARY KEY (peer_id, list_hash));
   CREATE TABLE peers (
     id TEXT COLLATE "C" PRIMARY KEY, kind TEXT NOT NULL, capacity BIGINT NOT NULL, label TEXT, last_seen BIGINT NOT NULL);`,
  // 2: accounts, the masters' shared secrets, and the coordinator's epoch.
  `CREATE TABLE users (
     username TEXT COLLATE "C" PRIMARY KEY, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL, keys JSONB);
   CREATE TABLE refresh_tokens (
     token_hash TEXT PRIMARY KEY, username TEXT COLLATE "C" NOT NULL, expires_at BIGINT NOT NULL);
   CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);
   CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE coordinator (singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton), epoch BIGINT NOT NULL, master TEXT NOT NULL, since BIGINT NOT NULL);`,
  // 3: file locks (a row per live or lapsed lease) and their queues, and the open sends, shared by the masters.
  `CREATE TABLE locks (
     file TEXT COLLATE "C" PRIMARY KEY, name TEXT COLLATE "C" NOT NULL, token BIGINT NOT NULL, expires_at BIGINT NOT NULL, holder JSONB NOT NULL);
   CREATE INDEX locks_by_expiry ON locks (expires_at);
   CREATE TABLE lock_waiters (
     seq BIGSERIAL PRIMARY KEY, file TEXT COLLATE "C" NOT NULL, name TEXT COLLATE "C" NOT NULL, client TEXT NOT NULL, holder JSONB NOT NULL, ttl_ms BIGINT NOT NULL);
   CREATE INDEX lock_waiters_by_file ON lock_waiters (file, seq);
   CREATE INDEX lock_waiters_by_client ON lock_waiters (client);
   CREATE TABLE send_leases (
     client TEXT NOT NULL, file_id TEXT COLLATE "C" NOT NULL, started_at BIGINT NOT NULL, disconnected_at BIGINT, expired BOOLEAN NOT NULL DEFAULT false,
     PRIMARY KEY (client, file_id));
   CREATE INDEX send_leases_open ON send_leases (started_at) WHERE NOT expired;`,
];

/** The advisory lock key migrations run under ('mdmg' in ASCII). */
const MIGRATION_LOCK = 0x6d646d67;

/** BIGINT and COUNT(*) come back as strings by default; every such value here is a size, a time or a count well inside 2^53. */
const INT8_OID = 20;
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format ?? 'text'))) as typeof pg.types.getTypeParser,
};

/** A pool, a database or one connection in a transaction: anything that runs a statement. */
export interface Queryable {
  query<Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>>;
}

/** A pool on one Meshdrive database, migrated to this master's schema. */
export class Database {
  private closed: Promise<void> | undefined;

  private constructor(readonly pool: pg.Pool) {}

  /** Connects and applies the migrations the database lacks. */
  static async open(url: string, options: { maxConnections?: number } = {}): Promise<Database> {
    const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, types: TYPES });
    // An idle client whose server went away emits 'error'; the next query reconnects, so it must not end the process.
    pool.on('error', () => undefined);
    try {
      await migrate(pool);
    } catch (error) {
      await pool.end();
      throw error instanceof StoreError ? error : new StoreError(`cannot open the PostgreSQL directory: ${error instanceof Error ? error.message : String(error)}`);
    }
    return new Database(pool);
  }

  query<Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>> {
    return this.pool.query<Row>(text, values);
  }

  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>, isolation: 'READ COMMITTED' | 'REPEATABLE READ' = 'READ COMMITTED'): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The shared secret `name`, or `make()`'s, stored first: every master gets the same one, whichever made it. */
  async secret(name: string, make: () => string | Promise<string>): Promise<string> {
    const found = await this.query<{ value: string }>('SELECT value FROM secrets WHERE name = $1', [name]);
    if (found.rows[0]) return found.rows[0].value;
    const made = await make();
    await this.query('INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, made]);
    const { rows: [row] } = await this.query<{ value: string }>('SELECT value FROM secrets WHERE name = $1', [name]);
    return row!.value;
  }

  /** Ends the pool; the directory and the accounts share one database, and each closes it, so a second close does nothing. */
  close(): Promise<void> {
    this.closed ??= this.pool.end();
    return this.closed;
  }
}

/** Applies the migrations the database lacks, each in its own transaction, under the migration lock. */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS meshdrive_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const { rows: [row] } = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM meshdrive_schema');
    const current = row?.version ?? 0;
    if (current > MIGRATIONS.length) throw new StoreError(`the PostgreSQL directory has schema ${current}, newer than this master's ${MIGRATIONS.length}: run a newer Meshdrive`);
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[version - 1]!);
        await client.query('INSERT INTO meshdrive_schema (version) VALUES ($1)', [version]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
