/**
 * What several masters serving one mesh share through Redis: the socket.io adapter (Redis
 * Streams) that carries events between them, so a socket on any master reaches a peer on any
 * other through its room; the membership every master merges (shared-membership.ts); and the
 * seal receipts commits are checked against (redis-seal-receipts.ts). One master without Redis
 * keeps all of it in memory, as before.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { PeerId } from '@meshdrive/core';
import type { MembershipTiming } from '../state/membership.js';
import { openRedis } from './redis.js';
import { RedisSealReceipts } from './redis-seal-receipts.js';
import { SharedMembership } from './shared-membership.js';

export class Cluster {
  /** This master's name among the others: random per start. */
  readonly master = randomBytes(6).toString('hex');
  private membershipShared: SharedMembership | undefined;

  private constructor(private readonly state: Redis, private readonly events: Redis) {}

  /** Connects to the Redis at `url`: one connection for shared state, one for the adapter's stream reads. */
  static async join(url: string): Promise<Cluster> {
    const state = await openRedis(url);
    const events = await openRedis(url).catch((error: unknown) => {
      state.disconnect();
      throw error;
    });
    return new Cluster(state, events);
  }

  /** The socket.io adapter: events to rooms and broadcasts reach every master's sockets. */
  adapter(): ReturnType<typeof createAdapter> {
    return createAdapter(this.events, { streamName: 'md:events' });
  }

  membership(timing: MembershipTiming, now: () => number, log: (line: string) => void): SharedMembership {
    this.membershipShared ??= new SharedMembership(this.state, this.master, timing, now, log);
    return this.membershipShared;
  }

  receipts(keepMs: number): RedisSealReceipts {
    return new RedisSealReceipts(this.state, keepMs);
  }

  /** Tells the other masters this one's public URL, for clients that move between masters. */
  advertise(url: string): void {
    this.membershipShared?.advertise(url);
  }

  /** The other live masters' public URLs. */
  otherMasters(): string[] {
    return this.membershipShared?.otherMasters() ?? [];
  }

  /** Whether storage peer `peer` is connected to another master; undefined when no master has such a peer (it may be a client). */
  elsewhere(peer: PeerId): boolean | undefined {
    return this.membershipShared?.connected(peer);
  }

  async close(): Promise<void> {
    await this.membershipShared?.stop();
    this.state.disconnect();
    this.events.disconnect();
  }
}
