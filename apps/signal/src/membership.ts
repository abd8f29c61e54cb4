/**
 * Who is on the mesh and how healthy, from master-driven heartbeats. Pure: time comes in as
 * arguments. A peer that misses beats for `staleAfterMs` turns stale (no new writes go to it);
 * after `deadAfterMs` it is dead (reads stop trying it first, repair may begin).
 */
import type { PeerId, PeerKind, PeerStats, PeerStatus } from '@meshdrive/core';

export const HEARTBEAT_MS = 200;
/** Ten missed beats: a peer busy storing a burst of chunks can stall its event loop for a second. */
export const STALE_AFTER_MS = 2_000;
export const DEAD_AFTER_MS = 10_000;

export interface MemberInfo {
  id: PeerId;
  kind: PeerKind;
  capacity: number;
  label?: string;
}

interface Member extends MemberInfo {
  connected: boolean;
  lastSeen: number;
  stats: PeerStats;
  status: PeerStatus;
}

export interface StatusChange {
  id: PeerId;
  from: PeerStatus;
  to: PeerStatus;
}

export class Membership {
  private readonly members = new Map<PeerId, Member>();
  constructor(private readonly timing: { staleAfterMs: number; deadAfterMs: number }) {}

  /** A peer known from an earlier run of the master: listed as dead until it rejoins. */
  remember(info: MemberInfo & { lastSeen: number }): void {
    if (this.members.has(info.id)) return;
    this.members.set(info.id, { ...info, connected: false, stats: { chunks: 0, bytes: 0 }, status: 'dead' });
  }

  join(info: MemberInfo, now: number): StatusChange | undefined {
    const previous = this.members.get(info.id);
    this.members.set(info.id, {
      ...info,
      connected: true,
      lastSeen: now,
      stats: previous?.stats ?? { chunks: 0, bytes: 0 },
      status: 'online',
    });
    return previous && previous.status !== 'online' ? { id: info.id, from: previous.status, to: 'online' } : previous ? undefined : { id: info.id, from: 'dead', to: 'online' };
  }

  beat(id: PeerId, stats: PeerStats, now: number): void {
    const member = this.members.get(id);
    if (!member || !member.connected) return;
    member.lastSeen = now;
    member.stats = stats;
    if (stats.capacity !== undefined) member.capacity = stats.capacity;
  }

  disconnect(id: PeerId): void {
    const member = this.members.get(id);
    if (member) member.connected = false;
  }

  /** Recomputes every status; returns what changed. */
  tick(now: number): StatusChange[] {
    const changes: StatusChange[] = [];
    for (const member of this.members.values()) {
      const silent = now - member.lastSeen;
      const next: PeerStatus = silent >= this.timing.deadAfterMs ? 'dead' : !member.connected || silent >= this.timing.staleAfterMs ? 'stale' : 'online';
      if (next !== member.status) {
        changes.push({ id: member.id, from: member.status, to: next });
        member.status = next;
      }
    }
    return changes;
  }

  status(id: PeerId): PeerStatus {
    return this.members.get(id)?.status ?? 'dead';
  }

  /** Online peers: the only ones new writes are placed on. */
  online(): (MemberInfo & { stats: PeerStats })[] {
    return [...this.members.values()].filter((member) => member.status === 'online');
  }

  all(): (MemberInfo & { status: PeerStatus; stats: PeerStats; lastSeen: number; connected: boolean })[] {
    return [...this.members.values()].map((member) => ({ ...member }));
  }
}
