/**
 * A storage peer: what it does with data-channel requests. Each request is checked against the
 * peer protocol's map and handed to the part that does its job: writes to chain replication,
 * reads to chunk reads. Pins and collection share the store with them; every chunk is hashed
 * on the way in and on the way out.
 */
import { fromHex } from '../bytes.js';
import type { Hasher } from '../codec/hasher.js';
import type { PeerId } from '../ids.js';
import type { PeerStore } from '../stores/chunk-store.js';
import type { IncomingRequest, RpcConnection } from '../transport/rpc.js';
import { FrameType, parsePeerRequest, type RequestType } from '../wire/peer-protocol.js';
import { Collection } from './collection.js';
import { Pins } from './pins.js';
import { ChunkReads } from './reads.js';
import { Scrub } from './scrub.js';
import { Replication } from './replication.js';
import { SpaceWatch } from './space.js';
import { TicketCheck, type AccessCheck } from './ticket-check.js';

/** Requests that write: each postpones collection, and waits for one in progress. */
const WRITE_TYPES: ReadonlySet<RequestType> = new Set([FrameType.Offer, FrameType.Push, FrameType.Seal]);

export interface StoragePeerOptions {
  selfId: PeerId;
  store: PeerStore;
  hasher: Hasher;
  /** Opens (or reuses) a connection to another peer, for forwarding. */
  connect(peer: PeerId): Promise<RpcConnection>;
  /** Milliseconds since the epoch; injected so tests can age segments. */
  now?: () => number;
  /** Told of each segment sealed here, with its chunk count (see Replication). */
  onSealed?: (list: string, chunks: number) => void;
  /** The check of every write and read; the master's tickets (TicketCheck) unless given. */
  access?: AccessCheck;
  /** Told of each segment found missing or damaged chunks, by a read or a scrub: the peer reports it to the master. */
  onDamaged?: (list: string) => void;
  /** Bytes per second a scrub reads, at most (SCRUB_BYTES_PER_SECOND). */
  scrubBytesPerSecond?: number;
}

/** A scrub's pace unless told otherwise: a 10 GiB store in about 20 minutes. */
export const SCRUB_BYTES_PER_SECOND = 8 * 1024 * 1024;

export class StoragePeer {
  /** The segments sealed here, and the master's scans of the old ones. */
  readonly pins: Pins;
  /** Drops the master orders, and the sweep of chunks no segment uses. */
  readonly collection: Collection;
  private readonly space = new SpaceWatch();
  private readonly replication: Replication;
  private readonly reads: ChunkReads;
  /** Re-reads and checks every held segment; run by its owner's schedule (startMeshPeer). */
  readonly scrub: Scrub;
  /** The master's tickets, checked before any write or read; `trust` it with the master's key on join. */
  readonly tickets: AccessCheck;

  private readonly store: PeerStore;

  constructor(options: StoragePeerOptions) {
    const { store } = options;
    this.store = store;
    const now = options.now ?? Date.now;
    this.pins = new Pins(store, now);
    this.tickets = options.access ?? new TicketCheck(options.selfId, store, now);
    this.replication = new Replication({ ...options, pins: this.pins, space: this.space, tickets: this.tickets, now });
    this.collection = new Collection({
      store,
      pins: this.pins,
      space: this.space,
      writesQuietSince: (cutoff) => this.replication.quietSince(cutoff),
      now,
    });
    const damaged = options.onDamaged ?? (() => undefined);
    this.reads = new ChunkReads(store, options.hasher, damaged);
    this.scrub = new Scrub({ store, hasher: options.hasher, pins: this.pins, onDamaged: damaged, bytesPerSecond: options.scrubBytesPerSecond ?? SCRUB_BYTES_PER_SECOND });
  }

  /** Those of `lists` this peer lacks: not pinned, or its chunk list gone (chunks are the scrub's to check). */
  async lacking(lists: readonly string[]): Promise<string[]> {
    const present = await this.store.hasMany(lists.map(fromHex));
    const missing: string[] = [];
    for (const [i, list] of lists.entries()) {
      if (!present[i] || (await this.pins.ageMs(list, 0)) === undefined) missing.push(list);
    }
    return missing;
  }

  /** True once the store refused a write for lack of space, until space is freed here. */
  get full(): boolean {
    return this.space.full;
  }

  /** The RequestHandler the connection pool attaches to every connection. */
  readonly handle = async (incoming: IncomingRequest): Promise<void> => {
    const request = parsePeerRequest(incoming.type, incoming.meta, incoming.body);
    if (WRITE_TYPES.has(request.type)) {
      const collecting = this.collection.writeArriving();
      if (collecting) await collecting;
    }
    switch (request.type) {
      case FrameType.Offer:
        return incoming.reply(await this.replication.offer(incoming.from, request.meta, request.body));
      case FrameType.Push:
        return this.replication.push(incoming.from, request.meta, request.body);
      case FrameType.Seal:
        return incoming.reply(await this.replication.seal(incoming.from, request.meta));
      case FrameType.Get:
        await this.tickets.allowRead(incoming.from, request.meta, request.body);
        return this.reads.serve(request.meta?.list ?? '', request.body, incoming.data);
      default:
        return unreachable(request);
    }
  };
}

/** Fails to compile when a request type is added to the protocol map without a case here. */
function unreachable(request: never): never {
  throw new Error(`unhandled request ${JSON.stringify(request)}`);
}
