import { describe, expect, it } from 'vitest';
import { asPeerId } from './ids.js';
import { HashRing, ringPosition, segmentKey, vnodeCount } from './ring.js';

const GiB = 1024 ** 3;
const peers = (count: number, capacity = GiB) => Array.from({ length: count }, (_, i) => ({ id: asPeerId(`peer-${i}`), capacity }));

describe('HashRing', () => {
  it('returns distinct peers, primary first, never more than exist', () => {
    const ring = new HashRing(peers(5));
    const set = ring.replicaSet('some-key', 3);
    expect(set).toHaveLength(3);
    expect(new Set(set).size).toBe(3);
    expect(new HashRing(peers(2)).replicaSet('k', 3)).toHaveLength(2);
    expect(new HashRing([]).replicaSet('k', 3)).toEqual([]);
  });

  it('passes over full peers while enough others remain, and only then', () => {
    const ring = new HashRing(peers(4));
    const full = asPeerId('peer-2');
    for (const key of ['a', 'b', 'c', 'file/0', 'file/17']) {
      const usual = ring.replicaSet(key, 3);
      const placed = ring.replicaSet(key, 3, (peer) => peer === full);
      expect(placed).toHaveLength(3);
      expect(placed).not.toContain(full);
      // The others keep their order: the walk only steps over the full peer.
      expect(placed.filter((peer) => usual.includes(peer))).toEqual(usual.filter((peer) => peer !== full));
    }
    // Two full peers of four leave too few for 3 copies: place as usual, let the peer refuse.
    const twoFull = (peer: string): boolean => peer === 'peer-0' || peer === 'peer-1';
    expect(ring.replicaSet('a', 3, twoFull)).toEqual(ring.replicaSet('a', 3));
  });

  it('puts the primary at the first virtual node clockwise from the key, wrapping', () => {
    const ring = new HashRing(peers(4));
    for (const key of ['a', 'b', 'c', 'file/0', 'file/17']) {
      const position = ringPosition(key);
      const first = ring.vnodes.find((vnode) => vnode.position >= position) ?? ring.vnodes[0]!;
      expect(ring.replicaSet(key, 1)[0]).toBe(first.peer);
    }
  });

  it('backups are the next distinct peers clockwise', () => {
    const ring = new HashRing(peers(4));
    const key = 'x/1';
    const start = ring.vnodes.findIndex((vnode) => vnode.position >= ringPosition(key));
    const walk: string[] = [];
    for (let i = 0; walk.length < 3; i++) {
      const peer = ring.vnodes[(Math.max(start, 0) + i) % ring.vnodes.length]!.peer;
      if (!walk.includes(peer)) walk.push(peer);
    }
    expect(ring.replicaSet(key, 3)).toEqual(walk);
  });

  it('is deterministic whatever order peers are given in', () => {
    const a = new HashRing(peers(6));
    const b = new HashRing(peers(6).reverse());
    for (let i = 0; i < 50; i++) expect(a.replicaSet(segmentKey('f', i), 3)).toEqual(b.replicaSet(segmentKey('f', i), 3));
  });

  it('moves only about 1/n of keys when a peer joins', () => {
    const before = new HashRing(peers(5));
    const after = new HashRing(peers(6));
    let moved = 0;
    const keys = 2000;
    for (let i = 0; i < keys; i++) if (before.replicaSet(segmentKey('f', i), 1)[0] !== after.replicaSet(segmentKey('f', i), 1)[0]) moved++;
    expect(moved / keys).toBeGreaterThan(0.05);
    expect(moved / keys).toBeLessThan(0.35);
  });

  it('spreads keys roughly evenly and weights by capacity', () => {
    const ring = new HashRing([...peers(3), { id: asPeerId('big'), capacity: 16 * GiB }]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 8000; i++) {
      const primary = ring.replicaSet(segmentKey('file', i), 1)[0]!;
      counts.set(primary, (counts.get(primary) ?? 0) + 1);
    }
    for (let i = 0; i < 3; i++) expect(counts.get(`peer-${i}`)).toBeGreaterThan(400);
    expect(counts.get('big')!).toBeGreaterThan(counts.get('peer-0')!);
    expect(vnodeCount(16 * GiB)).toBeGreaterThan(vnodeCount(GiB));
  });

  it('bounds a huge capacity claim: no peer owns more than twice the median peer’s share', () => {
    const greedy = asPeerId('greedy');
    const ring = new HashRing([...peers(3), { id: greedy, capacity: 2 ** 53 - 1 }]);
    const owned = (peer: string): number => ring.vnodes.filter((vnode) => vnode.peer === peer).length;
    expect(owned(greedy)).toBeLessThanOrEqual(2 * owned('peer-0'));
    const primaries = Array.from({ length: 8000 }, (_, i) => ring.replicaSet(segmentKey('file', i), 1)[0]);
    expect(primaries.filter((peer) => peer === greedy).length / primaries.length).toBeLessThan(0.5);
  });
});
