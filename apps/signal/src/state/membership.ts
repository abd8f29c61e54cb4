/**
 * Who is on the mesh and how healthy, from master-driven heartbeats: state that several masters
 * will share, so it sits behind this interface (memory-membership.ts today). Time comes in as
 * arguments. A peer that misses beats for `staleAfterMs` turns stale (no new writes go to it);
 * after `deadAfterMs` it is dead (reads stop trying it first, repair may begin).
 */
import type { PeerId, PeerKind, PeerStats, PeerStatus } from '@meshdrive/core';

export interface MemberInfo {
  id: PeerId;
  kind: PeerKind;
  capacity: number;
  label?: string;
  device?: string;
  /** The account a browser peer joined under; none for a headless peer. */
  owner?: string;
  /** Its store is in memory (--volatile). */
  volatile?: boolean;
}

/** Copies on it outlive its process: a headless peer with a disk store (tabs close; volatile peers forget). */
export function isDurable(peer: Pick<MemberInfo, 'kind' | 'volatile'>): boolean {
  return peer.kind === 'node' && peer.volatile !== true;
}

export interface Member extends MemberInfo {
  connected: boolean;
  /** Its tab stopped contributing and is still open: paused rather than stale or dead while its socket is away. */
  paused: boolean;
  lastSeen: number;
  stats: PeerStats;
  status: PeerStatus;
}

export interface StatusChange {
  id: PeerId;
  from: PeerStatus;
  to: PeerStatus;
}

export interface MembershipTiming {
  staleAfterMs: number;
  deadAfterMs: number;
}

export interface Membership {
  /** A peer known from an earlier run of the master: listed as dead until it rejoins. */
  remember(info: MemberInfo & { lastSeen: number }): Promise<void>;
  /** The peer's socket joined; the change is undefined when it was online already. */
  join(info: MemberInfo, now: number): Promise<StatusChange | undefined>;
  /** A heartbeat answer, with the peer's offer and name now when it sends them; ignored from a peer whose socket has closed. */
  beat(id: PeerId, stats: PeerStats, now: number): Promise<void>;
  disconnect(id: PeerId): Promise<void>;
  /** Its tab stopped contributing on purpose (true) or closed (false); a join clears it. */
  setPaused(id: PeerId, paused: boolean): Promise<void>;
  /** Recomputes every status; returns what changed. */
  tick(now: number): Promise<StatusChange[]>;
  /** 'dead' for a peer never seen. */
  status(id: PeerId): Promise<PeerStatus>;
  /** Online peers: the only ones new writes are placed on. */
  online(): Promise<Member[]>;
  all(): Promise<Member[]>;
}
