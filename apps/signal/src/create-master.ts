/**
 * Wires a master: the directory it is given, shared state (membership, send leases), the
 * services over them, the socket.io gateway and the HTTP routes, and the timers that drive
 * heartbeats and the abandoned-segment sweep. It never carries file bytes.
 *
 * @example
 * const master = await createMaster({ directory: new SqliteDirectory('.meshdrive/master'), port: 7070 });
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { systemClock, type Clock, type MeshState } from '@meshdrive/core';
import type { Directory } from './directory/directory.js';
import { Gateway, type MasterServer } from './gateway.js';
import { httpRoutes } from './http.js';
import { AbandonedSweep } from './services/abandoned-sweep.js';
import { Catalogue } from './services/catalogue.js';
import { PeerRegistry } from './services/peer-registry.js';
import { Placement } from './services/placement.js';
import { MemoryMembership } from './state/memory-membership.js';
import { MemorySendLeases } from './state/memory-send-leases.js';

const DEFAULT_REPLICATION = 3;
const HEARTBEAT_MS = 200;
/** Ten missed beats: a peer busy storing a burst of chunks can stall its event loop for a second. */
const STALE_AFTER_MS = 2_000;
const DEAD_AFTER_MS = 10_000;
/** Sealed segments no file uses are dropped this long after their seal, once no open send may commit them. */
const ABANDON_AFTER_MS = 60 * 60_000;
/** A send still open after this long is taken for dead, and its commit refused. */
const MAX_OPEN_SEND_MS = 24 * 60 * 60_000;
/** Largest socket.io message accepted: a commit of a 4 GiB file's manifest fits comfortably. */
const MAX_EVENT_BYTES = 8 * 1024 * 1024;
/** Until accounts arrive, every file belongs to this owner. */
const DEFAULT_OWNER = 'public';

export interface MasterOptions {
  /** Where files, versions, holders and peers are kept; the master closes it when it closes. */
  directory: Directory;
  /** The master only reads the time. */
  clock?: Pick<Clock, 'now'>;
  /** Maps a handshake token to the owner it acts for; the seam for accounts. */
  authenticate?: (token: string | undefined) => Promise<string>;
  log?: (line: string) => void;
  port?: number;
  host?: string;
  /** Built web app to serve at `/`; a placeholder page is served when absent. */
  webRoot?: string;
  replication?: number;
  heartbeatMs?: number;
  staleAfterMs?: number;
  deadAfterMs?: number;
  /** Segments sealed by sends that never committed are dropped this long after (ABANDON_AFTER_MS). */
  abandonAfterMs?: number;
}

export interface Master {
  url: string;
  port: number;
  state(): Promise<MeshState>;
  close(): Promise<void>;
}

export async function createMaster(options: MasterOptions): Promise<Master> {
  const { directory } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => undefined);
  const replication = Math.max(1, options.replication ?? DEFAULT_REPLICATION);
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const deadAfterMs = options.deadAfterMs ?? DEAD_AFTER_MS;
  const abandonAfterMs = options.abandonAfterMs ?? ABANDON_AFTER_MS;

  const membership = new MemoryMembership({ staleAfterMs: options.staleAfterMs ?? STALE_AFTER_MS, deadAfterMs });
  const leases = new MemorySendLeases({ graceMs: abandonAfterMs, maxOpenMs: Math.max(MAX_OPEN_SEND_MS, abandonAfterMs) });

  // Routes first: socket.io then takes over its own path on the same server.
  const http = createServer(httpRoutes({ webRoot: options.webRoot, onlinePeers: async () => (await registry.online()).length, state: () => meshState() }));
  const io: MasterServer = new Server(http, { maxHttpBufferSize: MAX_EVENT_BYTES, serveClient: false, cors: { origin: true } });
  const registry: PeerRegistry = new PeerRegistry({
    membership,
    directory,
    clock,
    isConnected: (peer): boolean => gateway.isConnected(peer),
    announce: (event): void => gateway.announce(event),
    log,
  });
  const placement = new Placement({ directory, registry, leases, clock, replication, log });
  const catalogue = new Catalogue({ directory, registry, log });
  const sweep = new AbandonedSweep({ directory, leases, clock, abandonAfterMs, startedAt: clock.now(), log });
  const meshState = async (owner?: string): Promise<MeshState> => {
    const { files, atRisk, heldFiles, segmentPositions } = await catalogue.overview(owner);
    return {
      peers: await registry.peerViews(atRisk, heldFiles),
      files,
      ring: registry.currentRing().vnodes.map((vnode) => ({ position: vnode.position, peer: vnode.peer })),
      segmentPositions,
      replication,
    };
  };

  await registry.restore();
  // The registry reaches the gateway only through these callbacks, called once peers connect.
  const gateway: Gateway = new Gateway(io, { registry, placement, catalogue, meshState }, {
    authenticate: options.authenticate ?? (() => Promise.resolve(DEFAULT_OWNER)),
    heartbeatTimeoutMs: deadAfterMs,
    log,
  });

  const heartbeat = setInterval(() => {
    registry.heartbeat(gateway.peerLinks()).catch((error: unknown) => log(`heartbeat round failed: ${String(error)}`));
  }, heartbeatMs);
  const abandonSweep = setInterval(() => {
    sweep.sweep(gateway.peerLinks()).catch((error: unknown) => log(`could not look for abandoned segments: ${String(error)}`));
  }, Math.max(heartbeatMs, abandonAfterMs / 4));

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (error) {
    clearInterval(heartbeat);
    clearInterval(abandonSweep);
    await io.close();
    await directory.close();
    throw error;
  }
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
