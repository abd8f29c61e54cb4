import { describe, expect, it } from 'vitest';
import { asPeerId } from '@meshdrive/core';
import { Membership } from './membership.js';

const info = (id: string) => ({ id: asPeerId(id), kind: 'node' as const, capacity: 1000 });
const stats = { chunks: 1, bytes: 2 };

describe('Membership', () => {
  it('turns a silent peer stale, then dead, and back online when it beats', () => {
    const members = new Membership({ staleAfterMs: 1000, deadAfterMs: 5000 });
    members.join(info('a'), 0);
    expect(members.tick(999)).toEqual([]);
    expect(members.tick(1000)).toEqual([{ id: 'a', from: 'online', to: 'stale' }]);
    expect(members.online()).toEqual([]);
    expect(members.tick(5000)).toEqual([{ id: 'a', from: 'stale', to: 'dead' }]);
    members.beat(asPeerId('a'), stats, 5100);
    expect(members.tick(5100)).toEqual([{ id: 'a', from: 'dead', to: 'online' }]);
  });

  it('keeps a slow but answering peer (a throttled tab) online', () => {
    const members = new Membership({ staleAfterMs: 1000, deadAfterMs: 5000 });
    members.join(info('tab'), 0);
    for (let now = 900; now < 20_000; now += 900) {
      members.beat(asPeerId('tab'), stats, now);
      expect(members.tick(now + 50)).toEqual([]);
    }
    expect(members.status(asPeerId('tab'))).toBe('online');
  });

  it('marks a disconnected peer stale at once and ignores its late beats', () => {
    const members = new Membership({ staleAfterMs: 1000, deadAfterMs: 5000 });
    members.join(info('a'), 0);
    members.disconnect(asPeerId('a'));
    expect(members.tick(10)).toEqual([{ id: 'a', from: 'online', to: 'stale' }]);
    members.beat(asPeerId('a'), stats, 20);
    expect(members.tick(5001)).toEqual([{ id: 'a', from: 'stale', to: 'dead' }]);
  });

  it('lists remembered peers as dead until they rejoin', () => {
    const members = new Membership({ staleAfterMs: 1000, deadAfterMs: 5000 });
    members.remember({ ...info('old'), lastSeen: 0 });
    expect(members.status(asPeerId('old'))).toBe('dead');
    expect(members.join(info('old'), 10)).toEqual({ id: 'old', from: 'dead', to: 'online' });
    expect(members.online().map((m) => m.id)).toEqual(['old']);
  });
});
