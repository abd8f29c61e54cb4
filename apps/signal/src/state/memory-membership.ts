/** Membership in this master's memory: one master, or unit tests. */
import type { PeerId, PeerStats, PeerStatus } from '@meshdrive/core';
import type { Member, MemberInfo, Membership, MembershipTiming, StatusChange } from './membership.js';

export class MemoryMembership implements Membership {
  private readonly members = new Map<PeerId, Member>();
  constructor(private readonly timing: MembershipTiming) {}

  remember(info: MemberInfo & { lastSeen: number }): Promise<void> {
    if (!this.members.has(info.id)) this.members.set(info.id, { ...info, connected: false, paused: false, stats: { chunks: 0, bytes: 0 }, status: 'dead' });
    return Promise.resolve();
  }

  join(info: MemberInfo, now: number): Promise<StatusChange | undefined> {
    const previous = this.members.get(info.id);
    this.members.set(info.id, {
      ...info,
      connected: true,
      paused: false,
      lastSeen: now,
      stats: previous?.stats ?? { chunks: 0, bytes: 0 },
      status: 'online',
    });
    if (!previous) return Promise.resolve({ id: info.id, from: 'dead', to: 'online' });
    return Promise.resolve(previous.status !== 'online' ? { id: info.id, from: previous.status, to: 'online' } : undefined);
  }

  beat(id: PeerId, stats: PeerStats, now: number): Promise<void> {
    const member = this.members.get(id);
    if (member?.connected) {
      member.lastSeen = now;
      member.stats = stats;
      if (stats.capacity !== undefined) member.capacity = stats.capacity;
      if (stats.label !== undefined) member.label = stats.label || undefined; // '': the name was cleared
    }
    return Promise.resolve();
  }

  disconnect(id: PeerId): Promise<void> {
    const member = this.members.get(id);
    if (member) member.connected = false;
    return Promise.resolve();
  }

  setPaused(id: PeerId, paused: boolean): Promise<void> {
    const member = this.members.get(id);
    if (member) member.paused = paused;
    return Promise.resolve();
  }

  tick(now: number): Promise<StatusChange[]> {
    const changes: StatusChange[] = [];
    for (const member of this.members.values()) {
      const silent = now - member.lastSeen;
      const next: PeerStatus =
        member.paused && !member.connected ? 'paused' : silent >= this.timing.deadAfterMs ? 'dead' : !member.connected || silent >= this.timing.staleAfterMs ? 'stale' : 'online';
      if (next !== member.status) {
        changes.push({ id: member.id, from: member.status, to: next });
        member.status = next;
      }
    }
    return Promise.resolve(changes);
  }

  status(id: PeerId): Promise<PeerStatus> {
    return Promise.resolve(this.members.get(id)?.status ?? 'dead');
  }

  online(): Promise<Member[]> {
    return Promise.resolve([...this.members.values()].filter((member) => member.status === 'online').map((member) => ({ ...member })));
  }

  all(): Promise<Member[]> {
    return Promise.resolve([...this.members.values()].map((member) => ({ ...member })));
  }
}
