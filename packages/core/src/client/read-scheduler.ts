/**
 * Which segment reads run, and where: the read-ahead window, the per-peer limit, the choice of
 * holder over the master's view of peer health, and which holder a late read is hedged to (when
 * is the Hedger's call, with READ_HEDGE's settings). Pure: no I/O and no timers; the client starts the reads it is handed and reports back.
 */
import type { HedgeOptions } from '../concurrency.js';
import type { PeerId } from '../ids.js';
import type { PeerStatus } from '../wire/signal-protocol.js';

/**
 * Segments fetched ahead of the one being written to the sink: enough that a stalled peer
 * holds up a few of them while the others keep the sink busy. 64 MiB receives here: 6 gave
 * 22-43 MiB/s, 24 gave 38-44; a 1 GiB receive peaks at ~124 MiB of RSS with 24.
 */
export const READ_AHEAD_SEGMENTS = 24;
/**
 * Segment reads queued on one peer at most. The window's other segments wait until a holder has
 * room and go to the holder with the fewest queued, the primary among equals: a peer whose link
 * stalls then holds up these few while the others take the rest of the window, and a placement
 * that made one peer primary of most segments no longer makes it serve most of them. 64 MiB
 * receives through 3 peers, alternating with the old client (every read from its primary, all
 * of the window at once) in one mesh, 10 each: median 1.99-2.03 s before, 1.63-1.71 with 2, 3
 * or 4 per peer, and no run past 2.15 s where the old client took up to 2.87.
 */
export const READS_PER_PEER = 3;
/** A segment read or write is hedged once it takes this many times the typical time... */
export const HEDGE_FACTOR = 4;
/** ...but a read never sooner than this. */
export const HEDGE_MIN_MS = 750;
/** The typical segment read assumed before any has been timed. */
export const READ_TYPICAL_INITIAL_MS = 250;

/**
 * When a segment read is hedged (as HDFS does): a segment usually arrives in a few hundred
 * milliseconds, but a data channel now and then stalls for seconds (measured: 4-8 s, about one
 * read in ten). If the first holder has not delivered within HEDGE_FACTOR times the recent
 * typical time, the next holder is asked too and the first complete, verified copy wins.
 */
export const READ_HEDGE: HedgeOptions = { initialMs: READ_TYPICAL_INITIAL_MS, minMs: HEDGE_MIN_MS, factor: HEDGE_FACTOR };

const HEALTH_ORDER: Record<PeerStatus, number> = { online: 0, stale: 1, paused: 2, dead: 2 };

/** Holders in write order (primary first), moving stale and dead ones to the back. */
export function orderByHealth(holders: readonly PeerId[], status: Readonly<Record<string, PeerStatus>>): PeerId[] {
  return [...holders].sort((a, b) => HEALTH_ORDER[status[a] ?? 'dead'] - HEALTH_ORDER[status[b] ?? 'dead']);
}

/**
 * The holder to read a segment from: among the online ones (all of them if none is), the one
 * with the fewest reads queued, earlier in `holders` among equals; undefined while every such
 * holder has `limit` queued.
 */
export function leastQueued(holders: readonly PeerId[], status: Readonly<Record<string, PeerStatus>>, queued: ReadonlyMap<PeerId, number>, limit: number): PeerId | undefined {
  const online = holders.filter((holder) => status[holder] === 'online');
  let best: PeerId | undefined;
  let bestLoad = limit;
  for (const holder of online.length > 0 ? online : holders) {
    const load = queued.get(holder) ?? 0;
    if (load < bestLoad) [best, bestLoad] = [holder, load];
  }
  return best;
}

/** The holders a hedge tries: the same ones, starting from the next, so over other links. None for one holder. */
export function hedgeOrder(holders: readonly PeerId[]): PeerId[] | undefined {
  return holders.length < 2 ? undefined : [...holders.slice(1), holders[0]!];
}

/** A segment read to start now. */
export interface ScheduledRead {
  index: number;
  /** Holders to try, in order: the chosen one first, then the rest by health. */
  holders: PeerId[];
  /** The holder whose queue this read occupies until `release`d (none when the segment has no holders). */
  queuedOn: PeerId | undefined;
}

export interface ReadLimits {
  /** Segments started ahead of the one the sink takes next. */
  window: number;
  perPeer: number;
}

export class ReadScheduler {
  private readonly queued = new Map<PeerId, number>();
  private started = 0;
  private delivered = 0;

  constructor(
    private readonly segments: readonly { readonly holders: readonly PeerId[] }[],
    private status: Readonly<Record<string, PeerStatus>>,
    private readonly limits: ReadLimits = { window: READ_AHEAD_SEGMENTS, perPeer: READS_PER_PEER },
  ) {}

  /**
   * The next segment to read, on the holder with the fewest reads queued (the primary among
   * equals); undefined once all are started, while the window is full, or while every holder
   * of the next segment has its fill (one of their reads must end first).
   */
  next(): ScheduledRead | undefined {
    const index = this.started;
    if (index >= this.segments.length || index >= this.delivered + this.limits.window) return undefined;
    const holders = orderByHealth(this.segments[index]!.holders, this.status);
    const first = leastQueued(holders, this.status, this.queued, this.limits.perPeer);
    if (first === undefined && holders.length > 0) return undefined;
    this.started++;
    if (first === undefined) return { index, holders, queuedOn: undefined };
    this.queued.set(first, (this.queued.get(first) ?? 0) + 1);
    return { index, holders: [first, ...holders.filter((holder) => holder !== first)], queuedOn: first };
  }

  /** A read's attempt on the holder it was queued on ended (a hedge that overtook it does not count). */
  release(holder: PeerId): void {
    this.queued.set(holder, Math.max(0, (this.queued.get(holder) ?? 0) - 1));
  }

  /** The sink took the next segment: the window moves on by one. */
  deliver(): void {
    this.delivered++;
  }

  /** Fresh peer health, from a new locate. */
  updateStatus(status: Readonly<Record<string, PeerStatus>>): void {
    this.status = status;
  }

  /** Every holder of segment `index` by health, for a retry after a fresh locate. */
  retryOrder(index: number): PeerId[] {
    return orderByHealth(this.segments[index]!.holders, this.status);
  }
}
