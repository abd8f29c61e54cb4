import { describe, expect, it } from 'vitest';
import { leastQueued, orderByHealth } from './holders.js';
import { asPeerId, type PeerId } from '../ids.js';
import type { PeerStatus } from '../wire/signal-protocol.js';

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
