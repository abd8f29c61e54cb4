/**
 * Locks as clients see them: `lock` grants a lease at once, refuses saying who holds it and until
 * when, or (asked to wait) answers when the lock comes to this client's turn; `renew` keeps a
 * lease alive while its holder works; `unlock` releases it to the next in line. Leases that
 * lapse are released by `tick`, which the master runs often, so a killed holder delays the next
 * no longer than its lease. Writes are checked here (checkWrite) before a byte moves and again
 * at the commit, whose fencing token the directory checks too.
 */
import { FileLockedError, LockLapsedError, type Clock, type LockGrant, type LockRequest, type LockView } from '@meshdrive/core';
import { lockKey, type Lease, type LockHolder, type Locks } from '../state/locks.js';

export interface LockServiceOptions {
  locks: Locks;
  clock: Pick<Clock, 'now'>;
  log: (line: string) => void;
}

const grantOf = (lease: Lease): LockGrant => ({ name: lease.name, token: lease.token, expiresAt: lease.expiresAt, holder: { user: lease.holder.user, device: lease.holder.device } });

export class LockService {
  /** Clients waiting for a lock, by file and client: answered when it is granted to them (every request, should one ask twice). */
  private readonly waiting = new Map<string, { file: string; client: string; answers: ((grant: LockGrant) => void)[] }>();

  constructor(private readonly options: LockServiceOptions) {}

  /** Takes `owner`'s file `request.name` for `holder`; see the module comment. */
  async lock(owner: string, holder: LockHolder, request: LockRequest): Promise<LockGrant> {
    const { locks, clock } = this.options;
    const file = lockKey(owner, request.name);
    const acquired = await locks.acquire(file, request.name, { holder, ttlMs: request.ttlMs }, request.wait === true, clock.now());
    if ('granted' in acquired) return grantOf(acquired.granted);
    if (!acquired.queued) throw new FileLockedError(request.name, acquired.heldBy.holder, acquired.heldBy.expiresAt);
    const key = waiterKey(file, holder.client);
    return new Promise((resolve) => {
      const wait = this.waiting.get(key) ?? { file, client: holder.client, answers: [] };
      wait.answers.push(resolve);
      this.waiting.set(key, wait);
    });
  }

  async renew(owner: string, request: { name: string; token: number; ttlMs: number }): Promise<LockGrant> {
    const lease = await this.options.locks.renew(lockKey(owner, request.name), request.token, request.ttlMs, this.options.clock.now());
    if (!lease) throw new LockLapsedError(request.name, request.token);
    return grantOf(lease);
  }

  async unlock(owner: string, user: string, request: { name: string; token?: number }): Promise<{ released: boolean }> {
    const file = lockKey(owner, request.name);
    const { released, granted } = await this.options.locks.release(file, { user, ...(request.token === undefined ? {} : { token: request.token }) }, this.options.clock.now());
    if (granted) this.deliver(file, granted);
    return { released };
  }

  /**
   * Releases lapsed leases and tells each next waiter it has the lock. With several masters, a
   * waiter here may have been granted the lock by another (its holder unlocked there): those
   * grants are found by looking at the files waited for.
   */
  async tick(): Promise<void> {
    const now = this.options.clock.now();
    for (const [file, lease] of await this.options.locks.lapse(now)) this.deliver(file, lease);
    for (const { file, client } of [...this.waiting.values()]) {
      const lease = await this.options.locks.current(file, now);
      if (lease?.holder.client === client) this.deliver(file, lease);
    }
  }

  /** `client`'s connection closed: it waits for nothing any more. */
  async clientGone(client: string): Promise<void> {
    for (const [key, wait] of this.waiting) if (wait.client === client) this.waiting.delete(key);
    await this.options.locks.leave(client);
  }

  /**
   * Refuses a write to `owner`'s `name` while someone else holds its lock (FileLockedError), and
   * one under a lock (`token`) that is no longer the file's live lease (LockLapsedError).
   */
  async checkWrite(owner: string, name: string, token: number | undefined): Promise<void> {
    const lease = await this.options.locks.current(lockKey(owner, name), this.options.clock.now());
    if (lease?.token === token) return;
    if (token !== undefined) throw new LockLapsedError(name, token);
    if (lease) throw new FileLockedError(name, lease.holder, lease.expiresAt);
  }

  /** `owner`'s locked files and who holds each, by the name the master knows them by. */
  async held(owner: string): Promise<Map<string, NonNullable<LockView>>> {
    const leases = await this.options.locks.held(lockKey(owner, ''), this.options.clock.now());
    return new Map([...leases.values()].map((lease) => [lease.name, { user: lease.holder.user, device: lease.holder.device, expiresAt: lease.expiresAt }]));
  }

  private deliver(file: string, lease: Lease): void {
    const key = waiterKey(file, lease.holder.client);
    const answers = this.waiting.get(key)?.answers ?? [];
    this.waiting.delete(key);
    // No one to tell (the client left as it was granted): the lease lapses on its own.
    for (const answer of answers) answer(grantOf(lease));
    this.options.log(`lock on ${lease.name.slice(0, 12)} granted to ${lease.holder.user} (token ${lease.token})`);
  }
}

const waiterKey = (file: string, client: string): string => `${file}\u0001${client}`;
