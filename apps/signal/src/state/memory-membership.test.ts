import { describe, expect, it } from 'vitest';
import { asPeerId } from '@meshdrive/core';
import { MemoryMembership } from './memory-membership.js';

const info = (id: string) => ({ id: asPeerId(id), kind: 'node' as const, capacity: 1000 });
const stats = { chunks: 1, bytes: 2 };
const ids = async (members: Promise<{ id: string }[]>) => (await members).map((m) => m.id);

describe('MemoryMembership', () => {
  it('turns a silent peer stale, then dead, and back online when it beats', async () => {
    const members = new MemoryMembership({ staleAfterMs: 1000, deadAfterMs: 5000 });
    await members.join(info('a'), 0);
    expect(await members.tick(999)).toEqual([]);
    expect(await members.tick(1000)).toEqual([{ id: 'a', from: 'online', to: 'stale' }]);
    expect(await members.online()).toEqual([]);
    expect(await members.tick(5000)).toEqual([{ id: 'a', from: 'stale', to: 'dead' }]);
    await members.beat(asPeerId('a'), stats, 5100);
    expect(await members.tick(5100)).toEqual([{ id: 'a', from: 'dead', to: 'online' }]);
  });

  it('shows a tab that stopped contributing as paused, not dead, until it closes or rejoins', async () => {
    const members = new MemoryMembership({ staleAfterMs: 1000, deadAfterMs: 5000 });
    const tab = asPeerId('tab');
    await members.join(info('tab'), 0);
    await members.disconnect(tab);
    await members.setPaused(tab, true);
    expect(await members.tick(100)).toEqual([{ id: 'tab', from: 'online', to: 'paused' }]);
    expect(await members.tick(60_000)).toEqual([]);
    expect(await members.online()).toEqual([]);
    await members.join(info('tab'), 61_000);
    expect(await members.status(tab)).toBe('online');
    await members.disconnect(tab);
    await members.setPaused(tab, true);
    await members.tick(61_100);
    await members.setPaused(tab, false); // the tab closed
    expect(await members.tick(70_000)).toEqual([{ id: 'tab', from: 'paused', to: 'dead' }]);
  });

  it('keeps a slow but answering peer (a throttled tab) online', async () => {
    const members = new MemoryMembership({ staleAfterMs: 1000, deadAfterMs: 5000 });
    await members.join(info('tab'), 0);
    for (let now = 900; now < 20_000; now += 900) {
      await members.beat(asPeerId('tab'), stats, now);
      expect(await members.tick(now + 50)).toEqual([]);
    }
    expect(await members.status(asPeerId('tab'))).toBe('online');
  });

  it('marks a disconnected peer stale at once and ignores its late beats', async () => {
    const members = new MemoryMembership({ staleAfterMs: 1000, deadAfterMs: 5000 });
    await members.join(info('a'), 0);
    await members.disconnect(asPeerId('a'));
    expect(await members.tick(10)).toEqual([{ id: 'a', from: 'online', to: 'stale' }]);
    await members.beat(asPeerId('a'), stats, 20);
    expect(await members.tick(5001)).toEqual([{ id: 'a', from: 'stale', to: 'dead' }]);
  });

  it('lists remembered peers as dead until they rejoin', async () => {
    const members = new MemoryMembership({ staleAfterMs: 1000, deadAfterMs: 5000 });
    await members.remember({ ...info('old'), lastSeen: 0 });
    expect(await members.status(asPeerId('old'))).toBe('dead');
    expect(await members.join(info('old'), 10)).toEqual({ id: 'old', from: 'dead', to: 'online' });
    expect(await ids(members.online())).toEqual(['old']);
  });

  it('says nothing changed when an online peer joins again, and keeps its stats', async () => {
    const members = new MemoryMembership({ staleAfterMs: 1000, deadAfterMs: 5000 });
    await members.join(info('a'), 0);
    await members.beat(asPeerId('a'), { chunks: 3, bytes: 4, capacity: 77 }, 5);
    expect(await members.join(info('a'), 10)).toBeUndefined();
    expect((await members.all())[0]).toMatchObject({ stats: { chunks: 3, bytes: 4 }, capacity: 1000, connected: true });
  });

  it('takes a new name from a beat that carries one, forgets it on an empty one, and keeps it otherwise', async () => {
    const members = new MemoryMembership({ staleAfterMs: 1000, deadAfterMs: 5000 });
    const label = async (): Promise<string | undefined> => (await members.all())[0]!.label;
    await members.join({ ...info('tab'), label: 'old name', device: 'Chromium on Linux' }, 0);
    await members.beat(asPeerId('tab'), { ...stats, label: 'Kitchen laptop' }, 5);
    expect(await label()).toBe('Kitchen laptop');
    await members.beat(asPeerId('tab'), stats, 10);
    expect(await label()).toBe('Kitchen laptop');
    await members.beat(asPeerId('tab'), { ...stats, label: '' }, 15);
    expect(await label()).toBeUndefined();
    expect((await members.all())[0]!.device).toBe('Chromium on Linux');
  });
});
