/**
 * File locks in the masters' shared PostgreSQL database, so a lock taken through one master
 * holds against clients of every other. Each change to a file's lock runs in one transaction
 * under a transaction-scoped advisory lock on the file's key, so changes to one file are one at a
 * time across all masters; fencing tokens come from the directory's `fences` sequence.
 *
 * A waiter queued here may be granted by another master (its holder's release, a lapse pass):
 * LockService.tick finds such grants for the clients waiting on it.
 */
import type { Database, Queryable } from '../postgres/database.js';
import type { Acquired, Lease, LockHolder, Locks, LockWaiter } from './locks.js';

interface LockRow { file: string; name: string; token: number; expires_at: number; holder: LockHolder }
interface WaiterRow { seq: number; client: string; holder: LockHolder; ttl_ms: number }

/**
 * A lock key as stored: PostgreSQL text cannot hold the NUL that lockKey puts between owner and
 * name, so each character is escaped on its own (`\\` for a backslash, `\\0` for NUL), which
 * keeps keys distinct and a prefix's column a prefix of its keys' columns.
 */
const toColumn = (file: string): string => file.replace(/\\/g, '\\\\').replace(/\0/g, '\\0');
const fromColumn = (column: string): string => column.replace(/\\(\\|0)/g, (_, escaped: string) => (escaped === '0' ? '\0' : '\\'));

export class PgLocks implements Locks {
  /** This master's changes go out one at a time, in the order asked: first come, first served holds for its own clients. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly database: Database) {}

  async current(file: string, now: number): Promise<Lease | undefined> {
    const { rows: [row] } = await this.database.query<LockRow>('SELECT * FROM locks WHERE file = $1 AND expires_at > $2', [toColumn(file), now]);
    return row && leaseOf(row);
  }

  async held(prefix: string, now: number): Promise<Map<string, Lease>> {
    const { rows } = await this.database.query<LockRow>('SELECT * FROM locks WHERE starts_with(file, $1) AND expires_at > $2', [toColumn(prefix), now]);
    return new Map(rows.map((row) => [fromColumn(row.file), leaseOf(row)]));
  }

  acquire(file: string, name: string, waiter: LockWaiter, wait: boolean, now: number): Promise<Acquired> {
    return this.onFile(file, async (client, column) => {
      const lease = await liveLease(client, column, now);
      const { rows: queue } = await client.query<WaiterRow>('SELECT seq, client, holder, ttl_ms FROM lock_waiters WHERE file = $1 ORDER BY seq', [column]);
      if (!lease && queue.length === 0) return { granted: await grant(client, column, name, waiter, now) };
      // Its own holder asking again (it lost track): the same lease, for as long as asked, not a wait on itself.
      if (lease && lease.holder.client === waiter.holder.client) {
        const expiresAt = Math.max(lease.expiresAt, now + waiter.ttlMs);
        await client.query('UPDATE locks SET expires_at = $2 WHERE file = $1', [column, expiresAt]);
        return { granted: { ...lease, expiresAt } };
      }
      if (wait && !queue.some((queued) => queued.client === waiter.holder.client)) {
        await client.query('INSERT INTO lock_waiters (file, name, client, holder, ttl_ms) VALUES ($1, $2, $3, $4, $5)', [column, name, waiter.holder.client, JSON.stringify(waiter.holder), waiter.ttlMs]);
      }
      const first = queue[0]?.holder ?? waiter.holder;
      return { heldBy: lease ?? { name, token: 0, expiresAt: now, holder: first }, queued: wait };
    });
  }

  renew(file: string, token: number, ttlMs: number, now: number): Promise<Lease | undefined> {
    return this.onFile(file, async (client, column) => {
      const lease = await liveLease(client, column, now);
      if (!lease || lease.token !== token) return undefined;
      await client.query('UPDATE locks SET expires_at = $2 WHERE file = $1', [column, now + ttlMs]);
      return { ...lease, expiresAt: now + ttlMs };
    });
  }

  release(file: string, match: { token?: number; user: string }, now: number): Promise<{ released: boolean; granted?: Lease }> {
    return this.onFile(file, async (client, column) => {
      const lease = await liveLease(client, column, now);
      const mine = lease && (match.token === undefined ? lease.holder.user === match.user : lease.token === match.token);
      if (!mine) return { released: false };
      await client.query('DELETE FROM locks WHERE file = $1', [column]);
      const granted = await grantNext(client, column, now);
      return granted ? { released: true, granted } : { released: true };
    });
  }

  async lapse(now: number): Promise<Map<string, Lease>> {
    const { rows } = await this.database.query<{ file: string }>('SELECT file FROM locks WHERE expires_at <= $1', [now]);
    const granted = new Map<string, Lease>();
    for (const file of rows.map((row) => fromColumn(row.file))) {
      const next = await this.onFile(file, async (client, column) => {
        // Another master may have lapsed it, or its holder renewed it, since the look above.
        const { rowCount } = await client.query('DELETE FROM locks WHERE file = $1 AND expires_at <= $2', [column, now]);
        return rowCount === 0 ? undefined : grantNext(client, column, now);
      });
      if (next) granted.set(file, next);
    }
    return granted;
  }

  async leave(client: string): Promise<void> {
    await this.serial(() => this.database.query('DELETE FROM lock_waiters WHERE client = $1', [client]));
  }

  /** `change` (given the file's column) in one transaction holding the file's advisory lock, after this master's earlier changes. */
  private onFile<T>(file: string, change: (client: Queryable, column: string) => Promise<T>): Promise<T> {
    const column = toColumn(file);
    return this.serial(() => this.database.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`lock:${column}`]);
      return change(client, column);
    }));
  }

  private serial<T>(change: () => Promise<T>): Promise<T> {
    const run = this.chain.then(change);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

async function liveLease(client: Queryable, file: string, now: number): Promise<Lease | undefined> {
  const { rows: [row] } = await client.query<LockRow>('SELECT * FROM locks WHERE file = $1 AND expires_at > $2', [file, now]);
  return row && leaseOf(row);
}

async function grant(client: Queryable, file: string, name: string, waiter: LockWaiter, now: number): Promise<Lease> {
  const { rows: [row] } = await client.query<{ token: number }>("SELECT nextval('fences') AS token");
  const lease: Lease = { name, token: row!.token, expiresAt: now + waiter.ttlMs, holder: waiter.holder };
  await client.query(`INSERT INTO locks (file, name, token, expires_at, holder) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (file) DO UPDATE SET name = excluded.name, token = excluded.token, expires_at = excluded.expires_at, holder = excluded.holder`,
  [file, name, lease.token, lease.expiresAt, JSON.stringify(lease.holder)]);
  return lease;
}

/** The lock is free: the first waiter gets it. */
async function grantNext(client: Queryable, file: string, now: number): Promise<Lease | undefined> {
  const { rows: [next] } = await client.query<WaiterRow & { name: string }>(`DELETE FROM lock_waiters WHERE seq =
    (SELECT seq FROM lock_waiters WHERE file = $1 ORDER BY seq LIMIT 1) RETURNING seq, name, client, holder, ttl_ms`, [file]);
  return next && grant(client, file, next.name, { holder: next.holder, ttlMs: next.ttl_ms }, now);
}

function leaseOf(row: LockRow): Lease {
  return { name: row.name, token: row.token, expiresAt: row.expires_at, holder: row.holder };
}
