import { describe, expect, it } from 'vitest';
import { Hedger, sleep } from './concurrency.js';
import { ManualClock } from './test-clock.js';

const hedger = (): Hedger => new Hedger({ initialMs: 10, minMs: 20, factor: 2 });

describe('Hedger', () => {
  it('does not start the second attempt when the first is on time', async () => {
    let seconds = 0;
    const value = await hedger().run(
      () => sleep(5).then(() => 'first'),
      () => {
        seconds++;
        return Promise.resolve('second');
      },
    );
    expect(value).toBe('first');
    expect(seconds).toBe(0);
  });

  it('starts the second attempt once the first is late, and takes whichever succeeds first', async () => {
    const never = new Promise<string>(() => undefined);
    const started = Date.now();
    expect(await hedger().run(() => never, () => sleep(5).then(() => 'second'))).toBe('second');
    expect(Date.now() - started).toBeGreaterThanOrEqual(20);
  });

  it('tells the losing attempt it lost, so it can stop', async () => {
    let firstSignal: AbortSignal | undefined;
    await hedger().run(
      (lost) => {
        firstSignal = lost;
        return new Promise<string>(() => undefined);
      },
      () => sleep(5).then(() => 'second'),
    );
    expect(firstSignal?.aborted).toBe(true);
  });

  it('still takes the first attempt if it finishes before the hedge does', async () => {
    expect(await hedger().run(() => sleep(30).then(() => 'first'), () => sleep(500).then(() => 'second'))).toBe('first');
  });

  it('fails with the first error when both attempts fail', async () => {
    const failing = (message: string, ms: number) => () => sleep(ms).then(() => Promise.reject(new Error(message)));
    await expect(hedger().run(failing('first', 30), failing('second', 1))).rejects.toThrow('first');
  });

  it('adapts to slower typical durations, so a steady slowdown does not hedge everything', async () => {
    const adaptive = new Hedger({ initialMs: 0.1, minMs: 1, factor: 10 });
    const hedged: boolean[] = [];
    for (let i = 0; i < 40; i++) {
      let hedgedThis = false;
      const second = (): Promise<string> => {
        hedgedThis = true;
        return new Promise<string>(() => undefined);
      };
      await adaptive.run(() => sleep(8).then(() => 'ok'), second);
      hedged.push(hedgedThis);
    }
    // The first runs are hedged (0.1 ms typical); hedged runs raise it too, until none is.
    expect(hedged[0]).toBe(true);
    expect(hedged.slice(-10).every((was) => !was)).toBe(true);
  });

  it('runs on an injected clock: the second attempt starts when the clock passes the delay, not before', async () => {
    const clock = new ManualClock();
    const fake = new Hedger({ initialMs: 100, minMs: 50, factor: 3 }, clock);
    let seconds = 0;
    /** Runs a first attempt that never ends; true once the clock has moved `ms` and the second one started. */
    const hedgedAfter = async (ms: number): Promise<boolean> => {
      const before = seconds;
      const result = fake.run(
        () => new Promise<string>(() => undefined),
        () => {
          seconds++;
          return Promise.resolve('second');
        },
      );
      await sleep(5);
      clock.advance(ms - 1);
      await sleep(5);
      if (seconds !== before) return false;
      clock.advance(1);
      expect(await result).toBe('second');
      return seconds === before + 1;
    };
    expect(await hedgedAfter(300)).toBe(true);
    // The hedged run took 300 ms on that clock: the typical moves a tenth of the way there.
    expect(await hedgedAfter(3 * (100 + (300 - 100) * 0.1))).toBe(true);
    expect(clock.pending).toBe(0);
  });
});
