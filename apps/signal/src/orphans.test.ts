import { describe, expect, it } from 'vitest';
import { SendLeases } from './orphans.js';

const GRACE = 1_000;
const list = (digit: string): string => digit.repeat(64);
const leases = (): SendLeases => new SendLeases({ graceMs: GRACE, maxOpenMs: 10_000, startedAt: 0 });
const pin = (digit: string, ageMs: number) => ({ list: list(digit), ageMs });

describe('SendLeases', () => {
  it('drops only segments no file uses, sealed at least the grace period ago', () => {
    const judge = leases();
    const pins = [pin('1', 5_000), pin('2', 5_000), pin('3', 999)];
    expect(judge.abandoned(pins, new Set([list('2')]), 6_000)).toEqual([list('1')]);
  });

  it('judges nothing until the master has been up for the grace period', () => {
    const judge = new SendLeases({ graceMs: GRACE, maxOpenMs: 10_000, startedAt: 5_000 });
    expect(judge.abandoned([pin('1', 50_000)], new Set(), 5_500)).toEqual([]);
    expect(judge.abandoned([pin('1', 50_000)], new Set(), 6_000)).toEqual([list('1')]);
  });

  it('keeps segments sealed after an open send began, and frees them once it commits', () => {
    const judge = leases();
    judge.placed('client', 'file', true, 2_000);
    // Sealed at 1_500 (before the send) and at 2_500 (perhaps by it).
    const pins = (now: number) => [pin('1', now - 1_500), pin('2', now - 2_500)];
    expect(judge.abandoned(pins(6_000), new Set(), 6_000)).toEqual([list('1')]);
    expect(judge.committed('client', 'file')).toBe(true);
    expect(judge.abandoned(pins(7_000), new Set(), 7_000)).toEqual([list('1'), list('2')]);
  });

  it('keeps a gone client\'s send open for the grace period, then refuses its commit', () => {
    const judge = leases();
    judge.placed('client', 'file', true, 2_000);
    judge.disconnected('client', 3_000);
    const pins = [pin('2', 1_000)];
    expect(judge.abandoned(pins, new Set(), 3_500)).toEqual([]);
    expect(judge.abandoned(pins, new Set(), 4_000)).toEqual([list('2')]);
    // A retry's placement cannot revive it; the commit is refused; a new send starts afresh.
    judge.placed('client', 'file', false, 4_100);
    expect(judge.committed('client', 'file')).toBe(false);
    judge.placed('client', 'file', true, 4_200);
    expect(judge.committed('client', 'file')).toBe(true);
  });

  it('keeps the send open when its client reconnects within the grace period', () => {
    const judge = leases();
    judge.placed('client', 'file', true, 2_000);
    judge.disconnected('client', 3_000);
    judge.connected('client');
    expect(judge.abandoned([pin('2', 1_000)], new Set(), 9_000)).toEqual([]);
    expect(judge.committed('client', 'file')).toBe(true);
  });

  it('takes a send open past maxOpenMs for dead even while its client is connected', () => {
    const judge = leases();
    judge.placed('client', 'file', true, 2_000);
    expect(judge.abandoned([pin('2', 1_000)], new Set(), 11_999)).toEqual([]);
    expect(judge.abandoned([pin('2', 1_000)], new Set(), 12_000)).toEqual([list('2')]);
    expect(judge.committed('client', 'file')).toBe(false);
  });

  it('leaves other clients\' sends alone', () => {
    const judge = leases();
    judge.placed('a', 'file', true, 2_000);
    judge.placed('b', 'file', true, 2_000);
    judge.disconnected('a', 2_500);
    expect(judge.abandoned([pin('2', 500)], new Set(), 4_000)).toEqual([]);
    expect(judge.committed('b', 'file')).toBe(true);
    expect(judge.committed('a', 'file')).toBe(false);
  });
});
