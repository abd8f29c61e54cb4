/**
 * A storage peer on the mesh: joins the master with its persisted id, answers the master's
 * heartbeats with its holdings, serves and forwards chunks over pooled WebRTC connections, and
 * drops segments when told. Used unchanged by the Node daemon and by the browser tab.
 */
import type { Hasher } from '../codec/hasher.js';
import type { PeerId } from '../ids.js';
import { MasterConnection, type TokenSource } from '../transport/master-connection.js';
import { copyOrderSchema, MAX_DAMAGE_REPORT, MAX_HOLDING_QUESTION, type PeerKind } from '../wire/signal-protocol.js';
import { toErrorPayload, ValidationError } from '../errors.js';
import { copySegment } from './copies.js';
import { loadPeerIdentity, type PeerIdentity } from './identity.js';
import { StoragePeer } from './storage-peer.js';
import type { AccessCheck } from './ticket-check.js';
import type { PeerStore } from '../stores/chunk-store.js';
import { ConnectionPool, type RtcEndpointFactory } from '../transport/pool.js';

/** How often a peer looks for chunks of abandoned sends (it skips the turn while busy). */
const GC_INTERVAL_MS = 5 * 60_000;

export interface MeshPeerOptions {
  signalUrl: string;
  store: PeerStore;
  hasher: Hasher;
  createEndpoint: RtcEndpointFactory;
  kind: PeerKind;
  /** Bytes offered to the mesh; read at every heartbeat, so a new offer needs no rejoin. */
  capacity: number;
  token?: TokenSource;
  /** The mesh's join secret, which a headless peer without an account presents. */
  joinSecret?: string;
  /** Its identity, when the caller loaded it already (loadPeerIdentity on the same store). */
  identity?: PeerIdentity;
  /** The name its person gave it; read at every heartbeat, like `capacity`. */
  label?: string;
  /** What it runs on ("Chromium on Linux"), for views of a peer without a label. */
  device?: string;
  /** Its store is in memory: the master keeps a durable peer in every segment's copies. */
  volatile?: boolean;
  /** The check of every write and read it serves; the master's tickets unless given (StoragePeerOptions.access). */
  access?: AccessCheck;
  /** How often it scrubs every held segment (SCRUB_EVERY_MS), and how fast (StoragePeerOptions.scrubBytesPerSecond); 0: never. */
  scrubEveryMs?: number;
  scrubBytesPerSecond?: number;
}

/** A full scrub once a day; the first a few minutes after start (or after one interval, if shorter). */
export const SCRUB_EVERY_MS = 24 * 60 * 60_000;
const FIRST_SCRUB_AFTER_MS = 10 * 60_000;

/** Tells the master of damaged segments, batched per turn; those found while it is away are told on rejoin. */
function reportDamage(master: MasterConnection): (list: string) => void {
  const pending = new Set<string>();
  const flush = (): void => {
    if (!master.socket.connected || pending.size === 0) return;
    master.socket.emit('damaged', { lists: [...pending].slice(0, MAX_DAMAGE_REPORT) });
    pending.clear();
  };
  master.socket.on('connect', flush);
  return (list) => {
    if (!/^[0-9a-f]{64}$/.test(list)) return;
    if (pending.size === 0) queueMicrotask(flush);
    pending.add(list);
  };
}

export interface MeshPeer {
  readonly id: PeerId;
  readonly master: MasterConnection;
  readonly pool: ConnectionPool;
  readonly storage: StoragePeer;
  close(): Promise<void>;
}

/**
 * Closes pooled connections to peers the master lost or declared dead, so requests fail over
 * at once instead of waiting for a silent WebRTC link to time out.
 */
export function followPeerHealth(master: MasterConnection, pool: ConnectionPool): void {
  master.socket.on('peer-status', (change) => {
    if (typeof change?.id !== 'string') return;
    if (change.status === 'dead' || change.connected === false) pool.drop(change.id, change.status === 'dead' ? 'the master declared it dead' : 'it lost its connection to the master');
  });
}

/** The well-formed segment names (64 hex digits) in a list from the master. */
function listHashes(lists: unknown[]): string[] {
  return lists.filter((list): list is string => typeof list === 'string' && /^[0-9a-f]{64}$/.test(list));
}

/** A pin age from the master, if it is one (a finite number of milliseconds, not negative). */
function ageOf(value: unknown): number | undefined {
  const ms = Number(value);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * Tells the master of every segment sealed here, batched per turn of the event loop: a commit
 * may name this peer as a holder only once it has. Sent before the Seal's reply goes back, so
 * it is at the master before the client's commit. The master keeps receipts in memory, so the
 * recent ones are told again at every rejoin: a send that outlives a master restart still commits.
 */
function reportSeals(master: MasterConnection): (list: string, chunks: number) => void {
  const recent = new Map<string, { chunks: number; at: number }>();
  let batch: { list: string; chunks: number }[] = [];
  const send = (segments: { list: string; chunks: number }[]): void => {
    for (let start = 0; start < segments.length; start += SEAL_REPORT_BATCH) master.socket.emit('sealed', { segments: segments.slice(start, start + SEAL_REPORT_BATCH) });
  };
  let joined = false;
  master.socket.on('connect', () => {
    // The first connect has nothing to repeat; later ones are rejoins, perhaps to a restarted master.
    if (joined) send([...recent].filter(([, seal]) => Date.now() - seal.at < RESEND_SEALS_FOR_MS).map(([list, seal]) => ({ list, chunks: seal.chunks })));
    joined = true;
  });
  return (list, chunks) => {
    if (batch.length === 0) queueMicrotask(() => {
      const segments = batch;
      batch = [];
      if (master.socket.connected) send(segments);
    });
    batch.push({ list, chunks });
    recent.delete(list); // newest last, so the oldest go first when the map is full
    recent.set(list, { chunks, at: Date.now() });
    if (recent.size > MAX_RECENT_SEALS) recent.delete(recent.keys().next().value!);
  };
}
/** Receipts per `sealed` message (its schema's limit). */
const SEAL_REPORT_BATCH = 1024;
/** Seals told again at a rejoin: those of the last day, as long as an open send may commit them. */
const RESEND_SEALS_FOR_MS = 24 * 60 * 60_000;
const MAX_RECENT_SEALS = 65_536;

export async function startMeshPeer(options: MeshPeerOptions): Promise<MeshPeer> {
  const identity = options.identity ?? (await loadPeerIdentity(options.store));
  const id = identity.id;
  const master = new MasterConnection(options.signalUrl, {
    role: 'peer',
    identity,
    kind: options.kind,
    capacity: options.capacity,
    token: options.token,
    secret: options.joinSecret,
    label: options.label,
    device: options.device,
    ...(options.volatile ? { volatile: true } : {}),
  });
  // The pool serves requests with the storage peer, which forwards through the pool.
  const pool: ConnectionPool = new ConnectionPool({
    selfId: id,
    signaling: master,
    createEndpoint: options.createEndpoint,
    handler: (request) => storage.handle(request),
  });
  const storage = new StoragePeer({
    selfId: id,
    store: options.store,
    hasher: options.hasher,
    connect: (peer) => pool.connect(peer),
    onSealed: reportSeals(master),
    onDamaged: reportDamage(master),
    access: options.access,
    scrubBytesPerSecond: options.scrubBytesPerSecond,
  });

  master.socket.on('heartbeat', (_beat, ack) => {
    if (typeof ack !== 'function') return;
    options.store.stats().then(
      (stats) => ack({ ...stats, capacity: options.capacity, full: storage.full, label: options.label ?? '' }),
      () => ack({ chunks: 0, bytes: 0, capacity: 0 }),
    );
  });
  // The key the master signs tickets with: no write or read is served before it is known.
  master.socket.on('welcome', (info) => {
    if (typeof info?.masterKey === 'string') storage.tickets.trust(info.masterKey);
  });
  followPeerHealth(master, pool);
  master.socket.on('drop', (order, ack) => {
    const done = typeof ack === 'function' ? ack : () => undefined;
    if (!Array.isArray(order?.lists)) return done(false);
    const lists = listHashes(order.lists);
    // Unacknowledged, the master keeps the order and sends it again when this peer rejoins.
    storage.collection.dropSegments(lists).then(() => done(true), () => done(false));
  });
  master.socket.on('pins', (question, ack) => {
    if (typeof ack !== 'function') return;
    const olderThanMs = ageOf(question?.olderThanMs);
    const after = typeof question?.after === 'string' ? question.after : undefined;
    if (olderThanMs === undefined) return ack({ pins: [], more: false });
    storage.pins.oldPins(olderThanMs, after).then(ack, () => ack({ pins: [], more: false }));
  });
  master.socket.on('holding', (question, ack) => {
    if (typeof ack !== 'function') return;
    const lists = Array.isArray(question?.lists) ? listHashes(question.lists).slice(0, MAX_HOLDING_QUESTION) : [];
    storage.lacking(lists).then(ack, () => ack([]));
  });
  master.socket.on('copy', (order, ack) => {
    if (typeof ack !== 'function') return;
    const parsed = copyOrderSchema.safeParse(order);
    if (!parsed.success) return ack({ ok: false, error: toErrorPayload(new ValidationError('invalid copy order')) });
    copySegment({ store: options.store, hasher: options.hasher, connect: (peer) => pool.connect(peer) }, parsed.data).then(
      () => ack({ ok: true, value: null }),
      (error: unknown) => ack({ ok: false, error: toErrorPayload(error) }),
    );
  });
  master.socket.on('abandoned', (order) => {
    const olderThanMs = ageOf(order?.olderThanMs);
    if (!Array.isArray(order?.lists) || olderThanMs === undefined) return;
    storage.collection.dropAbandoned(listHashes(order.lists), olderThanMs).catch(() => undefined); // judged again at the next report
  });

  const collector = setInterval(() => {
    storage.collection.collectGarbage().catch(() => undefined); // a failed sweep is retried next interval
  }, GC_INTERVAL_MS);
  const scrubEveryMs = options.scrubEveryMs ?? SCRUB_EVERY_MS;
  const scrubbing = new AbortController();
  const scrub = (): void => void storage.scrub.pass(scrubbing.signal).catch(() => undefined); // a failed pass is tried again next time
  const firstScrub = scrubEveryMs > 0 ? setTimeout(scrub, Math.min(scrubEveryMs, FIRST_SCRUB_AFTER_MS)) : undefined;
  const scrubs = scrubEveryMs > 0 ? setInterval(scrub, scrubEveryMs) : undefined;

  return {
    id,
    master,
    pool,
    storage,
    async close() {
      clearInterval(collector);
      clearTimeout(firstScrub);
      clearInterval(scrubs);
      scrubbing.abort();
      pool.close();
      master.close();
      await options.store.close();
    },
  };
}
