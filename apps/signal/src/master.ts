/**
 * The master: a socket.io server that keeps the directory, places segments on the ring, relays
 * WebRTC signaling, and drives heartbeats. It never carries file bytes. Handlers are thin:
 * validate the payload, call the directory / membership / ring, reply.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { Server, type Socket } from 'socket.io';
import {
  asFileId,
  asPeerId,
  commitSchema,
  emptySchema,
  FileNotFoundError,
  HashRing,
  joinSchema,
  locateSchema,
  MeshError,
  nameSchema,
  parseMeta,
  peerStatsSchema,
  pinReportSchema,
  placeSchema,
  randomId,
  SendExpiredError,
  segmentCount,
  segmentKey,
  signalRelaySchema,
  toErrorPayload,
  UnauthorizedError,
  ValidationError,
  VersionConflictError,
  PeerUnavailableError,
  type Ack,
  type ClientToServerEvents,
  type FileSummary,
  type JoinRequest,
  type Manifest,
  type MeshState,
  type PeerId,
  type PeerStatus,
  type ServerToClientEvents,
} from '@meshdrive/core';
import type { Directory } from './directory.js';
import { MemoryDirectory } from './directory-memory.js';
import { SqliteDirectory } from './directory-sqlite.js';
import { DEAD_AFTER_MS, HEARTBEAT_MS, Membership, STALE_AFTER_MS, type StatusChange } from './membership.js';
import { SendLeases } from './orphans.js';
import { placeholderPage } from './placeholder.js';

export const DEFAULT_REPLICATION = 3;
/** Largest socket.io message accepted: a commit of a 4 GiB file's manifest fits comfortably. */
export const MAX_EVENT_BYTES = 8 * 1024 * 1024;
/** Until accounts arrive, every file belongs to this owner. */
export const DEFAULT_OWNER = 'public';
/** A peer that does not confirm a drop in this time gets it again when it next joins. */
const DROP_ACK_TIMEOUT_MS = 30_000;
/** Sealed segments no file uses are dropped this long after their seal, once no open send may commit them. */
export const ABANDON_AFTER_MS = 60 * 60_000;
/** A send still open after this long is taken for dead, and its commit refused. */
const MAX_OPEN_SEND_MS = 24 * 60 * 60_000;
/** How long a peer has to answer the master's question about its old pins. */
const PIN_REPORT_TIMEOUT_MS = 30_000;

export interface MasterOptions {
  port?: number;
  host?: string;
  /** Directory for the SQLite directory; without it the master forgets everything on exit. */
  dataDir?: string;
  /** Built web app to serve at `/`; a placeholder page is served when absent. */
  webRoot?: string;
  replication?: number;
  heartbeatMs?: number;
  staleAfterMs?: number;
  deadAfterMs?: number;
  /** Segments sealed by sends that never committed are dropped this long after (ABANDON_AFTER_MS). */
  abandonAfterMs?: number;
  /** Maps a handshake token to the owner it acts for; the seam for accounts. */
  authenticate?: (token: string | undefined) => Promise<string>;
  log?: (line: string) => void;
}

export interface Master {
  url: string;
  port: number;
  state(): Promise<MeshState>;
  close(): Promise<void>;
}

interface SocketData {
  join: JoinRequest;
  owner: string;
}

type MasterSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export async function startMaster(options: MasterOptions = {}): Promise<Master> {
  const replication = Math.max(1, options.replication ?? DEFAULT_REPLICATION);
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const timing = { staleAfterMs: options.staleAfterMs ?? STALE_AFTER_MS, deadAfterMs: options.deadAfterMs ?? DEAD_AFTER_MS };
  const directory: Directory = options.dataDir ? new SqliteDirectory(options.dataDir) : new MemoryDirectory();
  const authenticate = options.authenticate ?? (() => Promise.resolve(DEFAULT_OWNER));
  const log = options.log ?? (() => undefined);
  const membership = new Membership(timing);
  for (const peer of await directory.knownPeers()) membership.remember(peer);

  const sockets = new Map<string, MasterSocket>();
  const abandonAfterMs = options.abandonAfterMs ?? ABANDON_AFTER_MS;
  const leases = new SendLeases({ graceMs: abandonAfterMs, maxOpenMs: Math.max(MAX_OPEN_SEND_MS, abandonAfterMs), startedAt: Date.now() });
  let ring = new HashRing([]);

  // Looked up per request, so a web app built after the master started is served at once.
  let serveWeb: ReturnType<typeof sirv> | undefined;
  const webApp = (): ReturnType<typeof sirv> | undefined => {
    if (!serveWeb && options.webRoot && existsSync(options.webRoot)) serveWeb = sirv(options.webRoot, { single: true, dev: false });
    return serveWeb;
  };
  const http = createServer((request, response) => {
    handleHttp(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify(toErrorPayload(error)));
    });
  });
  const handleHttp = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, peers: membership.online().length }));
      return;
    }
    if (path === '/api/state') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(await meshState()));
      return;
    }
    const web = webApp();
    if (web) {
      web(request, response);
      return;
    }
    response.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    response.end(placeholderPage());
  };

  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(http, {
    maxHttpBufferSize: MAX_EVENT_BYTES,
    serveClient: false,
    cors: { origin: true },
  });

  io.use((socket, next) => {
    const parsed = joinSchema.safeParse(socket.handshake.auth);
    if (!parsed.success) {
      next(Object.assign(new Error('invalid join: ' + (parsed.error.issues[0]?.message ?? 'malformed')), { data: toErrorPayload(new ValidationError('invalid join request')) }));
      return;
    }
    authenticate(parsed.data.token).then(
      (owner) => {
        socket.data.join = parsed.data;
        socket.data.owner = owner;
        next();
      },
      (error: unknown) => next(Object.assign(new Error('unauthorized'), { data: toErrorPayload(error instanceof MeshError ? error : new UnauthorizedError()) })),
    );
  });

  const rebuildRing = (): void => {
    const next = new HashRing(membership.online().map((peer) => ({ id: peer.id, capacity: peer.capacity })));
    const changed = next.members.map((m) => m.id).join() !== ring.members.map((m) => m.id).join();
    ring = next;
    void changed;
  };

  const announce = (changes: (StatusChange | undefined)[]): void => {
    const real = changes.filter((change): change is StatusChange => change !== undefined);
    for (const change of real) {
      log(`peer ${change.id.slice(0, 8)} ${change.from} -> ${change.to}`);
      io.emit('peer-status', { id: change.id, status: change.to, connected: sockets.has(change.id) });
    }
    if (real.length > 0) rebuildRing();
  };

  let beatSeq = 0;
  const heartbeat = setInterval(() => {
    beatSeq++;
    for (const socket of sockets.values()) {
      if (socket.data.join.role !== 'peer') continue;
      const id = asPeerId(socket.data.join.id);
      socket.timeout(timing.deadAfterMs).emit('heartbeat', { seq: beatSeq }, (error: Error | null, stats: unknown) => {
        if (error) return;
        const parsed = peerStatsSchema.safeParse(stats);
        if (parsed.success && sockets.get(id) === socket) membership.beat(id, parsed.data, Date.now());
      });
    }
    announce(membership.tick(Date.now()));
  }, heartbeatMs);

  io.on('connection', (socket) => {
    const join = socket.data.join;
    const id = asPeerId(join.id);
    const previous = sockets.get(id);
    if (previous && previous !== socket) {
      // The same id joined again before its old socket closed: a restarted process. Links to the old one are dead.
      previous.disconnect(true);
      io.emit('peer-status', { id, status: membership.status(id), connected: false });
    }
    sockets.set(id, socket);
    leases.connected(id);
    if (join.role === 'peer') {
      const info = { id, kind: join.kind, capacity: join.capacity ?? 0, label: join.label };
      void directory.rememberPeer({ ...info, lastSeen: Date.now() });
      announce([membership.join(info, Date.now())]);
      void deliverDrops(id);
    }
    socket.on('disconnect', () => {
      if (sockets.get(id) !== socket) return;
      sockets.delete(id);
      leases.disconnected(id, Date.now());
      if (join.role === 'peer') {
        membership.disconnect(id);
        // Tell everyone now, not after the stale timeout: their WebRTC links to it are probably dead.
        io.emit('peer-status', { id, status: membership.status(id), connected: false });
        announce(membership.tick(Date.now()));
      }
    });

    handle(socket, 'signal', (payload) => {
      const relay = parseMeta(signalRelaySchema, payload, 'signal');
      const target = sockets.get(relay.to);
      if (!target) throw new PeerUnavailableError(relay.to, 'not connected to the master');
      target.emit('signal', { from: id, connectionId: relay.connectionId, data: relay.data });
      return Promise.resolve(null);
    });
    handle(socket, 'place', async (payload) => {
      const request = parseMeta(placeSchema, payload, 'place request');
      const existing = await directory.findFile(socket.data.owner, request.name);
      if (request.fileId && existing && existing.fileId !== request.fileId) {
        throw new VersionConflictError(request.name, 0, existing.version);
      }
      const fileId = existing?.fileId ?? asFileId(request.fileId ?? randomId());
      const copies = Math.min(replication, ring.size);
      // Peers whose store said it is full are passed over while enough others are online.
      const full = new Set(membership.online().filter((peer) => peer.stats.full === true).map((peer) => peer.id));
      const segments = Array.from({ length: segmentCount(request.size, request) }, (_, index) => ring.replicaSet(segmentKey(fileId, index), copies, (peer) => full.has(peer)));
      // A send's first placement has no fileId; retries carry the one it was given.
      leases.placed(id, fileId, request.fileId === undefined, Date.now());
      return { fileId, baseVersion: existing?.version ?? 0, replication: copies, segments };
    });
    handle(socket, 'commit', async (payload) => {
      const request = parseMeta(commitSchema, payload, 'commit');
      if (request.segments.length !== segmentCount(request.size, request)) {
        throw new ValidationError(`a ${request.size}-byte file has ${segmentCount(request.size, request)} segments, not ${request.segments.length}`);
      }
      const manifest: Manifest = {
        fileId: asFileId(request.fileId),
        name: request.name,
        owner: socket.data.owner,
        version: request.baseVersion + 1,
        size: request.size,
        chunkSize: request.chunkSize,
        segmentChunks: request.segmentChunks,
        ...(request.codec === undefined ? {} : { codec: request.codec }),
        createdAt: Date.now(),
        segments: request.segments.map((segment) => ({ ...segment, listHash: segment.listHash as Manifest['segments'][number]['listHash'], holders: segment.holders.map(asPeerId) })),
      };
      if (!leases.committed(id, request.fileId)) {
        throw new SendExpiredError(request.name);
      }
      if (!(await directory.commitVersion(manifest, request.baseVersion))) {
        const current = await directory.findFile(socket.data.owner, request.name);
        throw new VersionConflictError(request.name, request.baseVersion, current?.version ?? 0);
      }
      log(`stored "${manifest.name}" v${manifest.version} (${manifest.size} bytes)`);
      return summarize(manifest);
    });
    handle(socket, 'locate', async (payload) => {
      const request = parseMeta(locateSchema, payload, 'locate request');
      const file = await directory.findFile(socket.data.owner, request.name);
      if (!file) throw new FileNotFoundError(request.name);
      const manifest = await directory.getManifest(file.fileId, request.version ?? file.version);
      if (!manifest) throw new FileNotFoundError(`${request.name}@${request.version}`);
      const status: Record<string, PeerStatus> = {};
      for (const segment of manifest.segments) for (const holder of segment.holders) status[holder] = membership.status(holder);
      return { manifest, status };
    });
    handle(socket, 'list', async (payload) => {
      parseMeta(emptySchema, payload ?? {}, 'list request');
      return listSummaries(socket.data.owner);
    });
    handle(socket, 'remove', async (payload) => {
      const request = parseMeta(nameSchema, payload, 'remove request');
      const file = await directory.findFile(socket.data.owner, request.name);
      if (!file) throw new FileNotFoundError(request.name);
      const manifests: Manifest[] = [];
      for (let version = 1; version <= file.version; version++) {
        const manifest = await directory.getManifest(file.fileId, version);
        if (manifest) manifests.push(manifest);
      }
      const { versions, orphanLists } = await directory.removeFile(socket.data.owner, request.name);
      const orphans = new Set(orphanLists);
      const byPeer = new Map<string, Set<string>>();
      for (const manifest of manifests) {
        for (const segment of manifest.segments) {
          if (!orphans.has(segment.listHash)) continue;
          for (const holder of segment.holders) {
            if (!byPeer.has(holder)) byPeer.set(holder, new Set());
            byPeer.get(holder)!.add(segment.listHash);
          }
        }
      }
      for (const [peer, lists] of byPeer) await directory.queueDrops(asPeerId(peer), [...lists]);
      for (const peer of byPeer.keys()) void deliverDrops(asPeerId(peer));
      log(`removed "${request.name}" (${versions} versions)`);
      return { removed: versions };
    });
    handle(socket, 'status', async (payload) => {
      parseMeta(emptySchema, payload ?? {}, 'status request');
      return meshState(socket.data.owner);
    });
  });

  /**
   * Asks each peer for the segments it sealed at least abandonAfterMs ago, page by page, and
   * tells it which of them no file uses and no open send can still commit.
   */
  let sweeping = false;
  const dropAbandoned = async (): Promise<void> => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (const [peer, socket] of sockets) {
        if (socket.data.join.role !== 'peer') continue;
        for (let after: string | undefined; ;) {
          const answer: unknown = await socket.timeout(PIN_REPORT_TIMEOUT_MS).emitWithAck('pins', { olderThanMs: abandonAfterMs, after }).catch(() => undefined);
          const report = pinReportSchema.safeParse(answer);
          if (!report.success) break;
          const { pins, more } = report.data;
          const used = await directory.usedLists(pins.map((pin) => pin.list));
          const lists = leases.abandoned(pins, used, Date.now());
          if (lists.length > 0) {
            socket.emit('abandoned', { lists, olderThanMs: abandonAfterMs });
            log(`peer ${peer.slice(0, 8)}: dropping ${lists.length} segments of sends that never committed`);
          }
          if (!more || pins.length === 0) break;
          after = pins.at(-1)!.list;
        }
      }
    } finally {
      sweeping = false;
    }
  };
  const abandonSweep = setInterval(() => {
    dropAbandoned().catch((error: unknown) => log(`could not look for abandoned segments: ${String(error)}`));
  }, Math.max(heartbeatMs, abandonAfterMs / 4));

  /** Sends a peer the drops queued for it; they are forgotten only once it confirms. */
  const deliverDrops = async (peer: PeerId): Promise<void> => {
    const socket = sockets.get(peer);
    const lists = await directory.pendingDrops(peer);
    if (!socket || lists.length === 0) return;
    socket.timeout(DROP_ACK_TIMEOUT_MS).emit('drop', { lists }, (error: Error | null, done: unknown) => {
      if (!error && done === true) directory.clearDrops(peer, lists).catch((failure: unknown) => log(`could not clear drops: ${String(failure)}`));
    });
  };

  const summarize = (manifest: Manifest): FileSummary => {
    const wanted = manifest.segments.reduce((most, segment) => Math.max(most, segment.holders.length), 0);
    const replicas = manifest.segments.length === 0
      ? wanted
      : Math.min(...manifest.segments.map((segment) => segment.holders.filter((holder) => membership.status(holder) !== 'dead').length));
    return { fileId: manifest.fileId, name: manifest.name, size: manifest.size, version: manifest.version, createdAt: manifest.createdAt, replicas, wanted };
  };

  const listSummaries = async (owner?: string): Promise<(FileSummary & { owner: string })[]> => {
    const files = owner === undefined ? await directory.allFiles() : await directory.listFiles(owner);
    const summaries: (FileSummary & { owner: string })[] = [];
    for (const file of files) {
      const manifest = await directory.getManifest(file.fileId, file.version);
      if (manifest) summaries.push({ ...summarize(manifest), owner: file.owner });
    }
    return summaries;
  };

  const meshState = async (owner?: string): Promise<MeshState> => ({
    peers: membership.all().map((peer) => ({
      id: peer.id,
      kind: peer.kind,
      status: peer.status,
      backups: [],
      chunks: peer.stats.chunks,
      bytes: peer.stats.bytes,
      capacity: peer.capacity,
      full: peer.stats.full === true,
      label: peer.label,
      lastSeen: peer.lastSeen,
    })),
    files: await listSummaries(owner),
    ring: ring.vnodes.map((vnode) => ({ position: vnode.position, peer: vnode.peer })),
    replication,
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  log(`master listening on ${url}`);

  return {
    url,
    port: address.port,
    state: () => meshState(),
    async close() {
      clearInterval(heartbeat);
      clearInterval(abandonSweep);
      await io.close();
      await directory.close();
    },
  };
}

/**
 * Registers a request handler that can never crash the master: a payload that fails its schema,
 * a missing acknowledgement callback or a thrown error all end as a typed error reply (or
 * silence, when there is no callback to answer).
 */
function handle<E extends keyof ClientToServerEvents, T>(socket: MasterSocket, event: E, run: (payload: unknown) => Promise<T>): void {
  const listener = (payload: unknown, ack: unknown): void => {
    if (typeof ack !== 'function') return;
    const reply = ack as Ack<T>;
    // Started inside a promise so a handler that throws synchronously (the signal relay does)
    // still ends as an error reply instead of an uncaught exception and a silent ack.
    new Promise<T>((resolve) => resolve(run(payload))).then(
      (value) => reply({ ok: true, value }),
      (error: unknown) => reply({ ok: false, error: toErrorPayload(error) }),
    );
  };
  socket.on(event, listener as never);
}
