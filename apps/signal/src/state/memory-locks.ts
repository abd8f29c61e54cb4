/** File locks in one master's memory; fencing tokens come from `nextFence` (the directory's counter, so they grow across restarts). */
import type { Acquired, Lease, Locks, LockWaiter } from './locks.js';

interface FileLock {
  /** The name the master knows the file by. */
  name: string;
  lease?: Lease;
  queue: LockWaiter[];
}

export class MemoryLocks implements Locks {
  private readonly files = new Map<string, FileLock>();
  /** Changes run one at a time: a grant awaits its fencing token, and no other change may slip in meanwhile. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly nextFence: () => Promise<number>) {}

  current(file: string, now: number): Promise<Lease | undefined> {
    return Promise.resolve(live(this.files.get(file)?.lease, now));
  }

  held(prefix: string, now: number): Promise<Map<string, Lease>> {
    const leases = new Map<string, Lease>();
    for (const [file, lock] of this.files) {
      const lease = file.startsWith(prefix) ? live(lock.lease, now) : undefined;
      if (lease) leases.set(file, lease);
    }
    return Promise.resolve(leases);
  }

  acquire(file: string, name: string, waiter: LockWaiter, wait: boolean, now: number): Promise<Acquired> {
    return this.serial(async () => {
      const lock = this.lockOf(file, name);
      const lease = live(lock.lease, now);
      if (!lease && lock.queue.length === 0) return { granted: await this.grant(file, lock, waiter, now) };
      // Its own holder asking again (it lost track): the same lease, for as long as asked, not a wait on itself.
      if (lease && lease.holder.client === waiter.holder.client) {
        lease.expiresAt = Math.max(lease.expiresAt, now + waiter.ttlMs);
        return { granted: { ...lease } };
      }
      if (wait && !lock.queue.some((queued) => queued.holder.client === waiter.holder.client)) lock.queue.push(waiter);
      // Free but with waiters queued (their grant is on its way at the next lapse pass): the first of them is next.
      return { heldBy: lease ?? { name, token: 0, expiresAt: now, holder: lock.queue[0]!.holder }, queued: wait };
    });
  }

  renew(file: string, token: number, ttlMs: number, now: number): Promise<Lease | undefined> {
    return this.serial(() => {
      const lease = live(this.files.get(file)?.lease, now);
      if (!lease || lease.token !== token) return Promise.resolve(undefined);
      lease.expiresAt = now + ttlMs;
      return Promise.resolve({ ...lease });
    });
  }

  release(file: string, match: { token?: number; user: string }, now: number): Promise<{ released: boolean; granted?: Lease }> {
    return this.serial(async () => {
      const lock = this.files.get(file);
      const lease = live(lock?.lease, now);
      const mine = lease && (match.token === undefined ? lease.holder.user === match.user : lease.token === match.token);
      if (!lock || !mine) return { released: false };
      lock.lease = undefined;
      const granted = await this.grantNext(file, lock, now);
      return granted ? { released: true, granted } : { released: true };
    });
  }

  lapse(now: number): Promise<Map<string, Lease>> {
    return this.serial(async () => {
      const granted = new Map<string, Lease>();
      for (const [file, lock] of this.files) {
        if (live(lock.lease, now)) continue;
        lock.lease = undefined;
        const next = await this.grantNext(file, lock, now);
        if (next) granted.set(file, next);
      }
      return granted;
    });
  }

  leave(client: string): Promise<void> {
    return this.serial(() => {
      for (const [file, lock] of this.files) {
        lock.queue = lock.queue.filter((waiter) => waiter.holder.client !== client);
        if (!lock.lease && lock.queue.length === 0) this.files.delete(file);
      }
      return Promise.resolve();
    });
  }

  private lockOf(file: string, name: string): FileLock {
    let lock = this.files.get(file);
    if (!lock) this.files.set(file, (lock = { name, queue: [] }));
    return lock;
  }

  private async grant(file: string, lock: FileLock, waiter: LockWaiter, now: number): Promise<Lease> {
    lock.lease = { name: lock.name, token: await this.nextFence(), expiresAt: now + waiter.ttlMs, holder: waiter.holder };
    this.files.set(file, lock);
    return { ...lock.lease };
  }

  /** The lock is free: the first waiter gets it; a lock with no one waiting is forgotten. */
  private async grantNext(file: string, lock: FileLock, now: number): Promise<Lease | undefined> {
    const next = lock.queue.shift();
    if (!next) {
      this.files.delete(file);
      return undefined;
    }
    return this.grant(file, lock, next, now);
  }

  private serial<T>(change: () => Promise<T>): Promise<T> {
    const run = this.chain.then(change);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

const live = (lease: Lease | undefined, now: number): Lease | undefined => (lease && lease.expiresAt > now ? lease : undefined);
