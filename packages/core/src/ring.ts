/**
 * Consistent hashing with virtual nodes weighted by offered capacity. The primary of a key is
 * the first peer clockwise from the key's position (wrapping); its backups are the next distinct
 * peers. Pure: no clock, no I/O; the master rebuilds it whenever membership changes.
 */
import type { PeerId } from './ids.js';

export const VNODES_PER_PEER = 64;
/** Capacity that earns the base number of virtual nodes; more capacity earns proportionally more. */
export const VNODE_CAPACITY_UNIT_BYTES = 1024 ** 3;
const MAX_VNODES_PER_PEER = 512;
const MIN_VNODES_PER_PEER = 8;

export interface RingMember {
  id: PeerId;
  /** Offered capacity in bytes. */
  capacity: number;
}

export interface VirtualNode {
  position: number;
  peer: PeerId;
}

/** 32-bit FNV-1a with a murmur3 finaliser: cheap, deterministic and well spread on both platforms. */
export function ringPosition(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

export function vnodeCount(capacity: number): number {
  const weighted = Math.round(VNODES_PER_PEER * Math.sqrt(Math.max(capacity, 1) / VNODE_CAPACITY_UNIT_BYTES));
  return Math.min(MAX_VNODES_PER_PEER, Math.max(MIN_VNODES_PER_PEER, weighted));
}

/**
 * The policy that keeps any one peer from taking over the ring by claiming a huge capacity: no
 * peer gets more than MAX_SHARE_OF_MEDIAN times the virtual nodes of the median peer.
 */
const MAX_SHARE_OF_MEDIAN = 2;

function vnodeLimit(counts: readonly number[]): number {
  if (counts.length === 0) return MAX_VNODES_PER_PEER;
  const sorted = [...counts].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return Math.max(MIN_VNODES_PER_PEER, median * MAX_SHARE_OF_MEDIAN);
}

export class HashRing {
  readonly vnodes: readonly VirtualNode[];
  readonly members: readonly RingMember[];

  constructor(members: readonly RingMember[]) {
    this.members = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const limit = vnodeLimit(this.members.map((member) => vnodeCount(member.capacity)));
    const vnodes: VirtualNode[] = [];
    for (const member of this.members) {
      const count = Math.min(limit, vnodeCount(member.capacity));
      for (let i = 0; i < count; i++) vnodes.push({ position: ringPosition(`${member.id}#${i}`), peer: member.id });
    }
    vnodes.sort((a, b) => a.position - b.position || (a.peer < b.peer ? -1 : 1));
    this.vnodes = vnodes;
  }

  get size(): number {
    return this.members.length;
  }

  /**
   * The first `count` distinct peers clockwise from `key`: primary, then backups. Peers for
   * which `passOver` holds (full ones) are skipped while enough others remain.
   */
  replicaSet(key: string, count: number, passOver?: (peer: PeerId) => boolean): PeerId[] {
    const enoughLeft = passOver && this.members.filter((member) => !passOver(member.id)).length >= Math.min(count, this.members.length);
    return this.walk(ringPosition(key), count, enoughLeft ? passOver : undefined);
  }

  /** Up to `count` distinct peers clockwise from `position`, leaving out those `passOver` names. */
  private walk(position: number, count: number, passOver: (peer: PeerId) => boolean = () => false): PeerId[] {
    const result: PeerId[] = [];
    if (this.vnodes.length === 0) return result;
    const start = lowerBound(this.vnodes, position);
    const wanted = Math.min(count, this.members.filter((member) => !passOver(member.id)).length);
    for (let step = 0; step < this.vnodes.length && result.length < wanted; step++) {
      const peer = this.vnodes[(start + step) % this.vnodes.length]!.peer;
      if (!result.includes(peer) && !passOver(peer)) result.push(peer);
    }
    return result;
  }
}

/** Index of the first virtual node at or after `position` (wrapping to 0). */
function lowerBound(vnodes: readonly VirtualNode[], position: number): number {
  let lo = 0;
  let hi = vnodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (vnodes[mid]!.position < position) lo = mid + 1;
    else hi = mid;
  }
  return lo % vnodes.length;
}

/** The placement key of a segment: stable across versions so unchanged segments stay put. */
export function segmentKey(fileId: string, segmentIndex: number): string {
  return `${fileId}/${segmentIndex}`;
}
