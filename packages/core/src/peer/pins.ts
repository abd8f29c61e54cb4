/**
 * Pins: the segments this peer sealed, one meta record per segment holding when it was sealed.
 * A pinned segment's chunks are kept; the master pages through old pins to find segments of
 * sends that sealed but never committed, and drops those.
 */
import type { MetaStore } from '../stores/chunk-store.js';
import { MAX_PIN_REPORT, type PinReport } from '../wire/signal-protocol.js';

const PIN_PREFIX = 'pin:';
/** A scan's sorted pins serve its later pages for this long; a scan past it lists them again. */
const PIN_SCAN_REUSE_MS = 10 * 60_000;

/** The index of the first string in `sorted` greater than `after`. */
function firstAfter(sorted: readonly string[], after: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle]! > after) high = middle;
    else low = middle + 1;
  }
  return low;
}

export class Pins {
  /** The sorted pins of the master's scan in progress, and when they were listed. */
  private scan: { lists: string[]; at: number } | undefined;

  constructor(
    private readonly store: MetaStore,
    /** Milliseconds since the epoch. */
    private readonly now: () => number,
  ) {}

  /**
   * Pins segment `list` as sealed now. Lazy: the pin shares the segment's commit, so one
   * transaction makes the chunks and the pin durable, or neither.
   */
  pin(list: string): Promise<void> {
    return this.store.setMeta(PIN_PREFIX + list, String(this.now()), { lazy: true });
  }

  async unpin(lists: readonly string[]): Promise<void> {
    for (const list of lists) await this.store.deleteMeta(PIN_PREFIX + list);
  }

  /** Every pinned segment's list hash (hex), in no particular order. */
  async lists(): Promise<string[]> {
    return (await this.store.metaKeys(PIN_PREFIX)).map((key) => key.slice(PIN_PREFIX.length));
  }

  /**
   * How long before `now` segment `list` was pinned (undefined if it is not). Pins made before
   * pins held their time count as oldest.
   */
  async ageMs(list: string, now: number): Promise<number | undefined> {
    const value = await this.store.getMeta(PIN_PREFIX + list);
    if (value === undefined) return undefined;
    const pinnedAt = Number(value);
    return Math.max(0, Math.floor(now - (Number.isFinite(pinnedAt) ? pinnedAt : 0)));
  }

  /**
   * Segments pinned at least `olderThanMs` ago, in list order after `after`, at most
   * MAX_PIN_REPORT of them. The master pages through them from `after` = '': the pins are
   * listed and sorted once per scan, not once per page, which for a peer holding a million
   * segments made each scan sort them 245 times.
   */
  async oldPins(olderThanMs: number, after = ''): Promise<PinReport> {
    const now = this.now();
    if (after === '' || !this.scan || now - this.scan.at > PIN_SCAN_REUSE_MS) {
      this.scan = { lists: (await this.lists()).sort(), at: now };
    }
    const lists = this.scan.lists;
    const pins: PinReport['pins'] = [];
    // Pins dropped since the listing have no age and are skipped; newer ones are too young.
    for (let i = firstAfter(lists, after); i < lists.length; i++) {
      if (pins.length === MAX_PIN_REPORT) return { pins, more: true };
      const ageMs = await this.ageMs(lists[i]!, now);
      if (ageMs !== undefined && ageMs >= olderThanMs) pins.push({ list: lists[i]!, ageMs });
    }
    this.scan = undefined;
    return { pins, more: false };
  }
}
