import { describe, expect, it } from 'vitest';
import { asChunkHash, asFileId, asPeerId } from '@meshdrive/core';
import { MemoryDirectory } from '../directory/memory-directory.js';
import { MemorySendLeases } from '../state/memory-send-leases.js';
import { AbandonedSweep } from './abandoned-sweep.js';
import { FakeClock, FakeLink } from './test-fakes.js';

const GRACE = 1_000;
const list = (digit: string): string => digit.repeat(64);
const pin = (digit: string, ageMs: number) => ({ list: list(digit), ageMs });

/** Send leases and the sweep's judgement over them, at times the test names. */
function judgeFrom(startedAt = 0) {
  const clock = new FakeClock();
  const leases = new MemorySendLeases({ graceMs: GRACE, maxOpenMs: 10_000 });
  const sweep = new AbandonedSweep({ directory: new MemoryDirectory(), leases, clock, abandonAfterMs: GRACE, startedAt, log: () => undefined });
  return {
    placed: (client: string, fileId: string, fresh: boolean, now: number) => leases.placed(client, fileId, fresh, now),
    committed: (client: string, fileId: string) => leases.committed(client, fileId),
    disconnected: (client: string, now: number) => leases.disconnected(client, now),
    connected: (client: string) => leases.connected(client),
    abandoned(pins: { list: string; ageMs: number }[], used: Set<string>, now: number): Promise<string[]> {
      clock.time = now;
      return sweep.judge(pins, used);
    },
  };
}

describe('abandoned-segment judgement over send leases', () => {
  it('drops only segments no file uses, sealed at least the grace period ago', async () => {
    const judge = judgeFrom();
    const pins = [pin('1', 5_000), pin('2', 5_000), pin('3', 999)];
    expect(await judge.abandoned(pins, new Set([list('2')]), 6_000)).toEqual([list('1')]);
  });

  it('judges nothing until the master has been up for the grace period', async () => {
    const judge = judgeFrom(5_000);
    expect(await judge.abandoned([pin('1', 50_000)], new Set(), 5_500)).toEqual([]);
    expect(await judge.abandoned([pin('1', 50_000)], new Set(), 6_000)).toEqual([list('1')]);
  });

  it('keeps segments sealed after an open send began, and frees them once it commits', async () => {
    const judge = judgeFrom();
    await judge.placed('client', 'file', true, 2_000);
    // Sealed at 1_500 (before the send) and at 2_500 (perhaps by it).
    const pins = (now: number) => [pin('1', now - 1_500), pin('2', now - 2_500)];
    expect(await judge.abandoned(pins(6_000), new Set(), 6_000)).toEqual([list('1')]);
    expect(await judge.committed('client', 'file')).toBe(true);
    expect(await judge.abandoned(pins(7_000), new Set(), 7_000)).toEqual([list('1'), list('2')]);
  });

  it('keeps a gone client\'s send open for the grace period, then refuses its commit', async () => {
    const judge = judgeFrom();
    await judge.placed('client', 'file', true, 2_000);
    await judge.disconnected('client', 3_000);
    const pins = [pin('2', 1_000)];
    expect(await judge.abandoned(pins, new Set(), 3_500)).toEqual([]);
    expect(await judge.abandoned(pins, new Set(), 4_000)).toEqual([list('2')]);
    // A retry's placement cannot revive it; the commit is refused; a new send starts afresh.
    await judge.placed('client', 'file', false, 4_100);
    expect(await judge.committed('client', 'file')).toBe(false);
    await judge.placed('client', 'file', true, 4_200);
    expect(await judge.committed('client', 'file')).toBe(true);
  });

  it('keeps the send open when its client reconnects within the grace period', async () => {
    const judge = judgeFrom();
    await judge.placed('client', 'file', true, 2_000);
    await judge.disconnected('client', 3_000);
    await judge.connected('client');
    expect(await judge.abandoned([pin('2', 1_000)], new Set(), 9_000)).toEqual([]);
    expect(await judge.committed('client', 'file')).toBe(true);
  });

  it('takes a send open past maxOpenMs for dead even while its client is connected', async () => {
    const judge = judgeFrom();
    await judge.placed('client', 'file', true, 2_000);
    expect(await judge.abandoned([pin('2', 1_000)], new Set(), 11_999)).toEqual([]);
    expect(await judge.abandoned([pin('2', 1_000)], new Set(), 12_000)).toEqual([list('2')]);
    expect(await judge.committed('client', 'file')).toBe(false);
  });

  it('leaves other clients\' sends alone', async () => {
    const judge = judgeFrom();
    await judge.placed('a', 'file', true, 2_000);
    await judge.placed('b', 'file', true, 2_000);
    await judge.disconnected('a', 2_500);
    expect(await judge.abandoned([pin('2', 500)], new Set(), 4_000)).toEqual([]);
    expect(await judge.committed('b', 'file')).toBe(true);
    expect(await judge.committed('a', 'file')).toBe(false);
  });
});

describe('AbandonedSweep', () => {
  async function setUp() {
    const clock = new FakeClock(10_000);
    const directory = new MemoryDirectory();
    // Segment 1 belongs to a file, held by peer a; the others only to sends that never committed.
    await directory.commitVersion({
      fileId: asFileId('f'), name: 'kept', owner: 'public', version: 0, size: 1, chunkSize: 1024, segmentChunks: 1024, createdAt: 0,
      segments: [{ listHash: asChunkHash(list('1')), plainSize: 1, storedSize: 1, holders: [asPeerId('aaaaaaaa-1')] }],
    }, 0);
    const lines: string[] = [];
    const sweep = new AbandonedSweep({ directory, leases: new MemorySendLeases({ graceMs: GRACE, maxOpenMs: 10_000 }), clock, abandonAfterMs: GRACE, startedAt: 0, log: (line) => lines.push(line) });
    return { sweep, lines };
  }

  it('reads every peer\'s pins page by page and orders the abandoned ones and the surplus copies dropped', async () => {
    const { sweep, lines } = await setUp();
    const a = new FakeLink('aaaaaaaa-1');
    a.pages = [{ pins: [pin('1', 5_000), pin('2', 5_000)], more: true }, { pins: [pin('3', 5_000)], more: false }];
    const b = new FakeLink('bbbbbbbb-1');
    b.pages = [{ pins: [pin('1', 5_000)], more: false }];
    await sweep.sweep([a, b]);
    expect(a.asked).toEqual([{ olderThanMs: GRACE, after: undefined }, { olderThanMs: GRACE, after: list('2') }]);
    expect(a.abandonedOrders).toEqual([{ lists: [list('2')], olderThanMs: GRACE }, { lists: [list('3')], olderThanMs: GRACE }]);
    expect(b.asked).toHaveLength(1);
    // b keeps a copy of segment 1 that no file names it the holder of (a repair replaced it while b was away).
    expect(b.abandonedOrders).toEqual([{ lists: [list('1')], olderThanMs: GRACE }]);
    expect(lines).toEqual([
      'peer aaaaaaaa: dropping 1 segments of sends that never committed',
      'peer aaaaaaaa: dropping 1 segments of sends that never committed',
      'peer bbbbbbbb: dropping 1 copies no file keeps there',
    ]);
  });

  it('stops asking a peer that does not answer, or has no pins left', async () => {
    const { sweep } = await setUp();
    const silent = new FakeLink('silent');
    const empty = new FakeLink('empty');
    empty.pages = [{ pins: [], more: true }];
    await sweep.sweep([silent, empty]);
    expect(silent.asked).toHaveLength(1);
    expect(empty.asked).toHaveLength(1);
  });

  it('runs one sweep at a time', async () => {
    const { sweep } = await setUp();
    const slow = new FakeLink('slow');
    let answer!: (report: undefined) => void;
    slow.pins = (question) => {
      slow.asked.push(question);
      return new Promise((resolve) => { answer = resolve; });
    };
    const first = sweep.sweep([slow]);
    await sweep.sweep([slow]);
    expect(slow.asked).toHaveLength(1);
    answer(undefined);
    await first;
    const next = sweep.sweep([slow]);
    expect(slow.asked).toHaveLength(2);
    answer(undefined);
    await next;
  });
});
