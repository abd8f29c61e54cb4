/**
 * The one client API (store, search, read, delete, status) used by the CLI and the web app,
 * built by createClient. A pipeline of small parts: a send reads each segment from the source,
 * encodes it (the segment codec), chunks and hashes the stored bytes and hands them to the
 * segment writer, hedged and retried with fresh placements; a read lets the read scheduler pick
 * segments and holders, fetches stored bytes with the segment reader, decodes them and streams
 * them to the sink in order. The master says where; bytes go straight to peers.
 */
import { encodeChunkList, HASH_BYTES } from '../chunking/chunk-list.js';
import { BufferPool } from '../buffer-pool.js';
import { toHex } from '../bytes.js';
import { sleepOn, type Clock } from '../clock.js';
import type { Hasher } from '../codec/hasher.js';
import { IDENTITY_CODEC_NAME, manifestCodecName, type SegmentCodec } from '../codec/segment-codec.js';
import { bindingOf, openSealedRead, prepareSealedWrite, revealState, revealSummaries, withName, type Sealing, type SharedTarget } from './sealing.js';
import { FileNames, wireRequest, type WireFile } from './file-names.js';
import { FileOps } from './file-ops.js';
import { Keyring } from './keyring.js';
import { searchFiles, type SearchOptions } from './file-search.js';
import { LocalChunks } from './local-chunks.js';
import { forEachLimited, untilAborted, type HedgeOptions, type Hedger } from '../concurrency.js';
import { ChunkCorruptError, FileNotFoundError, isErrorOf, NoPeersError, UnconfirmedSegmentError, ValidationError } from '../errors.js';
import { asChunkHash, type FileId, type PeerId } from '../ids.js';
import { segmentBytes, segmentCount, segmentRange, splitChunks, type Layout } from '../chunking/layout.js';
import type { FileSummary, Manifest, SegmentRecord } from '../chunking/manifest.js';
import type { LocateResult, LockGrant, MeshState, PlaceResult, ShareView, VersionSummary } from '../wire/signal-protocol.js';
import type { ByteSink, ByteSource, TransferProgress } from './byte-io.js';
import type { MasterPort } from './master-port.js';
import type { ConnectPeer } from './peer-connection.js';
import { HEDGE_FACTOR, hedgeOrder, ReadScheduler, type ScheduledRead } from './read-scheduler.js';
import { isRetryable } from './retryable.js';
import type { SegmentReader } from './segment-reader.js';
import { writeSegment, type StoredSegment } from './segment-writer.js';

/**
 * Segments written at once. A write waits for two trips down the replica chain and back (Offer,
 * Seal), so throughput is in-flight bytes over that latency. Measured on a 1 GiB send: 4, 8 and
 * 16 segments sent 7.8, 9.1 and 10.2 MiB/s, at a client peak RSS of 142, 127 and 131 MiB now
 * that read buffers are reused and no per-chunk objects outlive a segment (before that, 8 and
 * 16 took it to 156 and 195 MiB, past the 150 MiB limit).
 */
export const SEND_CONCURRENCY = 16;
/** Attempts per segment write; each retry asks the master for a fresh placement. */
export const WRITE_ATTEMPTS = 4;
export const WRITE_RETRY_DELAY_MS = 1_000;
/**
 * A commit refused for a receipt not in yet is sent again this many times in all, this far
 * apart: after a master restart, a tab's storage peer on a loaded machine took over 20 s to rejoin
 * and send its receipts again.
 */
export const COMMIT_ATTEMPTS = 8;
export const COMMIT_RETRY_DELAY_MS = 2_000;
/** A write, which waits for a whole replica chain, is never hedged sooner than this. */
export const WRITE_HEDGE_MIN_MS = 2_000;
/** The typical segment write assumed before any has been timed. */
export const WRITE_TYPICAL_INITIAL_MS = 1_000;
/** Hedged like reads: the same replicas, chained in another order, so over other links. */
export const WRITE_HEDGE: HedgeOptions = { initialMs: WRITE_TYPICAL_INITIAL_MS, minMs: WRITE_HEDGE_MIN_MS, factor: HEDGE_FACTOR };
/** How long a file's placement is trusted before asking the master again. */
export const PLACEMENT_TTL_MS = 10_000;

/** Everything a MeshClient works with, each part chosen by createClient. */
export interface ClientParts {
  master: MasterPort;
  connect: ConnectPeer;
  hasher: Hasher;
  codec: SegmentCodec;
  layout: Layout;
  clock: Clock;
  /**
   * The user's keys: names, sizes and chunks are sealed before they leave (sealing.ts). Without
   * it files travel as they are, under `codec` (unit tests, and the bench's row without
   * encryption).
   */
  sealing?: Sealing;
  reader: SegmentReader;
  /** When a segment read, or a segment write, is late enough to be tried a second way. */
  readHedge: Hedger;
  writeHedge: Hedger;
}

export interface StoreOptions {
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
  /**
   * Goes on with a send that stopped (a master outage): the file id its placement gave, from
   * onPlaced. Segments are placed where they were, so the chunks already there do not move again.
   */
  fileId?: FileId;
  /** Called with the file id once the master has placed the send. */
  onPlaced?: (fileId: FileId) => void;
  /** A password of the file's own: reading it will need it as well as the account's keys. */
  password?: string;
  /** The fencing token of the file's lock, held by this client: the write is refused if that lease lapsed. */
  lock?: number;
  /** Whose file: another user's that they shared with this one to write (this user's own by default). */
  owner?: string;
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
  /**
   * Bytes of the file the sink already has, from an earlier read of the same version that
   * stopped (a master outage, a lost link): the read goes on from there. Reads deliver whole
   * segments, so it is always where one ended (TransferProgress.done).
   */
  resumeAt?: number;
  /** Called with the manifest once located: pass its version with resumeAt to go on with the same version. */
  onLocated?: (manifest: Manifest) => void;
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
  /** The file's own password, if it has one. */
  password?: string;
  /** Whose file: another user's that they shared with this one (found by name among them when this user has none of that name). */
  owner?: string;
  /**
   * The file's bytes as this client has them already (an earlier version it received): segments
   * that did not change are not fetched, and of those that did only the changed chunks are.
   */
  base?: ByteSource;
}

/** A segment read and decoded: `plain` goes to the sink, then `stored`'s buffer is reused. */
interface ReadSegment {
  stored: Uint8Array;
  plain: Uint8Array;
  /** Bytes fetched from peers for it: none when this client had it all. */
  fetched: number;
}

/** Seals a version's manifest once its segments are written, and its file key to each of `recipients`. */
type SealVersion = (fileId: string, version: number, segments: readonly SegmentRecord[], recipients: PlaceResult['recipients']) => Promise<{ sealed: string; shareKeys?: { user: string; key: string }[] }>;

export class MeshClient {
  private readonly placements = new Map<string, { result: LocateResult; expires: number }>();
  /** This user's sharing keys, when files are sealed. */
  private readonly keyring: Keyring | undefined;
  private readonly names: FileNames;
  /** Versions, locks and sharing. */
  private readonly files: FileOps;

  constructor(private readonly parts: ClientParts) {
    this.keyring = parts.sealing && new Keyring(parts.sealing, parts.master);
    this.names = new FileNames({ master: parts.master, ...(parts.sealing ? { sealing: parts.sealing } : {}), ...(this.keyring ? { keyring: this.keyring } : {}) });
    this.files = new FileOps({ master: parts.master, names: this.names, forgetPlacements: () => this.forgetPlacements(), ...(parts.sealing ? { sealing: parts.sealing } : {}), ...(this.keyring ? { keyring: this.keyring } : {}) });
  }

  /** Stores `source` as `name` (a new version if it exists). Resolves once every segment has R verified copies. */
  async store(name: string, source: ByteSource, options: StoreOptions = {}): Promise<StoreResult> {
    const { sealing, layout } = this.parts;
    const file = await this.names.wire(name, options.owner);
    const target = file.owner !== undefined && sealing ? await this.sharedTarget(file) : undefined;
    const sealed = sealing && (await prepareSealedWrite(sealing, name, source.size, layout, options.password, target));
    const wireName = sealed?.wireName ?? file.wireName;
    const seal: SealVersion | undefined = sealed && (async (fileId, version, segments, recipients) => {
      const { sealed: envelope, fileKey, binding } = await sealed.seal(fileId, version, segments);
      const shareKeys = recipients?.length && this.keyring ? await this.keyring.sealTo(recipients, binding, fileKey) : [];
      return { sealed: envelope, ...(shareKeys.length > 0 ? { shareKeys } : {}) };
    });
    try {
      const result = await this.storeAs(wireName, sealed?.wireSize ?? source.size, sealed?.codec ?? this.parts.codec, source, options, seal, file.owner);
      return sealed ? { ...result, summary: { ...result.summary, name, size: source.size } } : result;
    } catch (error) {
      throw withName(error, wireName, name);
    }
  }

  /** Another user's file this one writes: its token and the chunk key its versions share, from its newest version. */
  private async sharedTarget(file: WireFile): Promise<SharedTarget> {
    const located = await this.parts.master.locate({ name: file.wireName, owner: file.owner! });
    const opened = await this.opened(located);
    if (!('chunkKey' in opened)) throw new ValidationError('a file shared with you that is not encrypted cannot be written here');
    return { owner: file.owner!, token: file.wireName, chunkKey: opened.chunkKey };
  }

  /**
   * The write as the master sees it: `wireName` of `wireSize` bytes (the name and size, or their
   * sealed stand-ins), each segment encoded with `codec`, the manifest sealed by `seal` if given.
   */
  private async storeAs(
    name: string,
    wireSize: number,
    codec: SegmentCodec,
    source: ByteSource,
    options: StoreOptions,
    seal?: SealVersion,
    owner?: string,
  ): Promise<StoreResult> {
    const { master, layout, hasher } = this.parts;
    const lock = { ...(options.lock === undefined ? {} : { lock: options.lock }), ...(owner === undefined ? {} : { owner }) };
    let place = await master.place({ name, size: wireSize, ...layout, ...lock, ...(options.fileId === undefined ? {} : { fileId: options.fileId }) });
    options.onPlaced?.(place.fileId);
    const count = segmentCount(source.size, layout);
    if (count > 0 && place.replication === 0) throw new NoPeersError();
    const records: SegmentRecord[] = new Array<SegmentRecord>(count);
    const progress: TransferProgress = { done: 0, total: source.size, moved: 0 };
    let chunksMoved = 0;
    let chunksTotal = 0;
    // A cancelled send reports nothing more: segments in flight finish or fail unseen.
    const report = (): void => {
      if (!options.signal?.aborted) options.onProgress?.({ ...progress });
    };
    const writeSegmentAt = async (index: number, plain: Uint8Array, into: Uint8Array | undefined): Promise<void> => {
      const stored = await codec.encode(plain, into);
      // The list is the one copy of the chunk hashes kept: per-chunk objects that lived through
      // the segment's round trips would be promoted and pile up until a full GC.
      const listBytes = encodeChunkList(await hasher.sha256Many(splitChunks(stored, layout.chunkSize)));
      const [listDigest] = await hasher.sha256Many([listBytes]);
      const segment: StoredSegment = { list: toHex(listDigest!), listBytes, stored, chunkSize: layout.chunkSize };
      chunksTotal += listBytes.length / HASH_BYTES;
      // Chunks no replica held: the most any Offer of this segment reported. A later attempt
      // (a hedge or a retry) finds some already pushed by an earlier one, so it reports fewer.
      let newChunks = 0;
      const onOffered = (missing: number): void => {
        newChunks = Math.max(newChunks, missing);
      };
      const onMoved = (moved: number): void => {
        progress.moved += moved;
        report();
      };
      for (let attempt = 1; ; attempt++) {
        const replicas = place.segments[index] ?? [];
        const ticket = place.tickets[index];
        try {
          if (replicas.length === 0) throw new NoPeersError();
          // A losing write stops pushing: its segment's buffer is reused once the winner is done.
          const writeThrough =
            ([primary, ...next]: readonly PeerId[]) =>
            async (lost: AbortSignal): Promise<PeerId[]> => {
              const connection = await this.parts.connect(primary!);
              const signal = options.signal ? AbortSignal.any([options.signal, lost]) : lost;
              return writeSegment(connection, next, segment, { signal, onOffered, onMoved, ticket });
            };
          const rotated = hedgeOrder(replicas);
          const holders = await this.parts.writeHedge.run(writeThrough(replicas), rotated && writeThrough(rotated));
          chunksMoved += newChunks;
          const wireRange = segmentRange(wireSize, index, layout);
          records[index] = { listHash: asChunkHash(segment.list), plainSize: wireRange.end - wireRange.start, storedSize: stored.length, holders };
          break;
        } catch (error) {
          if (attempt >= WRITE_ATTEMPTS || options.signal?.aborted || !isRetryable(error)) throw error;
          await sleepOn(this.parts.clock, WRITE_RETRY_DELAY_MS * attempt);
          place = await master.place({ name, size: wireSize, fileId: place.fileId, ...layout, ...lock });
        }
      }
      progress.done += plain.length;
      report();
    };
    // One read buffer per segment in flight. Frames copy the chunks, so a segment's buffer is
    // free again once its writes are over.
    // A codec with headroom gets the plain bytes read in after it, and encodes them where they lie.
    const buffers = new BufferPool(codec.headroom ? codec.maxStoredSize(segmentBytes(layout)) : segmentBytes(layout));
    const segmentsWritten = forEachLimited(count, SEND_CONCURRENCY, async (index) => {
      options.signal?.throwIfAborted();
      const { start, end } = segmentRange(source.size, index, layout);
      const room = codec.headroom?.(end - start);
      const buffer = buffers.take(room === undefined ? end - start : codec.maxStoredSize(end - start));
      try {
        const plain = await source.read(start, end - start, buffer.subarray(room ?? 0));
        await writeSegmentAt(index, plain, room === undefined ? undefined : buffer);
      } finally {
        buffers.give(buffer);
      }
    });
    // Cancelling ends the send at once: nothing is committed, and no new batch is queued.
    await untilAborted(segmentsWritten, options.signal);
    options.signal?.throwIfAborted();
    const codecName = manifestCodecName(codec);
    const sealed = seal && (await seal(place.fileId, place.baseVersion + 1, records, place.recipients));
    const commit = {
      fileId: place.fileId,
      name,
      baseVersion: place.baseVersion,
      ...lock,
      size: wireSize,
      ...layout,
      ...(codecName === undefined ? {} : { codec: codecName }),
      ...(sealed === undefined ? {} : sealed),
      segments: records,
    };
    // A holder's receipt may still be on its way: after a master restart, peers tell it their
    // seals again only when they rejoin. Asked again a few times before giving up.
    let summary: FileSummary;
    for (let attempt = 1; ; attempt++) {
      try {
        summary = await master.commit(commit);
        break;
      } catch (error) {
        if (attempt >= COMMIT_ATTEMPTS || options.signal?.aborted || !isErrorOf(error, UnconfirmedSegmentError)) throw error;
        await sleepOn(this.parts.clock, COMMIT_RETRY_DELAY_MS);
      }
    }
    this.forgetPlacementsOf(name);
    return { summary, bytesMoved: progress.moved, chunksMoved, chunksTotal, replication: place.replication };
  }

  /** Files whose name matches (all without a pattern), sorted as asked: see SearchOptions. A string is a pattern. */
  async search(options: SearchOptions | string = {}): Promise<FileSummary[]> {
    // The account gets its sharing keys the first time it lists (so others can share with it), alongside the listing.
    const [listed] = await Promise.all([this.parts.master.list(), this.keyring?.ensure().catch(() => undefined)]);
    const sealing = this.parts.sealing;
    const files = sealing ? await revealSummaries(sealing, sealing.keys.user, listed, this.keyring) : listed;
    return searchFiles(files, typeof options === 'string' ? { pattern: options } : options);
  }

  /** The file's kept versions, newest first, with their real sizes. */
  versions(name: string, owner?: string): Promise<VersionSummary[]> {
    return this.files.versions(name, owner);
  }

  /** Makes kept version `version` the file's newest, as a new version; no byte moves. The owner's to do. */
  restore(name: string, version: number, options: { password?: string; lock?: number } = {}): Promise<FileSummary> {
    return this.files.restore(name, version, options);
  }

  /** Takes the file's lock for `ttlMs` (renew it to keep it); with `wait`, resolves once it is this client's turn. */
  lock(name: string, options: { ttlMs: number; wait?: boolean; owner?: string }): Promise<LockGrant> {
    return this.files.lock(name, options);
  }

  renewLock(name: string, token: number, ttlMs: number, owner?: string): Promise<LockGrant> {
    return this.files.renewLock(name, token, ttlMs, owner);
  }

  /** Releases the lock `token` names, or without one this user's lock on the file from any device. */
  unlock(name: string, token?: number, owner?: string): Promise<{ released: boolean }> {
    return this.files.unlock(name, token, owner);
  }

  /** Which version of the file is the newest (or `version`, if kept), without fetching a byte of it. */
  async head(name: string, version?: number, owner?: string): Promise<{ fileId: FileId; version: number }> {
    return this.names.run(name, owner, async (file) => {
      const { manifest } = await this.locate(file, version);
      return { fileId: manifest.fileId, version: manifest.version };
    });
  }

  /** Shares this user's file with `user`, to read or also to write (FileOps.share). */
  share(name: string, user: string, write: boolean): Promise<void> {
    return this.files.share(name, user, write);
  }

  /** Stops sharing this user's file with `user`: their next read is refused. False when it was not shared with them. */
  unshare(name: string, user: string): Promise<boolean> {
    return this.files.unshare(name, user);
  }

  /** Who this user's file is shared with. */
  sharees(name: string): Promise<ShareView[]> {
    return this.files.sharees(name);
  }

  /** Forgets every cached placement: the ring changed, or a file did. */
  forgetPlacements(): void {
    this.placements.clear();
  }

  /** Streams the file named `name` into `sink`, verifying every chunk. */
  async read(name: string, sink: ByteSink, options: ReadOptions = {}): Promise<Manifest> {
    return this.names.run(name, options.owner, (file) => this.readAs(file, name, sink, options));
  }

  /** Reads the file the master knows as `wireName`: a lookup token, or a name written in clear before encryption. */
  private async readAs(file: WireFile, name: string, sink: ByteSink, options: ReadOptions): Promise<Manifest> {
    const located = await this.locate(file, options.version);
    const { manifest, codec } = await this.opened(located, options.password);
    options.onLocated?.(manifest);
    const first = firstSegmentAfter(manifest, options.resumeAt ?? 0);
    // Replaced with fresh ones when a failed read locates the file again (a ticket may have lapsed).
    let tickets = located.tickets.slice(first);
    const segments = manifest.segments.slice(first);
    const count = segments.length;
    const progress: TransferProgress = { done: options.resumeAt ?? 0, total: manifest.size, moved: 0 };
    const maxStored = codec.maxStoredSize(manifest.chunkSize * manifest.segmentChunks);
    const scheduler = new ReadScheduler(segments, located.status);
    const inFlight = new Map<number, Promise<ReadSegment>>();
    // Only segments the sink has taken go back: a hedged read's loser may still be filling its own.
    const buffers = new BufferPool(maxStored);
    let stopped = false;
    let wake: (() => void) | undefined;

    const base = options.base && new LocalChunks(options.base, manifest, codec, this.parts.hasher);
    // Bytes fetched per segment, hedged attempts together.
    const fetched = new Map<number, number>();
    // One attempt at a segment's stored bytes, into a buffer of its own.
    const readStored = async (index: number, holders: readonly PeerId[]): Promise<Uint8Array> => {
      const record = segments[index]!;
      if (record.storedSize > maxStored) throw new ChunkCorruptError(record.listHash, 'a segment larger than the layout allows');
      const segment = { listHash: record.listHash, storedSize: record.storedSize, chunkSize: manifest.chunkSize, what: `segment ${first + index} of "${manifest.name}"`, ticket: tickets[index] };
      const known = await base?.chunksOf(first + index);
      const out = buffers.take(record.storedSize);
      // What this client has already is the segment itself: nothing to fetch.
      if (known?.listHash === record.listHash && known.stored.length === record.storedSize) {
        out.set(known.stored);
        return out;
      }
      const onFetched = (bytes: number): void => void fetched.set(index, (fetched.get(index) ?? 0) + bytes);
      return this.parts.reader.read(segment, holders, out, options.signal, { ...(known ? { known: known.chunks } : {}), onFetched });
    };
    // Hedged: if the first holder is late, the next is asked too and the first verified copy wins.
    const readHedged = (index: number, holders: readonly PeerId[], firstSettled?: () => void): Promise<Uint8Array> => {
      const hedge = hedgeOrder(holders);
      return this.parts.readHedge.run(
        () => {
          const attempt = readStored(index, holders);
          if (firstSettled) attempt.then(firstSettled, firstSettled);
          return attempt;
        },
        hedge && (() => readStored(index, hedge)),
      );
    };
    // A peer's count drops when its own attempt ends: one a hedge overtook still occupies it.
    const fetchSegment = async (read: ScheduledRead): Promise<ReadSegment> => {
      const queuedOn = read.queuedOn;
      const settled =
        queuedOn &&
        ((): void => {
          scheduler.release(queuedOn);
          startMore();
          wake?.();
        });
      let stored: Uint8Array;
      try {
        stored = await readHedged(read.index, read.holders, settled);
      } catch (error) {
        if (options.signal?.aborted || !isRetryable(error)) throw error;
        this.placements.delete(placementKey(file, manifest.version));
        const again = await this.locate(file, manifest.version);
        tickets = again.tickets.slice(first);
        scheduler.updateStatus(again.status);
        stored = await readHedged(read.index, scheduler.retryOrder(read.index));
      }
      return { stored, plain: await codec.decode(stored, segments[read.index]!.plainSize), fetched: fetched.get(read.index) ?? 0 };
    };
    // Starts every read the scheduler allows now; a segment whose holders are all busy waits
    // for one of their reads to end.
    const startMore = (): void => {
      if (stopped) return;
      for (let read = scheduler.next(); read; read = scheduler.next()) {
        const pending = fetchSegment(read);
        pending.catch(() => undefined); // observed below, in order
        inFlight.set(read.index, pending);
      }
    };
    try {
      for (let index = 0; index < count; index++) {
        startMore();
        // Only while every holder of this segment has its fill of earlier reads.
        while (!inFlight.has(index)) await untilAborted(new Promise<void>((resolve) => (wake = resolve)), options.signal);
        const { stored, plain, fetched: moved } = await untilAborted(inFlight.get(index)!, options.signal);
        inFlight.delete(index);
        scheduler.deliver();
        await sink.write(plain);
        buffers.give(stored);
        progress.done += plain.length;
        progress.moved += moved;
        options.onProgress?.({ ...progress });
      }
    } finally {
      stopped = true;
      inFlight.clear();
    }
    return manifest;
  }

  /** Removes this user's file with every version (one stored in clear before encryption too); resolves with how many there were. */
  async delete(name: string): Promise<number> {
    return this.names.run(name, undefined, async (file) => {
      if (file.owner !== undefined) throw new FileNotFoundError(name); // another user's: not this one's to remove
      this.forgetPlacementsOf(file.wireName);
      return (await this.parts.master.remove({ name: file.wireName })).removed;
    });
  }

  async status(): Promise<MeshState> {
    const state = await this.parts.master.status();
    return this.parts.sealing ? revealState(this.parts.sealing, state, this.keyring) : state;
  }

  /**
   * Where a version is, its holders and tickets: cached for PLACEMENT_TTL_MS per version (a
   * version never changes), dropped when the ring does. Which version is the newest is always
   * asked of the master (seed 003's timestamp check), so another client's write shows at once.
   */
  private async locate(file: WireFile, version?: number): Promise<LocateResult> {
    const now = this.parts.clock.now();
    const cached = version === undefined ? undefined : this.placements.get(placementKey(file, version));
    if (cached && cached.expires > now) return cached.result;
    const result = await this.parts.master.locate({ ...wireRequest(file), ...(version === undefined ? {} : { version }) });
    this.placements.set(placementKey(file, result.manifest.version), { result, expires: now + PLACEMENT_TTL_MS });
    return result;
  }

  /** Forgets the cached placements of the versions of the file the master knows as `wireName`. */
  private forgetPlacementsOf(wireName: string): void {
    for (const key of this.placements.keys()) if (key.split('@')[0]!.endsWith(`/${wireName}`)) this.placements.delete(key);
  }


  /** The manifest as its writer saw it, and the codec its segments were written with (and, sealed, their chunk key). */
  private async opened(located: LocateResult, password?: string): Promise<{ manifest: Manifest; codec: SegmentCodec } | { manifest: Manifest; codec: SegmentCodec; chunkKey: Uint8Array }> {
    const { manifest } = located;
    if (manifest.sealed !== undefined && this.parts.sealing) {
      // A version someone else wrote (a file shared with this user, or one they shared it with) opens with the file key sealed to this user.
      const fileKey = located.shareKey !== undefined && this.keyring ? await this.keyring.open(bindingOf(manifest), located.shareKey) : undefined;
      return openSealedRead(this.parts.sealing, manifest, password, fileKey);
    }
    return { manifest, codec: this.codecOf(manifest) };
  }

  /** The codec a manifest's segments were written with: this client's, or none it can read. */
  private codecOf(manifest: Manifest): SegmentCodec {
    const wanted = manifest.codec ?? IDENTITY_CODEC_NAME;
    if (wanted !== this.parts.codec.name) throw new ValidationError(`"${manifest.name}" was written with the ${wanted} codec, which this client does not have`);
    return this.parts.codec;
  }
}

/** The index of the segment that starts at byte `offset` of the file; anywhere else is a ValidationError. */
function firstSegmentAfter(manifest: Manifest, offset: number): number {
  let start = 0;
  for (let index = 0; index < manifest.segments.length; index++) {
    if (start === offset) return index;
    start += manifest.segments[index]!.plainSize;
  }
  if (start === offset) return manifest.segments.length;
  throw new ValidationError(`cannot resume "${manifest.name}" at byte ${offset}: no segment starts there`);
}


const placementKey = (file: WireFile, version: number): string => `${file.owner ?? ''}/${file.wireName}@${version}`;
