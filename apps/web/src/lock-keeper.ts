/**
 * Locks this tab holds: taken from a file's details, kept alive by renewing while the tab is
 * open, used by uploads of that file, and released by Unlock. A closed or crashed tab stops
 * renewing, and the master releases the lock when its lease runs out (LOCK_TTL_MS).
 */
import { isErrorOf, LockLapsedError, type LockGrant, type MeshClient } from '@meshdrive/core';

/** The lease a tab's lock has: short, since the tab renews it while open. */
export const LOCK_TTL_MS = 30_000;
const RENEW_EVERY_MS = LOCK_TTL_MS / 3;

export class LockKeeper extends EventTarget {
  private readonly held = new Map<string, LockGrant & { owner?: string }>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly client: () => MeshClient | null) {
    super();
  }

  /** The fencing token of this tab's lock on `name`, if it holds one. */
  tokenFor(name: string, owner?: string): number | undefined {
    return this.held.get(key(name, owner))?.token;
  }

  holds(name: string, owner?: string): boolean {
    return this.held.has(key(name, owner));
  }

  /** Takes the lock: at once, or a FileLockedError saying who holds it. */
  async take(name: string, owner?: string): Promise<LockGrant> {
    const client = this.requireClient();
    const grant = await client.lock(name, { ttlMs: LOCK_TTL_MS, ...(owner === undefined ? {} : { owner }) });
    this.held.set(key(name, owner), { ...grant, ...(owner === undefined ? {} : { owner }) });
    this.timer ??= setInterval(() => void this.renewAll(), RENEW_EVERY_MS);
    this.changed();
    return grant;
  }

  async release(name: string, owner?: string): Promise<void> {
    const held = this.held.get(key(name, owner));
    this.held.delete(key(name, owner));
    this.stopIfIdle();
    this.changed();
    await this.requireClient().unlock(name, held?.token, owner);
  }

  private async renewAll(): Promise<void> {
    const client = this.client();
    if (!client) return;
    for (const [at, grant] of this.held) {
      try {
        this.held.set(at, { ...(await client.renewLock(grant.name, grant.token, LOCK_TTL_MS, grant.owner)), ...(grant.owner === undefined ? {} : { owner: grant.owner }) });
      } catch (error) {
        // Lapsed (the tab slept past its lease): it is someone else's to take now.
        if (isErrorOf(error, LockLapsedError)) {
          this.held.delete(at);
          this.changed();
        }
      }
    }
    this.stopIfIdle();
  }

  private stopIfIdle(): void {
    if (this.held.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private requireClient(): MeshClient {
    const client = this.client();
    if (!client) throw new Error('not connected to the master yet');
    return client;
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}

const key = (name: string, owner?: string): string => `${owner ?? ''}\u0000${name}`;
