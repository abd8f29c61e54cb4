/**
 * The geometry of the ring picture, as plain functions over the master's ring: each virtual
 * node owns the arc from the previous node up to its own position (a key belongs to the first
 * node clockwise from it), each peer's share is the sum of its arcs, and a label per peer with
 * a sizeable share sits outside the ring, pushed apart so labels do not overlap.
 */
import type { MeshState } from '@meshdrive/core';

export const RING_SPAN = 2 ** 32;
export const VIEW_WIDTH = 480;
export const VIEW_HEIGHT = 250;
export const CENTER_X = VIEW_WIDTH / 2;
export const CENTER_Y = VIEW_HEIGHT / 2;
/** Middle of the coloured band, and its width. */
export const RADIUS = 82;
export const BAND = 22;
export const OUTER_RADIUS = RADIUS + BAND / 2;
export const INNER_RADIUS = RADIUS - BAND / 2;
/** Labels sit on this circle, beyond the band, each joined to its arc by a leader line. */
const LABEL_RADIUS = OUTER_RADIUS + 14;
/** Text starts this far from the end of its leader. */
const LABEL_GAP = 4;
/** Vertical room one label takes, in view units: the text is 13 units tall, 14 on phones. */
const LABEL_LINE = 17;
const LABEL_TOP = 10;
const LABEL_BOTTOM = VIEW_HEIGHT - 10;

/** One virtual node's arc: ring positions `from` (exclusive; below 0 for the arc that wraps past 0) to `to`. */
export interface Arc {
  peer: string;
  from: number;
  to: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface RingLabel {
  peer: string;
  /** Where the leader leaves the arc, where it bends, and where the text starts. */
  from: Point;
  bend: Point;
  text: Point;
  anchor: 'start' | 'end';
}

export function ringArcs(ring: Readonly<MeshState['ring']>): Arc[] {
  const nodes = [...ring].sort((a, b) => a.position - b.position);
  return nodes.map((node, i) => ({
    peer: node.peer,
    from: i === 0 ? nodes[nodes.length - 1]!.position - RING_SPAN : nodes[i - 1]!.position,
    to: node.position,
  }));
}

/** Each peer's fraction of the ring, largest first. */
export function ringShares(arcs: readonly Arc[]): [peer: string, share: number][] {
  const share = new Map<string, number>();
  for (const arc of arcs) share.set(arc.peer, (share.get(arc.peer) ?? 0) + (arc.to - arc.from) / RING_SPAN);
  return [...share.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** The peer whose arc `position` lands on: the first node at or after it, wrapping. */
export function ownerAt(arcs: readonly Arc[], position: number): string | undefined {
  let lo = 0;
  let hi = arcs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arcs[mid]!.to < position) lo = mid + 1;
    else hi = mid;
  }
  return arcs[lo % arcs.length]?.peer;
}

/** Clockwise from 12 o'clock, in radians. */
export function angleOf(position: number): number {
  return (position / RING_SPAN) * 2 * Math.PI;
}

export function pointAt(angle: number, radius: number): Point {
  return { x: CENTER_X + radius * Math.sin(angle), y: CENTER_Y - radius * Math.cos(angle) };
}

/**
 * A label for each of `peers`, at the middle of its largest arc: the one a reader's eye finds
 * first. Labels on one side of the ring are pushed apart vertically, then back inside the view.
 */
export function placeLabels(arcs: readonly Arc[], peers: readonly string[]): RingLabel[] {
  const largest = new Map<string, Arc>();
  for (const arc of arcs) {
    const best = largest.get(arc.peer);
    if (!best || arc.to - arc.from > best.to - best.from) largest.set(arc.peer, arc);
  }
  const anchors = peers.flatMap((peer) => {
    const arc = largest.get(peer);
    if (!arc) return [];
    const angle = angleOf((arc.from + arc.to) / 2);
    return [{ peer, angle, right: Math.sin(angle) >= 0, y: pointAt(angle, LABEL_RADIUS).y }];
  });
  return [true, false].flatMap((right) => {
    const side = anchors.filter((anchor) => anchor.right === right).sort((a, b) => a.y - b.y);
    const ys = spreadApart(side.map((anchor) => anchor.y));
    return side.map((anchor, i) => labelAt(anchor.peer, anchor.angle, ys[i]!, right));
  });
}

/** Moves sorted heights apart to LABEL_LINE at least, within the view: down first, then up from the bottom. */
function spreadApart(wanted: readonly number[]): number[] {
  const ys = [...wanted];
  for (let i = 0; i < ys.length; i++) ys[i] = Math.max(ys[i]!, i === 0 ? LABEL_TOP : ys[i - 1]! + LABEL_LINE);
  for (let i = ys.length - 1; i >= 0; i--) ys[i] = Math.min(ys[i]!, i === ys.length - 1 ? LABEL_BOTTOM : ys[i + 1]! - LABEL_LINE);
  return ys;
}

/** The leader bends on the label circle at height `y`, so it stays outside the band; the text runs outward from there. */
function labelAt(peer: string, angle: number, y: number, right: boolean): RingLabel {
  const dy = y - CENTER_Y;
  const dx = Math.sqrt(Math.max(0, LABEL_RADIUS ** 2 - dy ** 2));
  const direction = right ? 1 : -1;
  const bend = { x: CENTER_X + direction * dx, y };
  return {
    peer,
    from: pointAt(angle, OUTER_RADIUS + 1),
    bend,
    text: { x: bend.x + direction * LABEL_GAP, y },
    anchor: right ? 'start' : 'end',
  };
}

/** An annular sector of the band over an arc, as an SVG path. */
export function arcPath(arc: Arc): string {
  const start = angleOf(arc.from);
  const end = angleOf(arc.to);
  const point = (angle: number, radius: number): string => {
    const { x, y } = pointAt(angle, radius);
    return `${x.toFixed(2)} ${y.toFixed(2)}`;
  };
  const large = end - start > Math.PI ? 1 : 0;
  return `M ${point(start, OUTER_RADIUS)} A ${OUTER_RADIUS} ${OUTER_RADIUS} 0 ${large} 1 ${point(end, OUTER_RADIUS)} L ${point(end, INNER_RADIUS)} A ${INNER_RADIUS} ${INNER_RADIUS} 0 ${large} 0 ${point(start, INNER_RADIUS)} Z`;
}

/** Short radial strokes just inside the band, one per ring position, as one SVG path. */
export function tickPath(positions: readonly number[], length = 6): string {
  return positions
    .map((position) => {
      const inner = pointAt(angleOf(position), INNER_RADIUS - 2 - length);
      const outer = pointAt(angleOf(position), INNER_RADIUS - 2);
      return `M ${inner.x.toFixed(1)} ${inner.y.toFixed(1)} L ${outer.x.toFixed(1)} ${outer.y.toFixed(1)}`;
    })
    .join(' ');
}
