import { describe, expect, it } from 'vitest';
import { asPeerId, HashRing } from '@meshdrive/core';
import { CENTER_X, CENTER_Y, OUTER_RADIUS, ownerAt, placeLabels, RING_SPAN, ringArcs, ringShares, VIEW_HEIGHT, VIEW_WIDTH } from './ring-picture.js';

const node = (position: number, peer: string) => ({ position, peer: asPeerId(peer) });

describe('the ring picture', () => {
  it('gives each node the arc up to its position, the first one wrapping past 0, and sums them per peer', () => {
    const arcs = ringArcs([node(RING_SPAN / 2, 'b'), node(RING_SPAN / 4, 'a'), node((RING_SPAN * 3) / 4, 'a')]);
    expect(arcs).toEqual([
      { peer: 'a', from: -RING_SPAN / 4, to: RING_SPAN / 4 },
      { peer: 'b', from: RING_SPAN / 4, to: RING_SPAN / 2 },
      { peer: 'a', from: RING_SPAN / 2, to: (RING_SPAN * 3) / 4 },
    ]);
    expect(ringShares(arcs)).toEqual([['a', 0.75], ['b', 0.25]]);
  });

  it('finds the peer a position lands on: the first node at or after it, wrapping', () => {
    const arcs = ringArcs([node(100, 'a'), node(200, 'b')]);
    expect([50, 100, 101, 200, 201].map((position) => ownerAt(arcs, position))).toEqual(['a', 'a', 'b', 'b', 'a']);
    expect(ownerAt([], 5)).toBeUndefined();
  });

  it('labels peers outside the band, inside the view, never two on one line', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `peer-${i}`);
    const ring = new HashRing(ids.map((id) => ({ id: asPeerId(id), capacity: 1024 ** 3 })));
    const labels = placeLabels(ringArcs(ring.vnodes), ids);
    expect(labels.map((label) => label.peer).sort()).toEqual([...ids].sort());
    for (const label of labels) {
      expect(label.text.y).toBeGreaterThan(0);
      expect(label.text.y).toBeLessThan(VIEW_HEIGHT);
      expect(label.text.x).toBeGreaterThan(0);
      expect(label.text.x).toBeLessThan(VIEW_WIDTH);
      expect(Math.hypot(label.bend.x - CENTER_X, label.bend.y - CENTER_Y)).toBeGreaterThan(OUTER_RADIUS);
      expect(label.anchor).toBe(label.text.x >= CENTER_X ? 'start' : 'end');
    }
    for (const side of ['start', 'end']) {
      const ys = labels.filter((label) => label.anchor === side).map((label) => label.text.y).sort((a, b) => a - b);
      ys.slice(1).forEach((y, i) => expect(y - ys[i]!).toBeGreaterThanOrEqual(14));
    }
  });
});
