/**
 * What a storage peer does with data-channel requests. Every chunk is hashed on the way in and
 * on the way out; a request naming `next` replicas is forwarded down that chain and answered
 * only once the whole chain has answered, so an acknowledged write is on every replica.
 */
import { HashBloomFilter } from './bloom.js';
import { HASH_BYTES, splitChunkList } from '../chunking/chunk-list.js';
import { bytesEqual, fromHex, toHex } from '../bytes.js';
import { ChunkCorruptError, ChunkNotFoundError, QuotaExceededError, SegmentIncompleteError, ValidationError } from '../errors.js';
import { batchChunks, chunkBatchWriter, decodeChunkBatch, hashName, type RawChunk } from '../wire/frame.js';
import type { ZodType } from 'zod';
import type { Hasher } from '../codec/hasher.js';
import { asPeerId, type HashBytes, type PeerId } from '../ids.js';
import { MAX_PIN_REPORT, type PinReport } from '../wire/signal-protocol.js';
import type { PeerStore, StoredChunk } from '../stores/chunk-store.js';
import type { IncomingRequest, RpcConnection } from '../transport/rpc.js';
import { FrameType, offerReplySchema, parseMeta, putReplySchema, sealReplySchema, segmentRequestSchema, type SegmentRequest } from '../wire/peer-protocol.js';

/** At most this many chunks may be asked for in one Get (a full default segment is 1024). */
export const MAX_GET_CHUNKS = 16384;
/**
 * Chunks a Get reads from the store at once, the next slice while this one is sent: a quarter
 * segment, four IndexedDB transactions per segment where 60-chunk slices took seventeen. A
 * browser download of 64 MiB cost ~25% less CPU; whole segments (1024) made the first bytes
 * wait and node receives slower.
 */
export const GET_SLICE_CHUNKS = 256;
const PIN_PREFIX = 'pin:';
/** Segments whose Push outcomes are remembered while awaiting their Seal (~100 KiB each). */
const MAX_TRACKED_SEGMENTS = 256;
/** Garbage collection starts only after this long without a write, so it rarely waits on one. */
export const GC_QUIET_MS = 60_000;
/** A segment offered but not sealed for this long was abandoned (its client failed or left). */
export const ABANDONED_SEGMENT_MS = 10 * 60_000;
/** Chunks deleted per store call while collecting. */
const GC_DELETE_BATCH = 4096;
/** A scan's sorted pins serve its later pages for this long; a scan past it lists them again. */
const PIN_SCAN_REUSE_MS = 10 * 60_000;
const WRITE_TYPES: ReadonlySet<number> = new Set([FrameType.Offer, FrameType.Put, FrameType.Push, FrameType.Seal]);

export interface StoragePeerOptions {
  selfId: PeerId;
  store: PeerStore;
  hasher: Hasher;
  /** Opens (or reuses) a connection to another peer, for forwarding. */
  connect(peer: PeerId): Promise<RpcConnection>;
  /** Milliseconds since the epoch; injected so tests can age segments. */
  now?: () => number;
}

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
interface Written {
  durable: Promise<void>;
}

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

/**
 * One write of a segment: its list and the chain it goes down. A client that hedges writes the
 * same segment down two chains at once; each Seal must wait only for its own chain's pushes,
 * not for the other chain's, which may be the stalled one.
 */
const writeKey = (request: SegmentRequest): string => `${request.list}>${request.next.join(',')}`;

/**
 * Pushes in progress and the first failure, by segment write, until its Seal asks. Entries
 * without pending work are forgotten past MAX_TRACKED_SEGMENTS.
 */
class PushTracker {
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

  private startSegment(key: string): TrackedSegment {
    this.forgetOldest();
    const segment: TrackedSegment = { arriving: new Set(), committing: new Set(), touchedAt: this.now() };
    this.segments.set(key, segment);
    return segment;
  }

  /** Forgets segments idle since before `cutoff`; true if none is left in progress. */
  forgetIdleSince(cutoff: number): boolean {
    for (const [key, segment] of this.segments) {
      if (segment.arriving.size === 0 && segment.committing.size === 0 && segment.touchedAt < cutoff) this.segments.delete(key);
    }
    return this.segments.size === 0;
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

export class StoragePeer {
  private readonly options: StoragePeerOptions;
  private readonly now: () => number;
  private readonly pushes: PushTracker;
  private lastWriteAt = 0;
  private isFull = false;
  /** Set while collecting garbage: writes wait for it, so none lands on a doomed chunk. */
  private collecting: Promise<void> | undefined;
  /** Seals in progress: a segment between its chunk check and its pin must not be collected. */
  private sealing = 0;
  /** The sorted pins of the master's scan in progress, and when they were listed. */
  private pinScan: { lists: string[]; at: number } | undefined;

  constructor(options: StoragePeerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.pushes = new PushTracker(this.now);
  }

  /** The RequestHandler the connection pool attaches to every connection. */
  readonly handle = async (request: IncomingRequest): Promise<void> => {
    if (WRITE_TYPES.has(request.type)) {
      this.lastWriteAt = this.now();
      if (this.collecting) await this.collecting;
    }
    return this.dispatch(request);
  };

  /**
   * A write to this peer's own store: a refusal for lack of space marks the peer full (the
   * same error relayed from the next replica says nothing about this one).
   */
  private spaceWatched(write: Promise<void>): Promise<void> {
    return write.catch((error: unknown) => {
      if (error instanceof QuotaExceededError) this.isFull = true;
      throw error;
    });
  }

  /** True once the store refused a write for lack of space, until space is freed here. */
  get full(): boolean {
    return this.isFull;
  }

  private async dispatch(request: IncomingRequest): Promise<void> {
    switch (request.type) {
      case FrameType.Offer:
        return request.reply(await this.offer(this.parseChain(request.meta, 'offer'), request.body));
      case FrameType.Put:
        return request.reply(await this.put(this.parseChain(request.meta, 'put'), request.body));
      case FrameType.Push:
        return this.push(this.parseChain(request.meta, 'push'), request.body);
      case FrameType.Seal:
        return request.reply(await this.seal(this.parseChain(request.meta, 'seal')));
      case FrameType.Get:
        return this.get(request);
      default:
        throw new ValidationError(`unknown request type ${request.type}`);
    }
  }

  /** A replication chain must not loop back here or name a peer twice: each copy counts once. */
  private parseChain(meta: unknown, what: string): SegmentRequest {
    const request = parseMeta(segmentRequestSchema, meta, what);
    if (request.next.includes(this.options.selfId) || new Set(request.next).size !== request.next.length) {
      throw new ValidationError(`invalid ${what}: the replica chain repeats a peer`);
    }
    return request;
  }

  async offer(request: SegmentRequest, listBytes: Uint8Array): Promise<{ missing: number[] }> {
    const [digest] = await this.options.hasher.sha256Many([listBytes]);
    if (toHex(digest!) !== request.list) throw new ChunkCorruptError(request.list, toHex(digest!));
    const hashes = splitChunkList(listBytes);
    const downstream = this.forward(request, FrameType.Offer, listBytes, offerReplySchema);
    // Durable by the segment's Seal, which waits for it like a push.
    const list = { hash: digest!, bytes: listBytes };
    void this.pushes.track(writeKey(request), Promise.resolve(), Promise.resolve({ durable: this.spaceWatched(this.options.store.putMany([list], { lazy: true })) }));
    const held = await this.options.store.hasMany(hashes);
    const missing = new Set<number>();
    held.forEach((has, index) => { if (!has) missing.add(index); });
    for (const index of (await downstream)?.missing ?? []) missing.add(index);
    return { missing: [...missing].sort((a, b) => a - b) };
  }

  async put(request: SegmentRequest, body: Uint8Array): Promise<{ stored: number; replicas: number }> {
    const verified = await this.verifyBatch(body);
    // Forward first so the next replica works while this one writes.
    const downstream = this.forward(request, FrameType.Put, body, putReplySchema);
    await this.spaceWatched(this.options.store.putMany(verified));
    const replicas = 1 + ((await downstream)?.replicas ?? 0);
    return { stored: verified.length, replicas };
  }

  /**
   * Stores a batch nobody waits for: it is forwarded down the chain the same way, and its
   * outcome is kept for the segment's Seal, which waits for it and reports its failure.
   */
  push(request: SegmentRequest, body: Uint8Array): Promise<void> {
    const verified = this.verifyBatch(body);
    const hop = this.nextHop(request);
    // As in put: the next replica receives while this one writes.
    const forwarded = verified.then(() => hop && this.options.connect(hop.peer).then((connection) => connection.notify(FrameType.Push, hop.request, body)));
    // Lazy: the Seal commits the whole segment at once, far cheaper than a commit per batch.
    const written = verified.then((chunks) => ({ durable: this.spaceWatched(this.options.store.putMany(chunks, { lazy: true })) }));
    return this.pushes.track(writeKey(request), forwarded, written);
  }

  private async verifyBatch(body: Uint8Array): Promise<StoredChunk[]> {
    const chunks = decodeChunkBatch(body);
    const digests = await this.options.hasher.sha256Many(chunks.map((chunk) => chunk.bytes));
    chunks.forEach((chunk, i) => {
      if (!bytesEqual(chunk.hash, digests[i]!)) throw new ChunkCorruptError(hashName(chunk.hash), toHex(digests[i]!));
    });
    return chunks;
  }

  async seal(request: SegmentRequest): Promise<{ holders: string[] }> {
    this.sealing++;
    try {
      return await this.sealCounted(request);
    } finally {
      this.sealing--;
    }
  }

  private async sealCounted(request: SegmentRequest): Promise<{ holders: string[] }> {
    // Pushes of this segment still being verified or forwarded go first, on this replica and,
    // because the channel keeps order, on the next.
    const store = this.options.store;
    const failed = await this.pushes.arrived(writeKey(request));
    if (failed) throw failed;
    // The next replica's channel now has every push before this Seal; it stores while we do.
    const downstream = this.forward(request, FrameType.Seal, undefined, sealReplySchema);
    const [listBytes] = await store.getMany([fromHex(request.list)]);
    if (!listBytes) throw new ChunkNotFoundError(request.list);
    const hashes = splitChunkList(listBytes);
    // Lazy puts are readable at once, so this sees every push that arrived.
    const absent = (await store.hasMany(hashes)).filter((has) => !has).length;
    if (absent > 0) throw new SegmentIncompleteError(request.list, absent, hashes.length);
    // The pin shares the segment's commit: one transaction makes both durable, or neither.
    // Its value is when: the master asks for old pins to find those of abandoned sends.
    const pinned = this.spaceWatched(store.setMeta(PIN_PREFIX + request.list, String(this.now()), { lazy: true }));
    // A failed commit fails the pushes and the pin as well, which report it below.
    pinned.catch(() => undefined);
    store.commit().catch(() => undefined);
    const failure = await this.pushes.committed(writeKey(request));
    if (failure) throw failure;
    await pinned;
    return { holders: [this.options.selfId, ...((await downstream)?.holders ?? [])] };
  }

  private async get(request: IncomingRequest): Promise<void> {
    const body = request.body;
    if (body.length % HASH_BYTES !== 0) throw new ValidationError(`get body of ${body.length} bytes is not a list of hashes`);
    if (body.length / HASH_BYTES > MAX_GET_CHUNKS) throw new ValidationError(`at most ${MAX_GET_CHUNKS} chunks per get`);
    // The slice from `start`, read and checked; the next one is read while this one goes out.
    const readSlice = (start: number): Promise<RawChunk[]> | undefined =>
      start * HASH_BYTES >= body.length ? undefined : this.readVerified(body.subarray(start * HASH_BYTES, (start + GET_SLICE_CHUNKS) * HASH_BYTES));
    let next = readSlice(0);
    for (let start = 0; next; start += GET_SLICE_CHUNKS) {
      const chunks = await next;
      next = readSlice(start + GET_SLICE_CHUNKS);
      next?.catch(() => undefined); // observed on the next turn, unless this slice's send fails first
      for (const batch of batchChunks(chunks)) await request.data(chunkBatchWriter(batch), false);
    }
    await request.data(new Uint8Array(0), true);
  }

  /**
   * Reads the chunks `list` names (32-byte hashes, back to back) and checks each against its
   * name, as bytes as verifyBatch does, before it is served.
   */
  private async readVerified(list: Uint8Array): Promise<RawChunk[]> {
    const names = splitChunkList(list);
    const found = await this.options.store.getMany(names);
    const missingIndex = found.findIndex((bytes) => bytes === undefined);
    if (missingIndex >= 0) throw new ChunkNotFoundError(hashName(names[missingIndex]!));
    const bytes = found as Uint8Array[];
    const digests = await this.options.hasher.sha256Many(bytes);
    return names.map((name, i) => {
      const digest = digests[i]!;
      if (!bytesEqual(digest, name)) {
        // A bad replica: forget the chunk so repair can replace it, and tell the reader.
        void this.options.store.deleteMany([name]);
        throw new ChunkCorruptError(hashName(name), toHex(digest));
      }
      return { hash: digest, bytes: bytes[i]! };
    });
  }

  /**
   * Segments pinned at least `olderThanMs` ago, in list order after `after`, at most
   * MAX_PIN_REPORT of them. The master pages through them from `after` = '': the pins are
   * listed and sorted once per scan, not once per page, which for a peer holding a million
   * segments made each scan sort them 245 times.
   */
  async oldPins(olderThanMs: number, after = ''): Promise<PinReport> {
    const now = this.now();
    if (after === '' || !this.pinScan || now - this.pinScan.at > PIN_SCAN_REUSE_MS) {
      const lists = (await this.options.store.metaKeys(PIN_PREFIX)).map((key) => key.slice(PIN_PREFIX.length)).sort();
      this.pinScan = { lists, at: now };
    }
    const lists = this.pinScan.lists;
    const pins: PinReport['pins'] = [];
    // Pins dropped since the listing have no age and are skipped; newer ones are too young.
    for (let i = firstAfter(lists, after); i < lists.length; i++) {
      if (pins.length === MAX_PIN_REPORT) return { pins, more: true };
      const ageMs = await this.pinAgeMs(lists[i]!, now);
      if (ageMs !== undefined && ageMs >= olderThanMs) pins.push({ list: lists[i]!, ageMs });
    }
    this.pinScan = undefined;
    return { pins, more: false };
  }

  /**
   * How long ago segment `list` was pinned (undefined if it is not). Pins made before pins held
   * their time count as oldest.
   */
  private async pinAgeMs(list: string, now: number): Promise<number | undefined> {
    const value = await this.options.store.getMeta(PIN_PREFIX + list);
    if (value === undefined) return undefined;
    const pinnedAt = Number(value);
    return Math.max(0, Math.floor(now - (Number.isFinite(pinnedAt) ? pinnedAt : 0)));
  }

  /** Unpins segments the master dropped and deletes chunks no remaining segment uses. */
  async dropSegments(lists: readonly string[]): Promise<number> {
    const store = this.options.store;
    for (const list of lists) await store.deleteMeta(PIN_PREFIX + list);
    // By hex name: a Set compares strings by value, byte arrays by identity.
    const keep = new Set<string>();
    await this.addPinnedChunks({ add: (hash) => keep.add(toHex(hash)) });
    const doomed = new Map<string, HashBytes>();
    const doom = (hash: HashBytes): void => {
      const name = toHex(hash);
      if (!keep.has(name)) doomed.set(name, hash);
    };
    for (const list of lists) {
      if (keep.has(list)) continue;
      const listHash = fromHex(list);
      const [bytes] = await store.getMany([listHash]);
      doom(listHash);
      if (bytes) splitChunkList(bytes).forEach(doom);
    }
    await store.deleteMany([...doomed.values()]);
    if (doomed.size > 0) this.isFull = false;
    return doomed.size;
  }

  /**
   * Deletes chunks that no pinned segment uses: those of sends that failed or were abandoned
   * before their Seal, which no master order will ever drop. Like IPFS's GC it holds writes
   * off while it runs; it skips its turn (undefined) while the peer has had a write in the last
   * GC_QUIET_MS or a segment is between Offer and Seal. The set of chunks to keep is a Bloom
   * filter, ~10 bits per chunk: a false positive keeps a stray chunk until the next run, and
   * there are no false negatives, so a pinned chunk is never deleted.
   */
  async collectGarbage(): Promise<number | undefined> {
    if (this.now() - this.lastWriteAt < GC_QUIET_MS) return undefined;
    return this.exclusive(() => this.sweep());
  }

  /**
   * Drops segments the master judged abandoned (sealed, yet used by no file and no open send),
   * except any sealed again since: its pin is younger than `olderThanMs` now. Runs as a
   * collection does, and skips its turn (undefined) while a segment is being written.
   */
  async dropAbandoned(lists: readonly string[], olderThanMs: number): Promise<number | undefined> {
    return this.exclusive(async () => {
      const now = this.now();
      const stillOld: string[] = [];
      for (const list of lists) {
        const ageMs = await this.pinAgeMs(list, now);
        if (ageMs !== undefined && ageMs >= olderThanMs) stillOld.push(list);
      }
      return this.dropSegments(stillOld);
    });
  }

  /**
   * Runs `work` with writes held off (they wait in `handle`), unless a segment is between Offer
   * and Seal, a Seal is running or another collection is: then it skips its turn (undefined).
   */
  private async exclusive(work: () => Promise<number>): Promise<number | undefined> {
    if (this.collecting || this.sealing > 0) return undefined;
    if (!this.pushes.forgetIdleSince(this.now() - ABANDONED_SEGMENT_MS)) return undefined;
    let finish = (): void => undefined;
    this.collecting = new Promise((resolve) => (finish = resolve));
    try {
      return await work();
    } finally {
      this.collecting = undefined;
      finish();
    }
  }

  private async sweep(): Promise<number> {
    const store = this.options.store;
    const keep = new HashBloomFilter((await store.stats()).chunks);
    // Without its list a pinned segment's chunks cannot be told apart: delete nothing.
    if (!(await this.addPinnedChunks(keep))) return 0;
    let deleted = 0;
    let doomed: HashBytes[] = [];
    const flush = async (): Promise<void> => {
      await store.deleteMany(doomed);
      deleted += doomed.length;
      doomed = [];
    };
    for await (const hash of store.keys()) {
      if (keep.mayContain(hash)) continue;
      doomed.push(hash);
      if (doomed.length >= GC_DELETE_BATCH) await flush();
    }
    await flush();
    if (deleted > 0) this.isFull = false;
    return deleted;
  }

  /**
   * Adds every pinned list, and every chunk it names, to `keep`. False if some pinned list's
   * own bytes are missing, so its chunks could not be added.
   */
  private async addPinnedChunks(keep: { add(hash: HashBytes): void }): Promise<boolean> {
    const store = this.options.store;
    let complete = true;
    for (const key of await store.metaKeys(PIN_PREFIX)) {
      const list = fromHex(key.slice(PIN_PREFIX.length));
      keep.add(list);
      const [bytes] = await store.getMany([list]);
      if (bytes) for (const hash of splitChunkList(bytes)) keep.add(hash);
      else complete = false;
    }
    return complete;
  }

  /**
   * Sends the request to the next replica in the chain. The returned promise is already
   * observed, so a local failure that happens first cannot leave it rejected and unhandled.
   */
  private forward<T>(request: SegmentRequest, type: number, body: Uint8Array | undefined, schema: ZodType<T>): Promise<T | undefined> {
    const hop = this.nextHop(request);
    if (!hop) return Promise.resolve(undefined);
    const reply = (async () => {
      const connection = await this.options.connect(hop.peer);
      const answer = await connection.request(type, hop.request, body);
      return parseMeta(schema, answer.meta, 'reply from the next replica');
    })();
    reply.catch(() => undefined);
    return reply;
  }

  /** The next replica in the chain and the request it gets: the same, minus that replica. */
  private nextHop(request: SegmentRequest): { peer: PeerId; request: SegmentRequest } | undefined {
    const [next, ...rest] = request.next;
    return next === undefined ? undefined : { peer: asPeerId(next), request: { list: request.list, next: rest } };
  }
}

