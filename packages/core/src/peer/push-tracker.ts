/**
 * The outcomes of Pushes, which are never answered, kept until their segment's Seal asks: the
 * Seal waits for every Push of its write and reports the first failure among them.
 */

/** Segments whose Push outcomes are remembered while awaiting their Seal (~100 KiB each). */
export const MAX_TRACKED_SEGMENTS = 256;

interface TrackedSegment {
  /** Pushes not yet verified, sent on to the next replica and written here. */
  arriving: Set<Promise<void>>;
  /** Pushes written here but not yet durable. */
  committing: Set<Promise<void>>;
  failure?: Error;
  /** When its last Offer or Push arrived. */
  touchedAt: number;
}

/** A push once its chunks are written (readable): when they are durable. */
export interface Written {
  durable: Promise<void>;
}

/**
 * Pushes in progress and the first failure, by segment write, until its Seal asks. Entries
 * without pending work are forgotten past MAX_TRACKED_SEGMENTS.
 */
export class PushTracker {
  private readonly segments = new Map<string, TrackedSegment>();

  constructor(private readonly now: () => number) {}

  /** Returns when the push is over, never rejecting: its failure is kept for the Seal. */
  track(key: string, forwarded: Promise<unknown>, written: Promise<Written>): Promise<void> {
    const entry = this.segments.get(key) ?? this.startSegment(key);
    entry.touchedAt = this.now();
    const fail = (error: unknown): void => {
      entry.failure ??= error instanceof Error ? error : new Error(String(error));
    };
    const arriving: Promise<void> = Promise.all([forwarded, written])
      .then(() => undefined, fail)
      .finally(() => entry.arriving.delete(arriving));
    const committing: Promise<void> = written
      .then(({ durable }) => durable)
      .then(() => undefined, fail)
      .finally(() => entry.committing.delete(committing));
    entry.arriving.add(arriving);
    entry.committing.add(committing);
    return Promise.all([arriving, committing]).then(() => undefined);
  }

  /** Waits until the segment's pushes have gone on down the chain and are written here. */
  async arrived(key: string): Promise<Error | undefined> {
    const segment = this.segments.get(key);
    if (!segment) return undefined;
    while (segment.arriving.size > 0) await Promise.all(segment.arriving);
    return segment.failure;
  }

  /** Waits until the segment's pushes are durable here, and forgets them. */
  async committed(key: string): Promise<Error | undefined> {
    const segment = this.segments.get(key);
    if (!segment) return undefined;
    while (segment.committing.size > 0) await Promise.all(segment.committing);
    this.segments.delete(key);
    return segment.failure;
  }

  /** Forgets segments idle since before `cutoff`; true if none is left in progress. */
  forgetIdleSince(cutoff: number): boolean {
    for (const [key, segment] of this.segments) {
      if (segment.arriving.size === 0 && segment.committing.size === 0 && segment.touchedAt < cutoff) this.segments.delete(key);
    }
    return this.segments.size === 0;
  }

  private startSegment(key: string): TrackedSegment {
    this.forgetOldest();
    const segment: TrackedSegment = { arriving: new Set(), committing: new Set(), touchedAt: this.now() };
    this.segments.set(key, segment);
    return segment;
  }

  /** A client that pushes and never seals must not grow this map without bound. */
  private forgetOldest(): void {
    if (this.segments.size < MAX_TRACKED_SEGMENTS) return;
    for (const [key, segment] of this.segments) {
      if (segment.arriving.size === 0 && segment.committing.size === 0) {
        this.segments.delete(key);
        return;
      }
    }
  }
}
