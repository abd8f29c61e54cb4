/**
 * Chain replication of a segment write: Offer, Push and Seal, each handled here and forwarded
 * down the replicas still named in `next` (pipeline replication, as HDFS does). A Seal answers
 * only once the whole chain has, so an acknowledged segment is durable on every replica.
 */
import { HASH_BYTES, splitChunkList } from '../chunking/chunk-list.js';
import { bytesEqual, fromHex, toHex } from '../bytes.js';
import type { Hasher } from '../codec/hasher.js';
import { ChunkCorruptError, ChunkNotFoundError, SegmentIncompleteError, ValidationError } from '../errors.js';
import { asPeerId, type PeerId } from '../ids.js';
import type { PeerStore, StoredChunk } from '../stores/chunk-store.js';
import type { RpcConnection } from '../transport/rpc.js';
import { decodeChunkBatch, hashName } from '../wire/frame.js';
import { callPeer, FrameType, type MetaOf, type ReplyOf, type SegmentRequest } from '../wire/peer-protocol.js';
import type { Pins } from './pins.js';
import { PushTracker } from './push-tracker.js';
import type { SpaceWatch } from './space.js';
import type { AccessCheck } from './ticket-check.js';

interface ReplicationOptions {
  selfId: PeerId;
  store: PeerStore;
  hasher: Hasher;
  /** Opens (or reuses) a connection to another peer, for forwarding. */
  connect(peer: PeerId): Promise<RpcConnection>;
  pins: Pins;
  space: SpaceWatch;
  tickets: AccessCheck;
  now: () => number;
  /** Told of each segment sealed here, with its chunk count: the peer reports it to the master. */
  onSealed?: (list: string, chunks: number) => void;
}

/**
 * One write of a segment: its list and the chain it goes down. A client that hedges writes the
 * same segment down two chains at once; each Seal must wait only for its own chain's pushes,
 * not for the other chain's, which may be the stalled one.
 */
const writeKey = (request: SegmentRequest): string => `${request.list}>${request.next.join(',')}`;

/** The next replica in the chain and the request it gets: the same (its ticket too), minus that replica. */
function nextHop(request: SegmentRequest): { peer: PeerId; request: SegmentRequest } | undefined {
  const [next, ...rest] = request.next;
  return next === undefined ? undefined : { peer: asPeerId(next), request: { ...request, next: rest } };
}

export class Replication {
  private readonly pushes: PushTracker;
  /** Seals in progress: a segment between its chunk check and its pin must not be collected. */
  private sealing = 0;

  constructor(private readonly options: ReplicationOptions) {
    this.pushes = new PushTracker(options.now);
  }

  /**
   * True when no segment is being written: no Seal is running, and every segment touched since
   * `cutoff` was sealed. Segments idle since before `cutoff` are forgotten as abandoned.
   */
  quietSince(cutoff: number): boolean {
    return this.sealing === 0 && this.pushes.forgetIdleSince(cutoff);
  }

  /** Stores the segment's chunk list and answers which of its chunks some replica lacks. */
  async offer(from: PeerId, request: SegmentRequest, listBytes: Uint8Array): Promise<ReplyOf<typeof FrameType.Offer>> {
    this.checkChain(request, 'offer');
    if (listBytes.length % HASH_BYTES !== 0) throw new ValidationError(`an offer's list of ${listBytes.length} bytes is not a list of hashes`);
    await this.options.tickets.allowWrite(from, request, listBytes.length / HASH_BYTES);
    const { store, hasher, space } = this.options;
    const [digest] = await hasher.sha256Many([listBytes]);
    if (toHex(digest!) !== request.list) throw new ChunkCorruptError(request.list, toHex(digest!));
    const hashes = splitChunkList(listBytes);
    const downstream = this.forward(request, FrameType.Offer, listBytes);
    // Durable by the segment's Seal, which waits for it like a push.
    const list = { hash: digest!, bytes: listBytes };
    void this.pushes.track(writeKey(request), Promise.resolve(), Promise.resolve({ durable: space.watch(store.putMany([list], { lazy: true })) }));
    const held = await store.hasMany(hashes);
    const missing = new Set<number>();
    held.forEach((has, index) => { if (!has) missing.add(index); });
    for (const index of (await downstream)?.missing ?? []) missing.add(index);
    return { missing: [...missing].sort((a, b) => a - b) };
  }

  /**
   * Stores a batch nobody waits for: it is forwarded down the chain, and its outcome is kept
   * for the segment's Seal, which waits for it and reports its failure.
   */
  push(from: PeerId, request: SegmentRequest, body: Uint8Array): Promise<void> {
    this.checkChain(request, 'push');
    const { store, space } = this.options;
    // Nothing is verified, stored or forwarded for a write its Offer's ticket did not allow.
    const verified = this.options.tickets.checkWrite(from, request).then(() => this.verifyBatch(body));
    const hop = nextHop(request);
    // Forwarded once verified, so the next replica receives while this one writes.
    const forwarded = verified.then(() => hop && this.options.connect(hop.peer).then((connection) => connection.notify(FrameType.Push, hop.request, body)));
    // Lazy: the Seal commits the whole segment at once, far cheaper than a commit per batch.
    const written = verified.then((chunks) => ({ durable: space.watch(store.putMany(chunks, { lazy: true })) }));
    return this.pushes.track(writeKey(request), forwarded, written);
  }

  /** Checks the segment is complete here and down the chain, pins it, and names its holders. */
  async seal(from: PeerId, request: SegmentRequest): Promise<ReplyOf<typeof FrameType.Seal>> {
    this.checkChain(request, 'seal');
    await this.options.tickets.checkWrite(from, request);
    this.sealing++;
    try {
      return await this.sealCounted(request);
    } finally {
      this.sealing--;
    }
  }

  private async sealCounted(request: SegmentRequest): Promise<ReplyOf<typeof FrameType.Seal>> {
    const { store, pins, space, selfId } = this.options;
    // Pushes of this segment still being verified or forwarded go first, on this replica and,
    // because the channel keeps order, on the next.
    const failed = await this.pushes.arrived(writeKey(request));
    if (failed) throw failed;
    // The next replica's channel now has every push before this Seal; it stores while we do.
    const downstream = this.forward(request, FrameType.Seal);
    const [listBytes] = await store.getMany([fromHex(request.list)]);
    if (!listBytes) throw new ChunkNotFoundError(request.list);
    const hashes = splitChunkList(listBytes);
    // Lazy puts are readable at once, so this sees every push that arrived.
    const absent = (await store.hasMany(hashes)).filter((has) => !has).length;
    if (absent > 0) throw new SegmentIncompleteError(request.list, absent, hashes.length);
    // The pin shares the segment's commit. Its value is when: the master asks for old pins to
    // find those of abandoned sends.
    const pinned = space.watch(pins.pin(request.list));
    pinned.catch(() => undefined);
    // Confirmed only once durable: the commit puts the chunks, the list and the pin on stable
    // storage, in one round of syncs shared with the seals that overlap it.
    const committed = space.watch(store.commit());
    committed.catch(() => undefined);
    const failure = await this.pushes.committed(writeKey(request));
    if (failure) throw failure;
    await pinned;
    await committed;
    this.options.onSealed?.(request.list, hashes.length);
    return { holders: [selfId, ...((await downstream)?.holders ?? [])] };
  }

  /** A replication chain must not loop back here or name a peer twice: each copy counts once. */
  private checkChain(request: SegmentRequest, what: string): void {
    if (request.next.includes(this.options.selfId) || new Set(request.next).size !== request.next.length) {
      throw new ValidationError(`invalid ${what}: the replica chain repeats a peer`);
    }
  }

  private async verifyBatch(body: Uint8Array): Promise<StoredChunk[]> {
    const chunks = decodeChunkBatch(body);
    const digests = await this.options.hasher.sha256Many(chunks.map((chunk) => chunk.bytes));
    chunks.forEach((chunk, i) => {
      if (!bytesEqual(chunk.hash, digests[i]!)) throw new ChunkCorruptError(hashName(chunk.hash), toHex(digests[i]!));
    });
    return chunks;
  }

  /**
   * Sends the request to the next replica in the chain, if any. The returned promise is already
   * observed, so a local failure that happens first cannot leave it rejected and unhandled.
   */
  private forward<T extends typeof FrameType.Offer | typeof FrameType.Seal>(request: SegmentRequest, type: T, body?: Uint8Array): Promise<ReplyOf<T> | undefined> {
    const hop = nextHop(request);
    if (!hop) return Promise.resolve(undefined);
    // Offer and Seal both take a SegmentRequest; TypeScript cannot see that through generic T.
    const reply = this.options.connect(hop.peer).then((connection) => callPeer(connection, type, hop.request as MetaOf<T>, body));
    reply.catch(() => undefined);
    return reply;
  }
}
