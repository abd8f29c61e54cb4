/**
 * Repair: re-replication after a peer dies, as HDFS's NameNode re-replicates the blocks of a dead
 * DataNode. The master never carries data: it orders a surviving holder of each segment the dead
 * peer held to copy it to a new peer, peer to peer, and changes the holder rows only once the new
 * peer itself reports the seal. Segments with the fewest live copies go first, a few at a time and
 * at a bounded rate, so a repair never starves the mesh's own traffic.
 *
 * A peer counts for repair once its status is dead, which the membership declares only after
 * the dead grace (DEAD_AFTER_MS): a peer that flaps comes back as online before that and causes
 * no repair at all. After the master starts, every remembered peer is dead until it rejoins, so
 * repair waits `restartGraceMs` for them first. A dead peer that returns finds its replaced
 * copies queued as drops (Directory.replaceHolder): they are reconciled away, never read.
 */
import { MAX_HOLDING_QUESTION, MAX_SEGMENT_CHUNKS, type Clock, type PeerId, type RepairProgress } from '@meshdrive/core';
import type { Directory, SegmentInfo } from '../directory/directory.js';
import type { SealReceipts } from '../state/seal-receipts.js';
import { isDurable, type Member } from '../state/membership.js';
import type { PeerLink } from './peer-link.js';
import type { TicketSource } from './tickets.js';

/** Copies in flight at once, mesh-wide. */
export const REPAIR_PARALLEL = 16;
/** Bytes of copies started per second, at most (the master's --repair-rate). */
export const REPAIR_BYTES_PER_SECOND = 64 * 1024 * 1024;
/** A dead peer's holdings are listed again this often, for segments a failed copy left behind. */
const RESCAN_MS = 10_000;
/** Segments looked at per pass, fewest copies first among them. */
const PASS_SEGMENTS = 4096;
/** A segment whose copy failed is tried again after this, from another holder or to another peer. */
const RETRY_AFTER_MS = 2_000;
/** How long the new holder's own receipt may take after the copy was acknowledged. */
const RECEIPT_WAIT_MS = 5_000;
/** The window the repair rate is measured over. */
const RATE_WINDOW_MS = 10_000;
/** Segments rebalancing looks at per pass. */
const REBALANCE_PAGE = 512;
/** After a walk over every segment found nothing to move, the next waits this long (or for a peer to come or go). */
const REBALANCE_IDLE_MS = 30_000;

export interface RepairOptions {
  directory: Directory;
  /** Every known peer with its status, capacity and stats. */
  members(): Promise<Member[]>;
  /** Peers in ring order from a key: where a segment's copies belong. */
  ringFrom(key: string): PeerId[];
  /** Where placement would put a segment's copies now, by placement key (chooseChains): what rebalancing moves copies to. */
  chains(): Promise<(key: string) => PeerId[]>;
  /** A peer was queued drops: deliver them now if it is connected. */
  dropsQueued?(peer: PeerId): void;
  /** The link to a peer connected to this master, to give it orders. */
  link(peer: PeerId): PeerLink | undefined;
  receipts: SealReceipts;
  tickets: TicketSource;
  clock: Pick<Clock, 'now'>;
  /** Copies a segment should have (R). */
  replication: number;
  /** When this master started: remembered peers get `restartGraceMs` from then to rejoin. */
  startedAt: number;
  restartGraceMs: number;
  parallel?: number;
  bytesPerSecond?: number;
  /**
   * With several masters, the coordinator's election (Coordinator): repair runs only while this
   * master coordinates, and its changes to holders carry the epoch, which the directory checks.
   */
  coordinator?: { readonly epoch: number | undefined };
  log: (line: string) => void;
}

/** One segment short of copies, and what can be done about it. */
interface Shortfall {
  list: string;
  info: SegmentInfo;
  /** Holders not dead. */
  alive: PeerId[];
  /** Holders online now, which can be copied from. */
  sources: PeerId[];
  missing: number;
}

/** Whether `member` offers room for `bytes` more (a peer that offers nothing in particular has no limit). */
function hasRoom(member: Member, bytes: number): boolean {
  return member.stats.full !== true && (member.capacity === 0 || member.stats.bytes + bytes <= member.capacity);
}

export class Repair {
  /** Segments to look at: those of dead peers, until they have their copies again. */
  private readonly queue = new Set<string>();
  private readonly inFlight = new Map<string, PeerId>();
  /** A segment's failed copy: not before this time, and not from or to these peers for a while. */
  private readonly backoff = new Map<string, { until: number; avoid: Set<PeerId> }>();
  private readonly scannedAt = new Map<PeerId, number>();
  private readonly copied: { at: number; bytes: number }[] = [];
  private copies = 0;
  private budget: number;
  private budgetAt: number;
  private passing = false;
  private last: Pick<RepairProgress, 'segments' | 'bytes' | 'unavailable'> = { segments: 0, bytes: 0, unavailable: 0 };
  /** Damaged segments each peer reported. */
  private readonly faults = new Map<PeerId, number>();
  /** Rebalancing walks every segment in list order: where it is, and when it may walk again. */
  private rebalanceAfter = '';
  private rebalanceAt = 0;
  private onlineSeen = '';
  /** Peers seen not dead since this master started. */
  private readonly seenAlive = new Set<PeerId>();

  constructor(private readonly options: RepairOptions) {
    this.budgetAt = options.clock.now();
    this.budget = this.bytesPerSecond();
  }

  /** What is left to repair, as of the last pass. */
  progress(): RepairProgress {
    const now = this.options.clock.now();
    const recent = this.copied.filter((copy) => copy.at > now - RATE_WINDOW_MS);
    const bytesPerSecond = Math.round(recent.reduce((sum, copy) => sum + copy.bytes, 0) / (RATE_WINDOW_MS / 1000));
    const faults = [...this.faults].map(([peer, segments]) => ({ peer, segments }));
    return { ...this.last, bytesPerSecond, copies: this.copies, faults };
  }

  /**
   * Asks a peer that (re)joined which of the segments the directory has it down for it lacks,
   * page by page, and treats those as damaged: a peer that lost data while it or the master was
   * down does not stay counted as a holder.
   */
  async reconcile(link: PeerLink): Promise<void> {
    const held = await this.options.directory.segmentsHeldBy(link.id);
    for (let start = 0; start < held.length; start += MAX_HOLDING_QUESTION) {
      const missing = await link.holding(held.slice(start, start + MAX_HOLDING_QUESTION));
      if (missing === undefined) return; // gone again, or too slow: its next join asks again
      if (missing.length > 0) await this.damaged(link.id, missing, 'lacks');
    }
  }

  /**
   * `peer` found these segments it holds missing or damaged chunks (a read or its scrub). Where
   * another copy exists its row goes (and it is told to drop the rest), and the segment is
   * copied again from a good replica to a peer other than this one.
   */
  async damaged(peer: PeerId, lists: readonly string[], why: 'reports damaged' | 'lacks' = 'reports damaged'): Promise<void> {
    const { directory, log } = this.options;
    const infos = await directory.segmentInfo(lists);
    for (const list of lists) {
      const info = infos.get(list);
      if (!info?.holders.includes(peer)) continue;
      this.faults.set(peer, (this.faults.get(peer) ?? 0) + 1);
      if (info.holders.length > 1) await directory.removeHolder(list, peer);
      const backoff = this.backoff.get(list) ?? { until: 0, avoid: new Set<PeerId>() };
      backoff.avoid.add(peer);
      this.backoff.set(list, backoff);
      this.queue.add(list);
      log(`peer ${peer.slice(0, 8)} ${why} segment ${list.slice(0, 12)}…${info.holders.length > 1 ? '; copying it again from another holder' : ', and holds its only copy'}`);
    }
  }

  /**
   * One pass: finds dead peers' segments and starts the copies the limits allow; with nothing to
   * repair, moves a page of copies to where placement now puts them. Passes do not overlap.
   */
  async pass(): Promise<void> {
    if (this.passing || (this.options.coordinator && this.options.coordinator.epoch === undefined)) return;
    this.passing = true;
    try {
      await this.passOnce();
    } finally {
      this.passing = false;
    }
  }

  private async passOnce(): Promise<void> {
    const { clock, directory } = this.options;
    const now = clock.now();
    const members = await this.options.members();
    const byId = new Map(members.map((member) => [member.id, member]));
    for (const member of members) if (member.status !== 'dead') this.seenAlive.add(member.id);
    // Peers remembered from before this master started are dead only until they rejoin: they get
    // the restart grace; a peer seen alive since and dead now is repaired at once.
    const graceOver = now >= this.options.startedAt + this.options.restartGraceMs;
    const rejoining = !graceOver && members.some((member) => member.status === 'dead' && !this.seenAlive.has(member.id));
    for (const member of members) {
      if (member.status !== 'dead') {
        this.scannedAt.delete(member.id);
        continue;
      }
      if (!graceOver && !this.seenAlive.has(member.id)) continue;
      const scanned = this.scannedAt.get(member.id);
      if (scanned !== undefined && now - scanned < RESCAN_MS) continue;
      this.scannedAt.set(member.id, now);
      for (const list of await directory.segmentsHeldBy(member.id)) this.queue.add(list);
    }
    const lists = [...this.queue].slice(0, PASS_SEGMENTS);
    const infos = lists.length === 0 ? new Map<string, SegmentInfo>() : await directory.segmentInfo(lists);
    const statusOf = (peer: PeerId): Member['status'] => byId.get(peer)?.status ?? 'dead';
    const reachable = members.filter((member) => member.status === 'online' && this.options.link(member.id) !== undefined).length;
    const shortfalls: Shortfall[] = [];
    let unavailable = 0;
    for (const list of lists) {
      const info = infos.get(list);
      if (!info) {
        this.queue.delete(list); // no file names it any more
        continue;
      }
      const alive = info.holders.filter((peer) => statusOf(peer) !== 'dead');
      // Never more copies than there are peers to hold them.
      const missing = Math.min(this.options.replication, reachable) - alive.length;
      if (missing <= 0 && !info.holders.some((peer) => statusOf(peer) === 'dead')) {
        this.queue.delete(list);
        continue;
      }
      if (missing <= 0) continue; // enough copies, but a dead holder's row is still there: it may come back
      const sources = info.holders.filter((peer) => statusOf(peer) === 'online' && this.options.link(peer) !== undefined);
      if (sources.length === 0) unavailable++;
      shortfalls.push({ list, info, alive, sources, missing });
    }
    this.last = {
      segments: shortfalls.length - unavailable,
      bytes: shortfalls.filter((shortfall) => shortfall.sources.length > 0).reduce((sum, shortfall) => sum + shortfall.info.storedSize * shortfall.missing, 0),
      unavailable,
    };
    shortfalls.sort((a, b) => a.alive.length - b.alive.length);
    this.refillBudget(now);
    this.startRepairs(shortfalls, byId, now);
    // Moving copies to where placement now puts them comes after every repair.
    const online = members.filter((member) => member.status === 'online').map((member) => member.id).sort().join(',');
    if (online !== this.onlineSeen) {
      this.onlineSeen = online;
      this.rebalanceAt = 0; // a peer came or went: the ring moved
    }
    // Not while remembered peers may still rejoin: the ring of those back so far is not the mesh's.
    if (shortfalls.length === 0 && now >= this.rebalanceAt && !rejoining) await this.rebalance(byId, now);
  }

  /** Starts the copies the limits allow, fewest live copies first (`shortfalls` is sorted so). */
  private startRepairs(shortfalls: Shortfall[], byId: ReadonlyMap<PeerId, Member>, now: number): void {
    for (const shortfall of shortfalls) {
      if (this.inFlight.size >= (this.options.parallel ?? REPAIR_PARALLEL)) break;
      if (this.inFlight.has(shortfall.list) || shortfall.sources.length === 0) continue;
      const backoff = this.backoff.get(shortfall.list);
      if (backoff && backoff.until > now) continue;
      if (this.budget < shortfall.info.storedSize && this.budget < this.bytesPerSecond()) break;
      const target = this.target(shortfall, byId, backoff?.avoid);
      if (!target) continue;
      const source = shortfall.sources.find((peer) => !backoff?.avoid.has(peer) && ![...this.inFlight.values()].includes(peer)) ?? shortfall.sources.find((peer) => !backoff?.avoid.has(peer));
      if (!source) continue;
      this.budget -= shortfall.info.storedSize;
      this.inFlight.set(shortfall.list, source);
      void this.copy(shortfall.list, shortfall.info, source, target).finally(() => this.inFlight.delete(shortfall.list));
    }
  }

  /**
   * Rebalancing, as HDFS's balancer and Syncthing's rescans do it lazily: a page of segments at
   * a time, each with all its copies online, whose placement now names a peer that holds none
   * (a peer joined and owns part of the ring) gets a copy there, and only once that copy is
   * confirmed does the holder placement no longer names drop its own: never fewer than R.
   */
  private async rebalance(byId: ReadonlyMap<PeerId, Member>, now: number): Promise<void> {
    const page = await this.options.directory.segmentsAfter(this.rebalanceAfter, REBALANCE_PAGE);
    if (page.length === 0) {
      this.rebalanceAfter = '';
      this.rebalanceAt = now + REBALANCE_IDLE_MS;
      return;
    }
    const chainFor = await this.options.chains();
    const reachable = (peer: PeerId): boolean => byId.get(peer)?.status === 'online' && this.options.link(peer) !== undefined;
    for (const [list, info] of page) {
      if (this.inFlight.size >= (this.options.parallel ?? REPAIR_PARALLEL)) return; // resumes at this segment
      if (this.budget < info.storedSize && this.budget < this.bytesPerSecond()) return;
      this.rebalanceAfter = list;
      if (this.inFlight.has(list) || !info.holders.every(reachable)) continue;
      const backoff = this.backoff.get(list);
      if (backoff && backoff.until > now) continue;
      const ideal = chainFor(info.key);
      if (info.holders.length < ideal.length) continue; // short of copies: repair's to mend
      const target = ideal.find((peer) => !info.holders.includes(peer) && reachable(peer) && !backoff?.avoid.has(peer) && hasRoom(byId.get(peer)!, info.storedSize));
      const leaving = [...info.holders].reverse().find((peer) => !ideal.includes(peer));
      if (!target || !leaving) continue;
      this.budget -= info.storedSize;
      this.inFlight.set(list, leaving);
      void this.copy(list, info, leaving, target, leaving).finally(() => this.inFlight.delete(list));
    }
  }

  private bytesPerSecond(): number {
    return this.options.bytesPerSecond ?? REPAIR_BYTES_PER_SECOND;
  }

  private refillBudget(now: number): void {
    const rate = this.bytesPerSecond();
    this.budget = Math.min(rate, this.budget + (rate * (now - this.budgetAt)) / 1000);
    this.budgetAt = now;
  }

  /**
   * The new holder: the first peer in ring order from the segment that is online, holds no copy,
   * has room, and is not avoided. While no live copy sits on a durable peer (every one is on a
   * tab or a volatile peer), a durable one is preferred.
   */
  private target(shortfall: Shortfall, byId: ReadonlyMap<PeerId, Member>, avoid: ReadonlySet<PeerId> | undefined): PeerId | undefined {
    const holders = new Set(shortfall.info.holders);
    const candidates = this.options.ringFrom(shortfall.list).filter((peer) => {
      const member = byId.get(peer);
      if (!member || member.status !== 'online' || holders.has(peer) || avoid?.has(peer)) return false;
      return hasRoom(member, shortfall.info.storedSize);
    });
    const durable = (peer: PeerId): boolean => {
      const member = byId.get(peer);
      return member !== undefined && isDurable(member);
    };
    return (shortfall.alive.some(durable) ? undefined : candidates.find(durable)) ?? candidates[0];
  }

  /**
   * Has `source` copy `list` to `target`, and records it once `target` confirmed: in place of a
   * dead holder, or besides the live ones; for a move, `leaving` then stops being a holder.
   */
  private async copy(list: string, info: SegmentInfo, source: PeerId, target: PeerId, leaving?: PeerId): Promise<void> {
    const { clock, directory, receipts, log } = this.options;
    // Decided under this epoch: its changes are refused if another master took over meanwhile.
    const epoch = this.options.coordinator ? (this.options.coordinator.epoch ?? -1) : undefined;
    try {
      const link = this.options.link(source);
      if (!link) throw new Error(`peer ${source.slice(0, 8)} is no longer connected`);
      const ticket = await this.options.tickets.write(source, `repair:${list}`, [target], MAX_SEGMENT_CHUNKS);
      await link.copy({ list, to: target, ticket });
      const confirmed = await receipts.confirmed(list, [target], RECEIPT_WAIT_MS);
      if (!confirmed.has(target)) throw new Error(`peer ${target.slice(0, 8)} never confirmed the copy`);
      // The rows as they are now: a holder may have died or come back while the copy ran.
      const members = new Map((await this.options.members()).map((member) => [member.id, member.status]));
      const holders = (await directory.segmentInfo([list])).get(list)?.holders ?? [];
      const dead = holders.find((peer) => (members.get(peer) ?? 'dead') === 'dead');
      if (dead) await directory.replaceHolder(list, dead, target, epoch);
      else await directory.addHolder(list, target, epoch);
      // A move: the new copy is confirmed and counted, so the one placement no longer names can go.
      const moved = leaving !== undefined && !dead && (await directory.removeHolder(list, leaving, epoch));
      if (moved) this.options.dropsQueued?.(leaving);
      this.copies++;
      this.copied.push({ at: clock.now(), bytes: info.storedSize });
      while (this.copied.length > 0 && this.copied[0]!.at < clock.now() - RATE_WINDOW_MS) this.copied.shift();
      this.backoff.delete(list);
      const how = moved ? `moved it from ${leaving.slice(0, 8)}` : `copied it`;
      log(`${moved ? 'rebalanced' : 'repaired'} ${list.slice(0, 12)}…: ${source.slice(0, 8)} ${how} to ${target.slice(0, 8)}${dead ? ` in place of ${dead.slice(0, 8)}` : ''}`);
    } catch (error) {
      const avoid = this.backoff.get(list)?.avoid ?? new Set<PeerId>();
      avoid.add(target);
      // A holder whose copy is damaged or gone is not asked again for a while; another one is.
      if (/ERR_CHUNK_(CORRUPT|NOT_FOUND)/.test(String((error as { code?: unknown }).code))) avoid.add(source);
      if (avoid.size > 8) avoid.clear();
      this.backoff.set(list, { until: clock.now() + RETRY_AFTER_MS, avoid });
      log(`could not repair ${list.slice(0, 12)}… from ${source.slice(0, 8)} to ${target.slice(0, 8)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
