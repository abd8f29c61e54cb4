/**
 * File locks as leases, as Chubby and etcd keep them: a holder has a file's lock until its lease
 * lapses, unless it renews it first; others ask and are refused, or queue first come, first
 * served; every grant carries a fencing token that only grows, which writes under the lock carry
 * and the directory checks. Nothing waits on a holder that went away: its lease simply lapses.
 * State several masters will share, so it sits behind this interface (memory-locks.ts today).
 *
 * A file is named by its key (lockKey: owner and the name the master knows it by).
 */

export interface LockHolder {
  user: string;
  /** The device it acts from, as its join named it: what a refused writer is told. */
  device: string;
  /** The client (socket id) that asked: a waiter whose client leaves is dropped from the queue. */
  client: string;
}

export interface Lease {
  /** The name the master knows the file by. */
  name: string;
  token: number;
  expiresAt: number;
  holder: LockHolder;
}

export interface LockWaiter {
  holder: LockHolder;
  ttlMs: number;
}

/** Granted at once, or held by someone else (and, if asked to wait, queued behind them). */
export type Acquired = { granted: Lease } | { heldBy: Lease; queued: boolean };

export interface Locks {
  /** The file's live lease, if any: a lapsed one counts as none. */
  current(file: string, now: number): Promise<Lease | undefined>;
  /** Live leases on files whose key starts with `prefix` (one owner's files). */
  held(prefix: string, now: number): Promise<Map<string, Lease>>;
  /** Grants the lock if it is free or its lease lapsed; otherwise, with `wait`, queues `waiter` behind any others. */
  acquire(file: string, name: string, waiter: LockWaiter, wait: boolean, now: number): Promise<Acquired>;
  /** Extends the lease `token` names to `ttlMs` from now; undefined if it is not the file's live lease. */
  renew(file: string, token: number, ttlMs: number, now: number): Promise<Lease | undefined>;
  /**
   * Releases the file's lease if `token` names it (without a token: if `user` holds it) and
   * grants it to the first waiter still queued, if any.
   */
  release(file: string, match: { token?: number; user: string }, now: number): Promise<{ released: boolean; granted?: Lease }>;
  /** Releases every lease that lapsed by `now`, granting each to its first waiter: the grants made, by file. */
  lapse(now: number): Promise<Map<string, Lease>>;
  /** `client` went away: its places in queues are given up (a lease it holds runs out on its own). */
  leave(client: string): Promise<void>;
}

/** The key of `owner`'s file known to the master as `name`. */
export const lockKey = (owner: string, name: string): string => `${owner}\u0000${name}`;
