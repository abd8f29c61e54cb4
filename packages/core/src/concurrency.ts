import { systemClock, type Clock } from './clock.js';

/** Runs `task` over 0..count-1 with at most `limit` in flight; stops at the first failure. */
export async function forEachLimited(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < count) {
      const index = next++;
      try {
        await task(index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/**
 * `work`'s outcome, or, as soon as `signal` aborts, a rejection with its reason: a cancelled
 * transfer ends at once instead of when its in-flight requests do. Work still running is left
 * to finish (or fail) unobserved.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface HedgeOptions {
  /** The typical duration assumed before any has been measured. */
  initialMs: number;
  /** A hedge is never started sooner than this. */
  minMs: number;
  /** ...nor before this many times the typical duration. */
  factor: number;
}

const TYPICAL_SMOOTHING = 0.1;
const LATE = Symbol('late');

/**
 * When an attempt is late enough to be tried a second way: `factor` times the typical duration
 * of the recent successful ones, never sooner than `minMs`. Pure: the caller measures.
 */
export class HedgePolicy {
  private typicalMs: number;

  constructor(private readonly options: HedgeOptions) {
    this.typicalMs = options.initialMs;
  }

  /** How long an attempt runs alone before a second one starts. */
  get delayMs(): number {
    return Math.max(this.options.minMs, this.options.factor * this.typicalMs);
  }

  /** A run succeeded after `elapsedMs`, hedged or not. */
  record(elapsedMs: number): void {
    this.typicalMs += (elapsedMs - this.typicalMs) * TYPICAL_SMOOTHING;
  }
}

/**
 * Hedged requests (as HDFS reads and Google's "tail at scale" do): runs `first`, and if it has
 * not finished within the policy's delay, runs `second` too and takes whichever succeeds
 * first. Every success updates the typical duration. Time comes from the injected clock.
 */
export class Hedger {
  private readonly policy: HedgePolicy;

  constructor(
    options: HedgeOptions,
    private readonly clock: Clock = systemClock,
  ) {
    this.policy = new HedgePolicy(options);
  }

  /** Each attempt gets a signal that aborts once the other has won: stop, it is no longer needed. */
  async run<T>(first: (loser: AbortSignal) => Promise<T>, second: ((loser: AbortSignal) => Promise<T>) | undefined): Promise<T> {
    const started = this.clock.now();
    const firstLost = new AbortController();
    const primary = first(firstLost.signal);
    if (!second) return primary;
    let cancel: (() => void) | undefined;
    const late = new Promise<typeof LATE>((resolve) => (cancel = this.clock.after(this.policy.delayMs, () => resolve(LATE))));
    const early = await Promise.race([primary, late]).finally(() => cancel?.());
    if (early !== LATE) return this.measured(started, early);
    const secondLost = new AbortController();
    const backup = second(secondLost.signal);
    try {
      const winner = await Promise.any([primary.then((value) => ({ value, loser: secondLost })), backup.then((value) => ({ value, loser: firstLost }))]);
      winner.loser.abort();
      // Hedged runs count too: if every run is slow, the typical must catch up, or every run
      // would be hedged from then on and double the load that made them slow.
      return this.measured(started, winner.value);
    } catch (error) {
      throw error instanceof AggregateError ? (error.errors[0] as Error) : error;
    }
  }

  private measured<T>(started: number, value: T): T {
    this.policy.record(this.clock.now() - started);
    return value;
  }
}
