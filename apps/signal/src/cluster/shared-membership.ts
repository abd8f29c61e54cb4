/**
 * Membership shared by several masters through Redis. Each master is the authority on the peers
 * connected to it: it heartbeats them and keeps them in a MemoryMembership, as one master does.
 * Every PUBLISH_MS it writes them to its own Redis hash (`md:members:<master>`, expiring unless
 * rewritten) and reads the other masters' hashes. Its view is the merge: per peer, the entry of
 * the master it is connected to, else the most recently seen.
 *
 * A remote entry's status is what its master said, as that master heartbeats the peer: judging
 * it again from its last beat here made peers flap under load, as a busy master's beats and
 * writes come late. A master silent past the stale timeout has its peers shown stale; its hash
 * expires after the dead timeout, and with it its peers, unless they joined another master
 * meanwhile (they do within a second or two: they have every master's URL). Status changes are
 * the diff of the merged view, so each master announces every peer's changes to its own
 * sockets exactly once.
 */
import type { Redis } from 'ioredis';
import type { PeerId, PeerStats, PeerStatus } from '@meshdrive/core';
import { MemoryMembership } from '../state/memory-membership.js';
import type { Member, MemberInfo, Membership, MembershipTiming, StatusChange } from '../state/membership.js';

/** How often a master writes its peers and reads the others'. */
export const PUBLISH_MS = 500;
const MASTERS_KEY = 'md:masters';
/** Each master's public URL, for the web app's list of masters to move to. */
const URLS_KEY = 'md:master-urls';
const membersKey = (master: string): string => `md:members:${master}`;

/** A member as published: what other masters need to place on it, show it and judge its health. */
type Published = Member & { master: string };

export class SharedMembership implements Membership {
  private readonly local: MemoryMembership;
  /** Other masters' entries as last read. */
  private remote = new Map<PeerId, Published>();
  /** When each other master last wrote its peers. */
  private mastersSeen = new Map<string, number>();
  /** This master's public URL, once it listens; and the other live masters', as last read. */
  private url: string | undefined;
  private others: string[] = [];
  /** Every peer's status as last reported: what changes are measured against. */
  private readonly reported = new Map<PeerId, PeerStatus>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly master: string,
    private readonly timing: MembershipTiming,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {
    this.local = new MemoryMembership(timing);
  }

  /** Reads the others' peers once, then keeps writing and reading every PUBLISH_MS. */
  async start(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => {
      this.syncing = this.sync().catch((error: unknown) => this.log(`could not share membership: ${String(error)}`));
    }, PUBLISH_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.syncing;
    // Its peers are not connected here any more: the others see them go at once, not after the expiry.
    await this.redis.del(membersKey(this.master)).catch(() => undefined);
    await this.redis.zrem(MASTERS_KEY, this.master).catch(() => undefined);
    await this.redis.hdel(URLS_KEY, this.master).catch(() => undefined);
  }

  /** Tells the other masters where this one is (its public URL). */
  advertise(url: string): void {
    this.url = url;
  }

  /** The other live masters' public URLs, as last read. */
  otherMasters(): string[] {
    return this.others;
  }

  /** Whether peer `id` is connected to another master, as last read; undefined when no other master has it. */
  connected(id: PeerId): boolean | undefined {
    return this.remote.get(id)?.connected;
  }

  remember(info: MemberInfo & { lastSeen: number }): Promise<void> {
    return this.local.remember(info);
  }

  async join(info: MemberInfo, now: number): Promise<StatusChange | undefined> {
    await this.local.join(info, now);
    return this.report(info.id, (await this.merged(now)).get(info.id)?.status ?? 'dead');
  }

  beat(id: PeerId, stats: PeerStats, now: number): Promise<void> {
    return this.local.beat(id, stats, now);
  }

  disconnect(id: PeerId): Promise<void> {
    return this.local.disconnect(id);
  }

  setPaused(id: PeerId, paused: boolean): Promise<void> {
    return this.local.setPaused(id, paused);
  }

  async tick(now: number): Promise<StatusChange[]> {
    await this.local.tick(now);
    return [...(await this.merged(now)).values()].flatMap((member) => this.report(member.id, member.status) ?? []);
  }

  /** Records `id`'s status as reported; the change from the last one reported, if any. */
  private report(id: PeerId, status: PeerStatus): StatusChange | undefined {
    const from = this.reported.get(id) ?? 'dead';
    this.reported.set(id, status);
    return from === status ? undefined : { id, from, to: status };
  }

  async status(id: PeerId): Promise<PeerStatus> {
    return (await this.merged(this.now())).get(id)?.status ?? 'dead';
  }

  async online(): Promise<Member[]> {
    return [...(await this.merged(this.now())).values()].filter((member) => member.status === 'online');
  }

  async all(): Promise<Member[]> {
    return [...(await this.merged(this.now())).values()];
  }

  /** Per peer, the entry of the master it is connected to, else the most recently seen one. */
  private async merged(now: number): Promise<Map<PeerId, Member>> {
    const view = new Map<PeerId, Member>();
    for (const member of await this.local.all()) view.set(member.id, member);
    for (const [id, entry] of this.remote) {
      const mine = view.get(id);
      if (mine?.connected) continue;
      if (!mine || entry.connected || entry.lastSeen > mine.lastSeen) {
        view.set(id, { ...memberOf(entry), status: this.judged(entry, now) });
      }
    }
    return view;
  }

  /** What its master said, but no better than stale while that master is silent. */
  private judged(entry: Published, now: number): PeerStatus {
    const silent = now - (this.mastersSeen.get(entry.master) ?? 0) >= this.timing.staleAfterMs;
    return silent && (entry.status === 'online' || entry.status === 'paused') ? 'stale' : entry.status;
  }

  /** Writes this master's peers, reads the others'. */
  private async sync(): Promise<void> {
    const now = this.now();
    const mine = await this.local.all();
    const key = membersKey(this.master);
    const write = this.redis.multi();
    write.del(key);
    if (mine.length > 0) write.hset(key, Object.fromEntries(mine.map((member) => [member.id, JSON.stringify({ ...member, master: this.master })])));
    // Gone with its master: a hash nobody rewrote for the dead timeout is dropped.
    write.pexpire(key, this.timing.deadAfterMs);
    write.zadd(MASTERS_KEY, now, this.master);
    if (this.url !== undefined) write.hset(URLS_KEY, this.master, this.url);
    await write.exec();

    const scored = await this.redis.zrange(MASTERS_KEY, 0, -1, 'WITHSCORES');
    const seen = new Map<string, number>();
    for (let index = 0; index + 1 < scored.length; index += 2) if (scored[index] !== this.master) seen.set(scored[index]!, Number(scored[index + 1]));
    this.mastersSeen = seen;
    const masters = [...seen.keys()];
    const urls = await this.redis.hgetall(URLS_KEY);
    this.others = masters.filter((master) => now - seen.get(master)! < this.timing.staleAfterMs && urls[master] !== undefined).map((master) => urls[master]!);
    const read = this.redis.pipeline();
    for (const master of masters) read.hgetall(membersKey(master));
    const results = masters.length > 0 ? (await read.exec()) ?? [] : [];
    const remote = new Map<PeerId, Published>();
    const gone: string[] = [];
    results.forEach(([error, fields], index) => {
      const entries = Object.values((error ? {} : fields) as Record<string, string>);
      if (entries.length === 0) gone.push(masters[index]!);
      for (const text of entries) {
        const entry = JSON.parse(text) as Published;
        const known = remote.get(entry.id);
        if (!known || (entry.connected && !known.connected) || (entry.connected === known.connected && entry.lastSeen > known.lastSeen)) remote.set(entry.id, entry);
      }
    });
    this.remote = remote;
    // A master silent for the dead timeout is gone: forget it (one that merely has no peers rewrites its score each round).
    if (gone.length > 0) await this.redis.zremrangebyscore(MASTERS_KEY, '-inf', now - this.timing.deadAfterMs);
  }
}

/** A published entry without the master that published it. */
function memberOf(entry: Published): Member {
  const member: Partial<Published> = { ...entry };
  delete member.master;
  return member as Member;
}
