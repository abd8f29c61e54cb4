/**
 * A mesh in one process for the client's unit tests: real StoragePeers on MemoryStores, joined
 * by in-memory channels, and a master port that places segments round-robin and keeps
 * manifests in a Map. Links to the client can be made to fail in the ways real ones do: a peer
 * that is gone, one that never answers, one whose bytes arrive corrupt.
 */
import type { FileSummary, Manifest } from '../chunking/manifest.js';
import { segmentCount } from '../chunking/layout.js';
import { nodeHasher } from '../codec/hasher.node.js';
import { maxStoredChunks, type SegmentCodec } from '../codec/segment-codec.js';
import type { Clock } from '../clock.js';
import { FileNotFoundError, PeerUnavailableError, UserNotFoundError, ValidationError, VersionConflictError, VersionNotFoundError } from '../errors.js';
import type { SharingKeys } from '../crypto/share-keys.js';
import { asChunkHash, asFileId, asPeerId, randomId, type PeerId } from '../ids.js';
import { ephemeralIdentity, type PeerIdentity } from '../peer/identity.js';
import { StoragePeer } from '../peer/storage-peer.js';
import { signReadTicket, signWriteTicket } from '../wire/tickets.js';
import { MemoryStore } from '../stores/memory-store.js';
import type { FrameChannel } from '../transport/frame-channel.js';
import { memoryChannelPair } from '../transport/memory-channel.js';
import { RpcConnection } from '../transport/rpc.js';
import { decodeFrame } from '../wire/frame.js';
import { FrameType } from '../wire/peer-protocol.js';
import type { CommitRequest, LocateResult, LockGrant, LockRequest, MeshState, PeerStatus, PlaceRequest, PlaceResult, RestoreRequest, ShareView, VersionSummary } from '../wire/signal-protocol.js';
import { createClient } from './create-client.js';
import type { MasterPort } from './master-port.js';
import type { Sealing } from './sealing.js';
import type { MeshClient } from './mesh-client.js';

export const CLIENT_ID = asPeerId('client');
const TICKET_LIFETIME_MS = 60 * 60_000;

export class TestMesh {
  readonly ids: PeerId[];
  readonly stores = new Map<PeerId, MemoryStore>();
  readonly master: TestMaster;
  /** Peers whose process is gone: connections to them fail and open ones close. */
  readonly gone = new Set<PeerId>();
  /** Peers that never answer the client's requests of these types: their frames are lost on the way. */
  readonly unanswered = new Map<PeerId, ReadonlySet<number>>();
  /** Peers whose chunks reach the client corrupt (the last byte of every Data frame flipped). */
  readonly corrupting = new Set<PeerId>();
  /** Connections the client opened, by peer: how often it tried each. */
  readonly clientDials = new Map<PeerId, number>();
  private readonly peers = new Map<PeerId, StoragePeer>();
  private readonly links = new Map<string, RpcConnection>();
  private readonly channels: FrameChannel[] = [];

  constructor(names: readonly string[], replication = 3) {
    this.ids = names.map(asPeerId);
    for (const id of this.ids) {
      const store = new MemoryStore();
      this.stores.set(id, store);
      this.peers.set(id, new StoragePeer({ selfId: id, store, hasher: nodeHasher, connect: (to) => this.link(id, to) }));
    }
    this.master = new TestMaster(this, replication);
  }

  /** The storage peer `id`. */
  peer(id: PeerId): StoragePeer {
    return this.peers.get(id)!;
  }

  /** A client of this mesh through its master port. */
  client(options: { layout?: { chunkSize: number; segmentChunks: number }; clock?: Clock; codec?: SegmentCodec; sealing?: Sealing } = {}): MeshClient {
    return createClient({ master: this.master, connect: (peer) => this.link(CLIENT_ID, peer), hasher: nodeHasher, ...options });
  }

  /** Ends `peer`'s process: its links close and new ones fail. The master hears of it only with `masterKnows`. */
  kill(peer: PeerId, options: { masterKnows?: boolean } = {}): void {
    this.gone.add(peer);
    if (options.masterKnows) this.master.dead.add(peer);
    for (const [key, link] of this.links) {
      if (key.split('>').includes(peer)) link.close('process gone');
    }
  }

  close(): void {
    for (const channel of this.channels) channel.close('test over');
  }

  /** The connection from `from` to `to`, opened on first use and again after it closed. */
  link(from: PeerId, to: PeerId): Promise<RpcConnection> {
    if (from === CLIENT_ID) this.clientDials.set(to, (this.clientDials.get(to) ?? 0) + 1);
    if (this.gone.has(to) || this.gone.has(from)) return Promise.reject(new PeerUnavailableError(to, 'process gone'));
    const key = `${from}>${to}`;
    const open = this.links.get(key);
    if (open && !open.closed) return Promise.resolve(open);
    const [fromSide, toSide] = memoryChannelPair(from, to);
    this.channels.push(fromSide, toSide);
    const connection = new RpcConnection(from === CLIENT_ID ? this.faulty(fromSide, to) : fromSide, this.peers.get(from)?.handle);
    new RpcConnection(toSide, this.peers.get(to)!.handle);
    this.links.set(key, connection);
    return Promise.resolve(connection);
  }

  /** The client's side of a channel to `peer`, failing as the test asks at the time of each frame. */
  private faulty(channel: FrameChannel, peer: PeerId): FrameChannel {
    return {
      get remoteId() {
        return channel.remoteId;
      },
      get closed() {
        return channel.closed;
      },
      send: (message) => (this.unanswered.get(peer)?.has(decodeFrame(message).type) ? Promise.resolve() : channel.send(message)),
      onMessage: (listener) =>
        channel.onMessage((message) => {
          if (!this.corrupting.has(peer)) return listener(message);
          const frame = decodeFrame(message);
          if (frame.type !== FrameType.Data || frame.body.length === 0) return listener(message);
          const corrupt = message.slice();
          corrupt[corrupt.length - 1]! ^= 0xff;
          listener(corrupt);
        }),
      onClose: (listener) => channel.onClose(listener),
      close: (reason) => channel.close(reason),
    };
  }
}

/** The owner the test master records for every file. */
export const TEST_OWNER = 'test';

/** The master as a client sees it: round-robin placement over the peers it thinks alive, manifests in a Map. */
export class TestMaster implements MasterPort {
  /** Peers the master has declared dead: placed around, and reported dead to readers. */
  readonly dead = new Set<PeerId>();
  readonly files = new Map<string, Manifest[]>();
  locates = 0;

  constructor(
    private readonly mesh: TestMesh,
    private readonly replication: number,
  ) {}

  /** The master's key: its peers trust it, and it signs every ticket. Made on first use. */
  private signing: Promise<PeerIdentity> | undefined;
  private get signer(): Promise<PeerIdentity> {
    this.signing ??= ephemeralIdentity().then((identity) => {
      for (const id of this.mesh.ids) this.mesh.peer(id).tickets.trust(identity.id);
      return identity;
    });
    return this.signing;
  }

  async place(request: PlaceRequest): Promise<PlaceResult> {
    const alive = this.mesh.ids.filter((id) => !this.dead.has(id));
    const versions = this.files.get(request.name) ?? [];
    const replication = Math.min(this.replication, alive.length);
    const segments = Array.from({ length: segmentCount(request.size, request) }, (_, index) =>
      Array.from({ length: replication }, (_, k) => alive[(index + k) % alive.length]!),
    );
    const fileId = asFileId(request.fileId ?? versions[0]?.fileId ?? randomId());
    const signer = await this.signer;
    const exp = Date.now() + TICKET_LIFETIME_MS;
    const tickets = await Promise.all(segments.map((chain, index) => signWriteTicket(signer, { client: CLIENT_ID, seg: `${fileId}:${index}`, chain, chunks: maxStoredChunks(request), exp })));
    return { fileId, baseVersion: versions.at(-1)?.version ?? 0, replication, segments, tickets };
  }

  commit(request: CommitRequest): Promise<FileSummary> {
    const versions = this.files.get(request.name) ?? [];
    const current = versions.at(-1)?.version ?? 0;
    if (current !== request.baseVersion) return Promise.reject(new VersionConflictError(request.name, request.baseVersion, current));
    const manifest: Manifest = {
      fileId: asFileId(request.fileId),
      name: request.name,
      owner: TEST_OWNER,
      version: current + 1,
      size: request.size,
      createdAt: 0,
      chunkSize: request.chunkSize,
      segmentChunks: request.segmentChunks,
      segments: request.segments.map((segment) => ({ ...segment, listHash: asChunkHash(segment.listHash), holders: segment.holders.map(asPeerId) })),
      ...(request.codec === undefined ? {} : { codec: request.codec }),
      ...(request.sealed === undefined ? {} : { sealed: request.sealed }),
    };
    this.files.set(request.name, [...versions, manifest]);
    return Promise.resolve(summaryOf(manifest));
  }

  async locate(request: { name: string; version?: number }): Promise<LocateResult> {
    this.locates++;
    const versions = this.files.get(request.name) ?? [];
    const manifest = request.version === undefined ? versions.at(-1) : versions.find((candidate) => candidate.version === request.version);
    if (!manifest) throw new FileNotFoundError(request.name);
    const status: Record<string, PeerStatus> = {};
    for (const id of this.mesh.ids) status[id] = this.dead.has(id) ? 'dead' : 'online';
    const signer = await this.signer;
    const exp = Date.now() + TICKET_LIFETIME_MS;
    const tickets = await Promise.all(manifest.segments.map((segment) => signReadTicket(signer, { client: CLIENT_ID, list: segment.listHash, exp })));
    return { manifest, status, tickets };
  }

  list(): Promise<FileSummary[]> {
    return Promise.resolve([...this.files.values()].map((versions) => summaryOf(versions.at(-1)!)));
  }

  remove(request: { name: string }): Promise<{ removed: number }> {
    const removed = this.files.get(request.name)?.length ?? 0;
    if (removed === 0) return Promise.reject(new FileNotFoundError(request.name));
    this.files.delete(request.name);
    return Promise.resolve({ removed });
  }

  status(): Promise<MeshState> {
    return Promise.resolve({ peers: [], files: [], ring: [], segmentPositions: [], replication: this.replication, repair: { segments: 0, bytes: 0, unavailable: 0, bytesPerSecond: 0, copies: 0, faults: [] } });
  }

  versions(request: { name: string }): Promise<VersionSummary[]> {
    const versions = this.files.get(request.name);
    if (!versions) return Promise.reject(new FileNotFoundError(request.name));
    return Promise.resolve(versions.map((manifest) => ({ fileId: manifest.fileId, version: manifest.version, size: manifest.size, createdAt: manifest.createdAt, ...(manifest.sealed === undefined ? {} : { sealed: manifest.sealed }) })).reverse());
  }

  restore(request: RestoreRequest): Promise<FileSummary> {
    const versions = this.files.get(request.name) ?? [];
    const old = versions.find((manifest) => manifest.version === request.version);
    if (!old) return Promise.reject(new VersionNotFoundError(request.name, request.version));
    const current = versions.at(-1)!.version;
    if (current !== request.baseVersion) return Promise.reject(new VersionConflictError(request.name, request.baseVersion, current));
    const manifest: Manifest = { ...old, version: current + 1 };
    if (request.sealed === undefined) delete manifest.sealed;
    else manifest.sealed = request.sealed;
    versions.push(manifest);
    return Promise.resolve(summaryOf(manifest));
  }

  /** Locks: granted at once, every time, with a growing token (the master's LockService is tested on its own). */
  private fence = 0;
  lock(request: LockRequest): Promise<LockGrant> {
    return Promise.resolve({ name: request.name, token: ++this.fence, expiresAt: Date.now() + request.ttlMs, holder: { user: TEST_OWNER, device: 'test' } });
  }

  renew(request: { name: string; token: number; ttlMs: number }): Promise<LockGrant> {
    return Promise.resolve({ name: request.name, token: request.token, expiresAt: Date.now() + request.ttlMs, holder: { user: TEST_OWNER, device: 'test' } });
  }

  unlock(): Promise<{ released: boolean }> {
    return Promise.resolve({ released: true });
  }

  /** One user: sharing needs the real master (tests/e2e/sharing.test.ts); the user's own keys are kept. */
  private sharing: SharingKeys | undefined;
  share(): Promise<{ shared: true }> {
    return Promise.reject(new ValidationError('the test master has one user: nobody to share with'));
  }

  unshare(): Promise<{ removed: boolean }> {
    return Promise.resolve({ removed: false });
  }

  sharees(): Promise<ShareView[]> {
    return Promise.resolve([]);
  }

  userKey(request: { user: string }): Promise<{ user: string; publicKey: string }> {
    return Promise.reject(new UserNotFoundError(request.user));
  }

  myKeys(): Promise<{ sharing?: SharingKeys }> {
    return Promise.resolve(this.sharing ? { sharing: this.sharing } : {});
  }

  setMyKeys(request: { sharing: SharingKeys }): Promise<{ sharing: SharingKeys }> {
    this.sharing ??= request.sharing;
    return Promise.resolve({ sharing: this.sharing });
  }
}

function summaryOf(manifest: Manifest): FileSummary {
  const replicas = manifest.segments.length === 0 ? 0 : Math.min(...manifest.segments.map((segment) => segment.holders.length));
  return { fileId: manifest.fileId, name: manifest.name, size: manifest.size, version: manifest.version, createdAt: manifest.createdAt, replicas, wanted: replicas, ...(manifest.sealed === undefined ? {} : { sealed: manifest.sealed }) };
}
