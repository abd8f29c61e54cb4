/**
 * Which sealed segments a peer keeps for nothing. A client that dies after some of its segments
 * were sealed leaves them pinned on their replicas, and no file names them, so no removal will
 * ever drop them; a peer that was away while its copy was replaced by a repair, or that got a
 * copy whose commit named others, keeps one no holder row names. The master asks peers for
 * their old pins (as an HDFS NameNode reads block reports) and judges them here: a segment is
 * dropped from a peer when no file names that peer as its holder, it was sealed there at least
 * `abandonAfterMs` ago, and no send that began before it was sealed is still open.
 */
import type { Clock } from '@meshdrive/core';
import type { Directory } from '../directory/directory.js';
import type { SendLeases } from '../state/send-leases.js';
import type { PeerLink } from './peer-link.js';

export interface AbandonedSweepOptions {
  directory: Directory;
  leases: SendLeases;
  /** Services only read the time. */
  clock: Pick<Clock, 'now'>;
  /** How old an unused segment must be to count as abandoned. */
  abandonAfterMs: number;
  /** When the master started: sends begun before then are unknown to it. */
  startedAt: number;
  log: (line: string) => void;
}

export class AbandonedSweep {
  private sweeping = false;

  constructor(private readonly options: AbandonedSweepOptions) {}

  /**
   * Asks each peer for the segments it sealed at least abandonAfterMs ago, page by page, and
   * tells it which of them no file uses and no open send can still commit. A sweep asked for
   * while one runs does nothing.
   */
  async sweep(links: readonly PeerLink[]): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    const olderThanMs = this.options.abandonAfterMs;
    try {
      for (const link of links) {
        for (let after: string | undefined; ;) {
          const report = await link.pins({ olderThanMs, after });
          if (!report) break;
          const { pins, more } = report;
          const info = await this.options.directory.segmentInfo(pins.map((pin) => pin.list));
          const kept = new Set([...info].filter(([, segment]) => segment.holders.includes(link.id)).map(([list]) => list));
          const lists = await this.judge(pins, kept);
          if (lists.length > 0) {
            link.abandoned({ lists, olderThanMs });
            const surplus = lists.filter((list) => info.has(list)).length;
            const what = [
              ...(lists.length > surplus ? [`${lists.length - surplus} segments of sends that never committed`] : []),
              ...(surplus > 0 ? [`${surplus} copies no file keeps there`] : []),
            ];
            this.options.log(`peer ${link.id.slice(0, 8)}: dropping ${what.join(' and ')}`);
          }
          if (!more || pins.length === 0) break;
          after = pins.at(-1)!.list;
        }
      }
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * The lists among `pins` (each with how long ago its peer sealed it) that may be dropped now;
   * `used` holds those some file version names as held by that peer.
   */
  async judge(pins: readonly { list: string; ageMs: number }[], used: ReadonlySet<string>): Promise<string[]> {
    const { abandonAfterMs, startedAt, clock, leases } = this.options;
    const now = clock.now();
    // Sends from before a restart are unknown: wait until any of them would have ended.
    if (now - startedAt < abandonAfterMs) return [];
    const oldestOpen = await leases.oldestOpenSend(now);
    return pins.filter((pin) => pin.ageMs >= abandonAfterMs && !used.has(pin.list) && now - pin.ageMs < oldestOpen).map((pin) => pin.list);
  }
}
