/**
 * The one client API (store, search, read, delete, status) used by the CLI and the web app.
 * The master says where; bytes go straight to peers over WebRTC. Writes go to each segment's
 * primary, which pipelines them to the backups; only chunks the replicas lack are sent.
 * Reads try the primary, fail over to backups, then ask the master again.
 */
import { encodeChunkList, HASH_BYTES } from '../chunking/chunk-list.js';
import { BufferPool } from '../buffer-pool.js';
import { bytesEqual, fromHex, toHex } from '../bytes.js';
import type { ByteSink, ByteSource, TransferProgress } from './byte-io.js';
import { forEachLimited, Hedger, sleep } from '../concurrency.js';
import { leastQueued, orderByHealth } from './holders.js';
import { ChunkCorruptError, FileNotFoundError, FrameError, MeshError, NoPeersError, ReplicasUnavailableError, ReplicationError, UnauthorizedError, ValidationError, VersionConflictError, isErrorOf } from '../errors.js';
import { batchChunks, chunkBatchWriter, decodeChunkBatch, type RawChunk } from '../wire/frame.js';
import type { Hasher } from '../codec/hasher.js';
import { asChunkHash, asPeerId, type FileId, type PeerId } from '../ids.js';
import { DEFAULT_LAYOUT, segmentCount, segmentRange, splitChunks, type Layout } from '../chunking/layout.js';
import type { FileSummary, Manifest, SegmentRecord } from '../chunking/manifest.js';
import type { MasterConnection } from '../transport/master-connection.js';
import type { LocateResult, MeshState, PlaceResult } from '../wire/signal-protocol.js';
import type { ConnectionPool } from '../transport/pool.js';
import type { RpcConnection } from '../transport/rpc.js';
import { FrameType, offerReplySchema, parseMeta, sealReplySchema } from '../wire/peer-protocol.js';

/**
 * Segments written at once. A write waits for two trips down the replica chain and back (Offer,
 * Seal), so throughput is in-flight bytes over that latency. Measured on a 1 GiB send: 4, 8 and
 * 16 segments sent 7.8, 9.1 and 10.2 MiB/s, at a client peak RSS of 142, 127 and 131 MiB now
 * that read buffers are reused and no per-chunk objects outlive a segment (before that, 8 and
 * 16 took it to 156 and 195 MiB, past the 150 MiB limit).
 */
export const SEND_CONCURRENCY = 16;
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
/** Attempts per segment write; each retry asks the master for a fresh placement. */
export const WRITE_ATTEMPTS = 4;
export const WRITE_RETRY_DELAY_MS = 1_000;
/** A segment read or write is hedged once it takes this many times the typical time... */
export const HEDGE_FACTOR = 4;
/** ...but a read never sooner than this... */
export const HEDGE_MIN_MS = 750;
/** ...and a write, which waits for a whole replica chain, never sooner than this. */
export const WRITE_HEDGE_MIN_MS = 2_000;
/** How long a file's placement is trusted before asking the master again. */
export const PLACEMENT_TTL_MS = 10_000;

export interface ClientOptions {
  master: MasterConnection;
  pool: ConnectionPool;
  hasher: Hasher;
  layout?: Layout;
  placementTtlMs?: number;
  now?: () => number;
}

export interface StoreOptions {
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
}

/** What one attempt at writing a segment tells the send about it. */
interface WriteReport {
  /** Its Offer's answer: how many of the segment's chunks some replica lacks. */
  offered(missing: number): void;
  /** Chunk bytes pushed. */
  moved(bytes: number): void;
}

export interface StoreResult {
  summary: FileSummary;
  /** Chunk bytes sent over the network by this client (a hedged or retried segment counts twice). */
  bytesMoved: number;
  /** Chunks new to the mesh: those some replica lacked when the send offered them. */
  chunksMoved: number;
  chunksTotal: number;
  replication: number;
}

export interface ReadOptions {
  version?: number;
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
}

export class MeshClient {
  private readonly options: ClientOptions;
  private readonly layout: Layout;
  private readonly placements = new Map<string, { result: LocateResult; expires: number }>();
  /** When a segment read, or a segment write, is late enough to be tried a second way. */
  private readonly readHedge = new Hedger({ initialMs: 250, minMs: HEDGE_MIN_MS, factor: HEDGE_FACTOR });
  private readonly writeHedge = new Hedger({ initialMs: 1_000, minMs: WRITE_HEDGE_MIN_MS, factor: HEDGE_FACTOR });

  constructor(options: ClientOptions) {
    this.options = options;
    this.layout = options.layout ?? DEFAULT_LAYOUT;
  }

  /** Stores `source` as `name` (a new version if it exists). Resolves once every segment has R verified copies. */
  async store(name: string, source: ByteSource, options: StoreOptions = {}): Promise<StoreResult> {
    const { master } = this.options;
    const layout = this.layout;
    let place = await master.request('place', { name, size: source.size, ...layout });
    const count = segmentCount(source.size, layout);
    if (count > 0 && place.replication === 0) throw new NoPeersError();
    const records: SegmentRecord[] = new Array<SegmentRecord>(count);
    const progress: TransferProgress = { done: 0, total: source.size, moved: 0 };
    let chunksMoved = 0;
    let chunksTotal = 0;
    const writeSegmentAt = async (index: number, bytes: Uint8Array): Promise<void> => {
      // The list is the one copy of the chunk hashes kept: per-chunk objects that lived through
      // the segment's round trips would be promoted and pile up until a full GC.
      const listBytes = encodeChunkList(await this.options.hasher.sha256Many(splitChunks(bytes, layout.chunkSize)));
      const [listDigest] = await this.options.hasher.sha256Many([listBytes]);
      const list = toHex(listDigest!);
      chunksTotal += listBytes.length / HASH_BYTES;
      // Chunks no replica held: the most any Offer of this segment reported. A later attempt
      // (a hedge or a retry) finds some already pushed by an earlier one, so it reports fewer.
      let newChunks = 0;
      const report: WriteReport = {
        offered: (missing) => (newChunks = Math.max(newChunks, missing)),
        moved: (moved) => {
          progress.moved += moved;
          options.onProgress?.({ ...progress });
        },
      };
      for (let attempt = 1; ; attempt++) {
        const replicas = place.segments[index] ?? [];
        try {
          if (replicas.length === 0) throw new NoPeersError();
          // A losing write stops pushing: its segment's buffer is reused once the winner is done.
          const writeThrough = (chain: PeerId[]) => (lost: AbortSignal) =>
            this.writeSegment(chain, list, listBytes, bytes, layout.chunkSize, options.signal ? AbortSignal.any([options.signal, lost]) : lost, report);
          // Hedged like reads: the same replicas, chained in another order, so over other links.
          const written = await this.writeHedge.run(writeThrough(replicas), replicas.length < 2 ? undefined : writeThrough([...replicas.slice(1), replicas[0]!]));
          chunksMoved += newChunks;
          records[index] = { listHash: asChunkHash(list), plainSize: bytes.length, storedSize: bytes.length, holders: written.holders };
          break;
        } catch (error) {
          if (attempt >= WRITE_ATTEMPTS || options.signal?.aborted || !isRetryable(error)) throw error;
          await sleep(WRITE_RETRY_DELAY_MS * attempt);
          place = await master.request('place', { name, size: source.size, fileId: place.fileId, ...layout });
        }
      }
      progress.done += bytes.length;
      options.onProgress?.({ ...progress });
    };
    // One read buffer per segment in flight. Frames copy the chunks, so a segment's buffer is
    // free again once its writes are over.
    const buffers = new BufferPool(layout.chunkSize * layout.segmentChunks);
    await forEachLimited(count, SEND_CONCURRENCY, async (index) => {
      options.signal?.throwIfAborted();
      const { start, end } = segmentRange(source.size, index, layout);
      const buffer = buffers.take(end - start);
      try {
        await writeSegmentAt(index, await source.read(start, end - start, buffer));
      } finally {
        buffers.give(buffer);
      }
    });
    const summary = await master.request('commit', {
      fileId: place.fileId,
      name,
      baseVersion: place.baseVersion,
      size: source.size,
      ...layout,
      segments: records,
    });
    this.placements.delete(name);
    return { summary, bytesMoved: progress.moved, chunksMoved, chunksTotal, replication: place.replication };
  }

  /** Files whose name contains `query` (all files without one). */
  async search(query = ''): Promise<FileSummary[]> {
    const files = await this.options.master.request('list', {});
    const needle = query.toLowerCase();
    return files.filter((file) => file.name.toLowerCase().includes(needle));
  }

  /** Streams the file named `name` into `sink`, verifying every chunk. */
  async read(name: string, sink: ByteSink, options: ReadOptions = {}): Promise<Manifest> {
    let located = await this.locate(name, options.version);
    const manifest = located.manifest;
    const count = manifest.segments.length;
    const progress: TransferProgress = { done: 0, total: manifest.size, moved: 0 };
    const inFlight = new Map<number, Promise<Uint8Array>>();
    // Only segments the sink has taken go back: a hedged read's loser may still be filling its own.
    const buffers = new BufferPool(manifest.chunkSize * manifest.segmentChunks);
    const queued = new Map<PeerId, number>();
    let started = 0;
    let written = 0;
    let stopped = false;
    let wake: (() => void) | undefined;
    // A peer's count drops when its own attempt ends: one a hedge overtook still occupies it.
    const fetchSegment = async (index: number, holders: readonly PeerId[], first: PeerId | undefined): Promise<Uint8Array> => {
      const settled =
        first &&
        ((): void => {
          queued.set(first, queued.get(first)! - 1);
          startMore();
          wake?.();
        });
      try {
        return await this.readSegment(manifest, holders, index, buffers, options.signal, settled);
      } catch (error) {
        if (options.signal?.aborted || !isRetryable(error)) throw error;
        this.placements.delete(name);
        located = await this.locate(name, manifest.version);
        return this.readSegment(manifest, orderByHealth(manifest.segments[index]!.holders, located.status), index, buffers, options.signal);
      }
    };
    // Starts the window's next segments while a holder of each has room, on the holder with the
    // fewest reads queued (the primary among equals). A segment whose holders are all busy waits
    // for one of their reads to end.
    const startMore = (): void => {
      while (!stopped && started < count && started < written + READ_AHEAD_SEGMENTS) {
        const holders = orderByHealth(manifest.segments[started]!.holders, located.status);
        const first = leastQueued(holders, located.status, queued, READS_PER_PEER);
        if (first === undefined && holders.length > 0) return;
        if (first !== undefined) queued.set(first, (queued.get(first) ?? 0) + 1);
        const order = first === undefined ? holders : [first, ...holders.filter((holder) => holder !== first)];
        const pending = fetchSegment(started, order, first);
        pending.catch(() => undefined); // observed below, in order
        inFlight.set(started++, pending);
      }
    };
    try {
      for (let index = 0; index < count; index++) {
        startMore();
        // Only while every holder of this segment has its fill of earlier reads.
        while (!inFlight.has(index)) await new Promise<void>((resolve) => (wake = resolve));
        const bytes = await inFlight.get(index)!;
        inFlight.delete(index);
        written++;
        await sink.write(bytes);
        buffers.give(bytes);
        progress.done += bytes.length;
        progress.moved += bytes.length;
        options.onProgress?.({ ...progress });
      }
    } finally {
      stopped = true;
      inFlight.clear();
    }
    return manifest;
  }

  async delete(name: string): Promise<number> {
    this.placements.delete(name);
    const { removed } = await this.options.master.request('remove', { name });
    return removed;
  }

  status(): Promise<MeshState> {
    return this.options.master.request('status', {});
  }

  private async locate(name: string, version?: number): Promise<LocateResult> {
    const now = this.options.now?.() ?? Date.now();
    const key = version === undefined ? name : `${name}@${version}`;
    const cached = this.placements.get(key);
    if (cached && cached.expires > now) return cached.result;
    const result = await this.options.master.request('locate', version === undefined ? { name } : { name, version });
    this.placements.set(key, { result, expires: now + (this.options.placementTtlMs ?? PLACEMENT_TTL_MS) });
    return result;
  }

  private async writeSegment(
    replicas: PeerId[],
    list: string,
    listBytes: Uint8Array,
    bytes: Uint8Array,
    chunkSize: number,
    signal: AbortSignal | undefined,
    report: WriteReport,
  ): Promise<{ holders: PeerId[] }> {
    const [primary, ...backups] = replicas as [PeerId, ...PeerId[]];
    const connection = await this.options.pool.connect(primary);
    const request = { list, next: backups };
    const offer = parseMeta(offerReplySchema, (await connection.request(FrameType.Offer, request, listBytes)).meta, 'offer reply');
    const count = listBytes.length / HASH_BYTES;
    const missing = offer.missing.filter((index) => index < count);
    report.offered(missing.length);
    // Views made batch by batch, as they are sent (see store).
    const chunksOf = function* (): Generator<RawChunk> {
      for (const index of missing) {
        yield { hash: listBytes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES), bytes: bytes.subarray(index * chunkSize, (index + 1) * chunkSize) };
      }
    };
    // Batches are pushed without replies; the Seal reports whether every replica stored them.
    for (const batch of batchChunks(chunksOf())) {
      signal?.throwIfAborted();
      await connection.notify(FrameType.Push, request, chunkBatchWriter(batch));
      report.moved(batch.reduce((sum, chunk) => sum + chunk.bytes.length, 0));
    }
    const seal = parseMeta(sealReplySchema, (await connection.request(FrameType.Seal, request)).meta, 'seal reply');
    if (seal.holders.length < replicas.length) throw new ReplicationError(list, seal.holders.length, replicas.length);
    return { holders: seal.holders.map(asPeerId) };
  }

  /**
   * Hedged read (as HDFS does): a segment usually arrives in a few hundred milliseconds, but a
   * data channel now and then stalls for seconds (measured: 4-8 s, about one read in ten). If
   * the first holder has not delivered within HEDGE_FACTOR times the recent typical time, the
   * next holder is asked too and the first complete, verified copy wins.
   */
  private readSegment(manifest: Manifest, holders: readonly PeerId[], index: number, buffers: BufferPool, signal: AbortSignal | undefined, firstSettled?: () => void): Promise<Uint8Array> {
    return this.readHedge.run(
      () => {
        const attempt = this.readSegmentFrom(manifest, holders, index, buffers, signal);
        if (firstSettled) attempt.then(firstSettled, firstSettled);
        return attempt;
      },
      holders.length < 2 ? undefined : () => this.readSegmentFrom(manifest, [...holders.slice(1), holders[0]!], index, buffers, signal),
    );
  }

  private async readSegmentFrom(manifest: Manifest, holders: readonly PeerId[], index: number, buffers: BufferPool, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const record = manifest.segments[index]!;
    if (record.storedSize > manifest.chunkSize * manifest.segmentChunks) throw new ChunkCorruptError(record.listHash, 'a segment larger than the layout allows');
    const out = buffers.take(record.storedSize);
    let list: Uint8Array | undefined;
    let filled = 0; // chunks verified and placed, in order
    let lastError: unknown;
    for (const holder of holders) {
      signal?.throwIfAborted();
      try {
        const connection = await this.options.pool.connect(holder);
        if (!list) {
          const [listBytes] = await this.fetchChunks(connection, fromHex(record.listHash), undefined);
          if (listBytes!.length % HASH_BYTES !== 0) throw new ChunkCorruptError(record.listHash, 'a list of the wrong length');
          list = listBytes!;
        }
        await this.fetchChunks(connection, list.subarray(filled * HASH_BYTES), (bytes) => {
          const offset = filled * manifest.chunkSize;
          if (offset + bytes.length > out.length) throw new FrameError('segment data is longer than its manifest says');
          out.set(bytes, offset);
          filled++;
        });
        const expected = Math.ceil(record.storedSize / manifest.chunkSize);
        if (list.length / HASH_BYTES !== expected) throw new ChunkCorruptError(record.listHash, 'a list of the wrong length');
        return out;
      } catch (error) {
        lastError = error;
        if (!isRetryable(error)) throw error;
      }
    }
    const what = `segment ${index} of "${manifest.name}"`;
    if (lastError instanceof NoPeersError) throw lastError;
    throw new ReplicasUnavailableError(what, { cause: lastError });
  }

  /**
   * Gets the chunks named in `list` (32-byte hashes, back to back) from one peer, verifying
   * each against its name; with `onChunk` chunks are handed over as they arrive, otherwise
   * they are returned.
   */
  private async fetchChunks(connection: RpcConnection, list: Uint8Array, onChunk: ((bytes: Uint8Array) => void) | undefined): Promise<Uint8Array[]> {
    const collected: Uint8Array[] = [];
    const count = list.length / HASH_BYTES;
    let position = 0;
    await connection.request(FrameType.Get, undefined, list, {
      onData: async (body) => {
        const chunks = decodeChunkBatch(body);
        const digests = await this.options.hasher.sha256Many(chunks.map((chunk) => chunk.bytes));
        chunks.forEach((chunk, i) => {
          if (position >= count) throw new FrameError('peer sent more chunks than were asked for');
          const expected = list.subarray(position * HASH_BYTES, (position + 1) * HASH_BYTES);
          if (!bytesEqual(chunk.hash, expected) || !bytesEqual(digests[i]!, expected)) throw new ChunkCorruptError(toHex(expected), toHex(digests[i]!));
          position++;
          if (onChunk) onChunk(chunk.bytes);
          else collected.push(chunk.bytes.slice());
        });
      },
    });
    if (position !== count) throw new FrameError(`peer sent ${position} of ${count} chunks`);
    return collected;
  }
}

/** Errors another replica or a fresh placement might cure. */
function isRetryable(error: unknown): boolean {
  if (!(error instanceof MeshError)) return true;
  // ERR_QUOTA_EXCEEDED is a full peer: the master places around it once the peer says so.
  return !isErrorOf(error, ValidationError, FileNotFoundError, UnauthorizedError, VersionConflictError);
}

export type { FileId, PlaceResult };
