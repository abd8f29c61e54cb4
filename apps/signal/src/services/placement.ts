/**
 * Placement: where a file's segments go, and the commit that records where they went. Segments
 * are placed on the ring of online peers; peers whose store said it is full are passed over while
 * enough others are online. Every placement opens (or keeps open) a send lease, and a commit is
 * refused once its send expired, since the abandoned-segment sweep may have dropped its segments.
 */
import {
  asChunkHash,
  asFileId,
  asPeerId,
  FileNotFoundError,
  LockLapsedError,
  maxStoredChunks,
  randomId,
  SendExpiredError,
  segmentCount,
  segmentBytes,
  segmentKey,
  segmentRange,
  QuotaExceededError,
  UnconfirmedSegmentError,
  ValidationError,
  VersionConflictError,
  VersionNotFoundError,
  type Clock,
  type CommitRequest,
  type HashRing,
  type FileSummary,
  type Manifest,
  type PeerId,
  type PlaceRequest,
  type PlaceResult,
  type RestoreRequest,
} from '@meshdrive/core';
import { replicationOf, type Directory } from '../directory/directory.js';
import type { SealReceipts } from '../state/seal-receipts.js';
import { isDurable, type Member } from '../state/membership.js';
import type { SendLeases } from '../state/send-leases.js';
import { summarize } from './catalogue.js';
import type { LockService } from './lock-service.js';
import type { Sharing } from './sharing.js';
import type { PeerRegistry } from './peer-registry.js';
import type { TicketSource } from './tickets.js';

/** A commit waits this long in all for peers' receipts still on their way (they usually come first). */
const RECEIPT_WAIT_MS = 4_000;

export interface PlacementOptions {
  directory: Directory;
  registry: PeerRegistry;
  leases: SendLeases;
  /** Services only read the time. */
  clock: Pick<Clock, 'now'>;
  /** Replicas per segment (R), when that many peers are online. */
  replication: number;
  /** What peers said they sealed: a commit may name only these holders. */
  receipts: SealReceipts;
  /** Signs the write ticket each placed segment comes with. */
  tickets: TicketSource;
  /** How long a commit waits for receipts still on their way (RECEIPT_WAIT_MS). */
  receiptWaitMs?: number;
  /** Who holds which file's lock: writes by others are refused, and writes under a lapsed lease. */
  locks: LockService;
  /** Versions kept per file; a commit forgets older ones and drops the segments only they named. */
  keepVersions: number;
  /** A removal or pruning queued drops for `peer`: deliver them. */
  dropsQueued: (peer: PeerId) => void;
  /** Who else reads a file: a write seals its file key to them. */
  sharing?: Sharing;
  log: (line: string) => void;
}

/** What a peer offers and does not hold yet; a peer that offers nothing in particular has no limit. */
export function freeBytes(peer: Member): number {
  return peer.capacity > 0 ? Math.max(0, peer.capacity - peer.stats.bytes) : Number.POSITIVE_INFINITY;
}

/** Its store said it is full, or what it offers has no room left for a `segment`-byte segment. */
function isFull(peer: Member, segment: number): boolean {
  return peer.stats.full === true || freeBytes(peer) < segment;
}

/**
 * Where a segment's `copies` go, by its placement key: the ring's replica set of the online
 * peers, passing over full ones, with a durable copy (withDurableCopy). Placement uses it for
 * new writes; rebalancing (Repair) moves copies to where it now points.
 */
export function chooseChains(ring: HashRing, online: readonly Member[], copies: number, segment: number): (key: string) => PeerId[] {
  const full = new Set(online.filter((peer) => isFull(peer, segment)).map((peer) => peer.id));
  const durable = new Set(online.filter((peer) => isDurable(peer) && !full.has(peer.id)).map((peer) => peer.id));
  return (key) => withDurableCopy(ring.replicaSet(key, copies, (peer) => full.has(peer)), () => ring.replicaSet(key, ring.size), durable);
}

const mebibytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * `chain`, or, when none of its peers is durable and a durable peer is online, the chain with
 * its last replica swapped for the first durable peer clockwise (`clockwise`): tabs close and
 * volatile peers forget, so every segment keeps a copy that outlives its peer's process.
 */
export function withDurableCopy(chain: PeerId[], clockwise: () => PeerId[], durable: ReadonlySet<PeerId>): PeerId[] {
  if (durable.size === 0 || chain.some((peer) => durable.has(peer))) return chain;
  const substitute = clockwise().find((peer) => durable.has(peer) && !chain.includes(peer));
  return substitute === undefined ? chain : [...chain.slice(0, -1), substitute];
}

export class Placement {
  /**
   * Connects and disconnects reach the leases in the order the sockets saw them: with a shared,
   * slower lease store a rejoin's connect could otherwise land before the old socket's
   * disconnect, and leave the client's sends marked gone.
   */
  private socketEvents: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PlacementOptions) {}

  /** Places the segments of `client`'s write of `owner`'s `request.name`, by `writer` (the owner, or a user they shared it with). */
  async place(client: PeerId, owner: string, request: PlaceRequest, writer = owner): Promise<PlaceResult> {
    const { directory, registry, leases, clock, replication } = this.options;
    await this.options.locks.checkWrite(owner, request.name, request.lock);
    const existing = await directory.findFile(owner, request.name);
    if (request.fileId && existing && existing.fileId !== request.fileId) {
      throw new VersionConflictError(request.name, 0, existing.version);
    }
    const fileId = existing?.fileId ?? asFileId(request.fileId ?? randomId());
    const ring = registry.currentRing();
    const copies = Math.min(replication, ring.size);
    const online = await registry.online();
    const segment = Math.min(segmentBytes(request), request.size);
    if (!existing) this.checkRoom(request.size * copies, online.filter((peer) => !isFull(peer, segment)), request.name);
    const chainFor = chooseChains(ring, online, copies, segment);
    const segments = Array.from({ length: segmentCount(request.size, request) }, (_, index) => chainFor(segmentKey(fileId, index)));
    const chunks = maxStoredChunks(request);
    const tickets = await Promise.all(segments.map((chain, index) => this.options.tickets.write(client, `${fileId}:${index}`, chain, chunks)));
    // A send's first placement has no fileId; retries carry the one it was given.
    await leases.placed(client, fileId, request.fileId === undefined, clock.now());
    const recipients = existing && this.options.sharing ? await this.options.sharing.recipients(owner, request.name, writer) : [];
    return { fileId, baseVersion: existing?.version ?? 0, replication: copies, segments, tickets, ...(recipients.length > 0 ? { recipients } : {}) };
  }

  /**
   * Refuses a new file the online peers have no room for before a byte moves. Only new names:
   * a new version may share most of its chunks with the last (differential update), and the
   * peers' stores refuse what does not fit, chunk by chunk, either way.
   */
  private checkRoom(needed: number, peers: readonly Member[], name: string): void {
    const free = peers.reduce((sum, peer) => sum + freeBytes(peer), 0);
    if (free >= needed) return;
    throw new QuotaExceededError(`the mesh has ${mebibytes(free)} free on ${peers.length} peers; "${name}" needs ${mebibytes(needed)} with its copies`);
  }

  /** Records the version `client` wrote, if its send is still open and the file is still at its base version. */
  async commit(client: PeerId, owner: string, request: CommitRequest): Promise<FileSummary> {
    const { leases, clock, log } = this.options;
    const expected = segmentCount(request.size, request);
    if (request.segments.length !== expected) {
      throw new ValidationError(`a ${request.size}-byte file has ${expected} segments, not ${request.segments.length}`);
    }
    const manifest: Manifest = {
      fileId: asFileId(request.fileId),
      name: request.name,
      owner,
      version: request.baseVersion + 1,
      size: request.size,
      chunkSize: request.chunkSize,
      segmentChunks: request.segmentChunks,
      ...(request.codec === undefined ? {} : { codec: request.codec }),
      ...(request.sealed === undefined ? {} : { sealed: request.sealed }),
      createdAt: clock.now(),
      segments: request.segments.map((segment) => ({ ...segment, listHash: asChunkHash(segment.listHash), holders: segment.holders.map(asPeerId) })),
    };
    this.checkSizes(request);
    await this.options.locks.checkWrite(owner, request.name, request.lock);
    await this.checkReceipts(request);
    if (!(await leases.committed(client, request.fileId))) throw new SendExpiredError(request.name);
    await this.record(manifest, request.baseVersion, request.lock);
    await this.options.sharing?.keepShareKeys(owner, manifest.name, manifest.fileId, manifest.version, request.shareKeys);
    log(`stored "${manifest.name}" v${manifest.version} (${manifest.size} bytes)`);
    return this.summaryOf(manifest);
  }

  /**
   * Makes version `request.version` the file's next version: its segments, where they are now,
   * under the manifest the client sealed anew for the new version. No byte moves.
   */
  async restore(owner: string, request: RestoreRequest): Promise<FileSummary> {
    const { directory, clock, log } = this.options;
    await this.options.locks.checkWrite(owner, request.name, request.lock);
    const file = await directory.findFile(owner, request.name);
    if (!file) throw new FileNotFoundError(request.name);
    const old = await directory.getManifest(file.fileId, request.version);
    if (!old) throw new VersionNotFoundError(request.name, request.version);
    if (old.sealed !== undefined && request.sealed === undefined) throw new ValidationError('an encrypted file is restored with its manifest sealed anew for the new version');
    const manifest: Manifest = { ...old, version: request.baseVersion + 1, createdAt: clock.now() };
    // The old version's sealed part is bound to that version: the client's, sealed anew, replaces it.
    if (request.sealed === undefined) delete manifest.sealed;
    else manifest.sealed = request.sealed;
    await this.record(manifest, request.baseVersion, request.lock);
    await this.options.sharing?.keepShareKeys(owner, manifest.name, manifest.fileId, manifest.version, request.shareKeys);
    log(`restored v${request.version} of "${manifest.name}" as v${manifest.version}`);
    return this.summaryOf(manifest);
  }

  /** What a commit or a restore answers with: the new version's summary, its holders' health as of now. */
  private async summaryOf(manifest: Manifest): Promise<FileSummary> {
    return summarize({ ...manifest, wanted: replicationOf(manifest), holders: manifest.segments.map((segment) => segment.holders) }, await this.options.registry.statuses());
  }

  /**
   * Commits `manifest` on `baseVersion` (under the lock `fence` names, if any), then forgets the
   * versions past the newest keepVersions and has their holders drop what only those named.
   */
  private async record(manifest: Manifest, baseVersion: number, fence: number | undefined): Promise<void> {
    const { directory, keepVersions, log } = this.options;
    if (!(await directory.commitVersion(manifest, baseVersion, fence))) {
      const current = await directory.findFile(manifest.owner, manifest.name);
      if (fence !== undefined && (current?.fence ?? 0) > fence) throw new LockLapsedError(manifest.name, fence);
      throw new VersionConflictError(manifest.name, baseVersion, current?.version ?? 0);
    }
    const pruned = await directory.pruneVersions(manifest.fileId, keepVersions).catch((error: unknown) => {
      // The version is committed; the next commit prunes what this one could not.
      log(`could not forget old versions: ${String(error)}`);
      return { versions: 0, drops: [] };
    });
    if (pruned.versions > 0) log(`forgot ${pruned.versions} old versions of "${manifest.name}"`);
    for (const drop of pruned.drops) this.options.dropsQueued(drop.peer);
  }

  /**
   * Each segment's plain bytes are its share of the file, and its stored bytes fit a segment
   * (plus a codec's framing): a manifest of 5 bytes naming a 300 KiB segment is refused.
   */
  private checkSizes(request: CommitRequest): void {
    request.segments.forEach((segment, index) => {
      const { start, end } = segmentRange(request.size, index, request);
      if (segment.plainSize !== end - start) throw new ValidationError(`segment ${index} of a ${request.size}-byte file holds ${end - start} bytes, not ${segment.plainSize}`);
      if (segment.storedSize > maxStoredChunks(request) * request.chunkSize) throw new ValidationError(`segment ${index} claims ${segment.storedSize} stored bytes, more than a segment can hold`);
    });
  }

  /**
   * Every holder the commit names must have told the master itself that it sealed that segment,
   * with as many chunks as the segment's stored size needs: the client's word is not enough.
   */
  private async checkReceipts(request: CommitRequest): Promise<void> {
    const { receipts, receiptWaitMs = RECEIPT_WAIT_MS } = this.options;
    const deadline = this.options.clock.now() + receiptWaitMs;
    for (const [index, segment] of request.segments.entries()) {
      const holders = segment.holders.map(asPeerId);
      const confirmed = await receipts.confirmed(segment.listHash, holders, Math.max(0, deadline - this.options.clock.now()));
      const chunks = Math.ceil(segment.storedSize / request.chunkSize);
      for (const holder of holders) {
        const reported = confirmed.get(holder);
        if (reported === undefined) throw new UnconfirmedSegmentError(`peer ${holder.slice(0, 8)} never confirmed storing segment ${index} (${segment.listHash.slice(0, 12)}…)`);
        if (reported !== chunks) throw new UnconfirmedSegmentError(`peer ${holder.slice(0, 8)} sealed segment ${index} with ${reported} chunks, not the ${chunks} the commit names`);
      }
    }
  }

  /** A client's socket joined: its open sends are its again. */
  clientConnected(client: PeerId): Promise<void> {
    return this.inOrder(() => this.options.leases.connected(client));
  }

  /** A client's socket closed: its sends stay open for the grace period, in case it comes back. */
  clientDisconnected(client: PeerId): Promise<void> {
    const now = this.options.clock.now();
    return this.inOrder(() => this.options.leases.disconnected(client, now));
  }

  private inOrder(change: () => Promise<void>): Promise<void> {
    const run = this.socketEvents.then(change);
    this.socketEvents = run.catch(() => undefined);
    return run;
  }
}
