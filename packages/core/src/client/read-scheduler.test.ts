import { describe, expect, it } from 'vitest';
import { HedgePolicy } from '../concurrency.js';
import { asPeerId, type PeerId } from '../ids.js';
import type { PeerStatus } from '../wire/signal-protocol.js';
import { HEDGE_MIN_MS, hedgeOrder, leastQueued, orderByHealth, READ_HEDGE, ReadScheduler, type ScheduledRead } from './read-scheduler.js';

const [a, b, c] = ['a', 'b', 'c'].map((id) => asPeerId(`${id}0000000-0000-4000-8000-000000000000`)) as [PeerId, PeerId, PeerId];
const allOnline: Record<string, PeerStatus> = { [a]: 'online', [b]: 'online', [c]: 'online' };

describe('orderByHealth', () => {
  it('keeps write order among online holders and moves stale, dead and unknown ones back', () => {
    expect(orderByHealth([a, b, c], allOnline)).toEqual([a, b, c]);
    expect(orderByHealth([a, b, c], { [a]: 'dead', [b]: 'stale', [c]: 'online' })).toEqual([c, b, a]);
    expect(orderByHealth([a, b, c], { [b]: 'online' })).toEqual([b, a, c]);
  });
});

describe('leastQueued', () => {
  it('picks the primary while no holder is busier than it', () => {
    expect(leastQueued([a, b, c], allOnline, new Map(), 3)).toBe(a);
    expect(leastQueued([a, b, c], allOnline, new Map([[a, 1], [b, 1], [c, 1]]), 3)).toBe(a);
  });

  it('picks the holder with the fewest reads queued, the earlier among equals', () => {
    expect(leastQueued([a, b, c], allOnline, new Map([[a, 2], [b, 1], [c, 1]]), 3)).toBe(b);
    expect(leastQueued([a, b, c], allOnline, new Map([[a, 2], [b, 2], [c, 0]]), 3)).toBe(c);
  });

  it('picks nobody while every holder has the limit queued', () => {
    expect(leastQueued([a, b], allOnline, new Map([[a, 3], [b, 3]]), 3)).toBeUndefined();
    expect(leastQueued([a, b], allOnline, new Map([[a, 3], [b, 2]]), 3)).toBe(b);
  });

  it('passes over holders that are not online, unless none is', () => {
    const status: Record<string, PeerStatus> = { [a]: 'dead', [b]: 'stale', [c]: 'online' };
    expect(leastQueued([a, b, c], status, new Map([[c, 2]]), 3)).toBe(c);
    expect(leastQueued([a, b, c], status, new Map([[c, 3]]), 3)).toBeUndefined();
    expect(leastQueued([a, b], { [a]: 'dead', [b]: 'stale' }, new Map(), 3)).toBe(a);
  });
});

/** Every read the scheduler allows now. */
function drain(scheduler: ReadScheduler): ScheduledRead[] {
  const reads: ScheduledRead[] = [];
  for (let read = scheduler.next(); read; read = scheduler.next()) reads.push(read);
  return reads;
}

describe('ReadScheduler', () => {
  const segments = (count: number, holders: (index: number) => PeerId[]) => Array.from({ length: count }, (_, index) => ({ holders: holders(index) }));

  it('starts at most the window ahead of the segment the sink takes, and moves on as it takes them', () => {
    const scheduler = new ReadScheduler(segments(10, () => [a, b, c]), allOnline, { window: 4, perPeer: 10 });
    expect(drain(scheduler).map((read) => read.index)).toEqual([0, 1, 2, 3]);
    scheduler.deliver();
    expect(drain(scheduler).map((read) => read.index)).toEqual([4]);
    for (let i = 0; i < 9; i++) scheduler.deliver();
    expect(drain(scheduler).map((read) => read.index)).toEqual([5, 6, 7, 8, 9]);
    expect(scheduler.next()).toBeUndefined();
  });

  it('spreads reads over holders up to the per-peer limit, the primary among equals, the rest of the holders after it', () => {
    const scheduler = new ReadScheduler(segments(10, () => [a, b, c]), allOnline, { window: 24, perPeer: 2 });
    const reads = drain(scheduler);
    expect(reads.map((read) => read.queuedOn)).toEqual([a, b, c, a, b, c]);
    expect(reads[1]!.holders).toEqual([b, a, c]);
    expect([a, b, c].map((peer) => reads.filter((read) => read.queuedOn === peer).length)).toEqual([2, 2, 2]);
    // Segment 6 waits for a holder's read to end, then goes to it.
    scheduler.release(c);
    expect(scheduler.next()).toEqual({ index: 6, holders: [c, a, b], queuedOn: c });
    expect(scheduler.next()).toBeUndefined();
  });

  it('chooses among the holders the master sees online, and takes fresh health into account', () => {
    const scheduler = new ReadScheduler(segments(4, () => [a, b]), { [a]: 'dead', [b]: 'online' }, { window: 24, perPeer: 1 });
    expect(scheduler.next()).toEqual({ index: 0, holders: [b, a], queuedOn: b });
    expect(scheduler.next()).toBeUndefined(); // b is full; a is dead, so it waits for b
    scheduler.updateStatus({ [a]: 'online', [b]: 'online' });
    expect(scheduler.next()).toEqual({ index: 1, holders: [a, b], queuedOn: a });
    expect(scheduler.retryOrder(2)).toEqual([a, b]);
    scheduler.updateStatus({ [a]: 'online', [b]: 'stale' });
    expect(scheduler.retryOrder(2)).toEqual([a, b]);
    scheduler.updateStatus({ [a]: 'stale', [b]: 'online' });
    expect(scheduler.retryOrder(2)).toEqual([b, a]);
  });

  it('hands out a segment with no holders at once, queued on nobody (its read fails and says why)', () => {
    const scheduler = new ReadScheduler(segments(1, () => []), allOnline);
    expect(scheduler.next()).toEqual({ index: 0, holders: [], queuedOn: undefined });
  });
});

describe('read hedging', () => {
  it('hedges to the same holders starting from the next one, and not at all with one holder', () => {
    expect(hedgeOrder([a, b, c])).toEqual([b, c, a]);
    expect(hedgeOrder([a])).toBeUndefined();
  });

  it('waits HEDGE_FACTOR typical reads, never less than HEDGE_MIN_MS, and follows the reads it is told of', () => {
    const policy = new HedgePolicy(READ_HEDGE);
    expect(policy.delayMs).toBe(READ_HEDGE.factor * READ_HEDGE.initialMs);
    for (let i = 0; i < 50; i++) policy.record(5);
    expect(policy.delayMs).toBe(HEDGE_MIN_MS);
    for (let i = 0; i < 50; i++) policy.record(2_000);
    expect(policy.delayMs).toBeGreaterThan(7_000);
    expect(policy.delayMs).toBeLessThanOrEqual(8_000);
  });
});
