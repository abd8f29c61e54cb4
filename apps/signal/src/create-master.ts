/**
 * Wires a master: the directory it is given, shared state (membership, send leases), the
 * services over them, the socket.io gateway and the HTTP routes, and the timers that drive
 * heartbeats and the abandoned-segment sweep. It never carries file bytes.
 *
 * @example
 * const master = await createMaster({ directory: new SqliteDirectory('.meshdrive/master'), port: 7070 });
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { AuthRequiredError, DEFAULT_LAYOUT, JoinSecretError, segmentBytes, systemClock, type Clock, type JoinRequest, type MeshState } from '@meshdrive/core';
import type { Directory } from './directory/directory.js';
import { openAccounts, type Accounts } from './accounts/accounts.js';
import { Gateway, type MasterServer, type Principal } from './gateway.js';
import { httpRoutes } from './http.js';
import { JoinChallenges } from './join-challenges.js';
import { AbandonedSweep } from './services/abandoned-sweep.js';
import { Catalogue } from './services/catalogue.js';
import { PeerRegistry } from './services/peer-registry.js';
import { TicketIssuer, type TicketSource } from './services/tickets.js';
import { Repair } from './services/repair.js';
import { chooseChains, Placement } from './services/placement.js';
import { MemoryMembership } from './state/memory-membership.js';
import { MemorySealReceipts } from './state/memory-seal-receipts.js';
import { MemorySendLeases } from './state/memory-send-leases.js';
import { MemoryLocks } from './state/memory-locks.js';
import type { Locks } from './state/locks.js';
import type { SendLeases, SendLeaseTiming } from './state/send-leases.js';
import { LockService } from './services/lock-service.js';
import { Sharing } from './services/sharing.js';
import type { Cluster } from './cluster/cluster.js';
import type { Coordinator } from './cluster/coordinator.js';

const DEFAULT_REPLICATION = 3;
const HEARTBEAT_MS = 200;
/** Ten missed beats: a peer busy storing a burst of chunks can stall its event loop for a second. */
const STALE_AFTER_MS = 2_000;
const DEAD_AFTER_MS = 10_000;
/** Sealed segments no file uses are dropped this long after their seal, once no open send may commit them. */
const ABANDON_AFTER_MS = 60 * 60_000;
/** After a restart, peers the master knew get this long (or three dead graces) to rejoin before their copies are made again. */
const RESTART_GRACE_MS = 30_000;
/** How often repair looks for segments short of copies and starts copies. */
const REPAIR_PASS_MS = 500;
/** A send still open after this long is taken for dead, and its commit refused. */
const MAX_OPEN_SEND_MS = 24 * 60 * 60_000;
/** Versions kept per file unless the mesh is configured otherwise. */
export const KEEP_VERSIONS = 10;
/** How often lapsed lock leases are released and handed to the next waiter. */
const LOCK_TICK_MS = 50;
/** Largest socket.io message accepted: the commit of a file of MAX_FILE_SEGMENTS segments fits (signal-protocol.test.ts). */
const MAX_EVENT_BYTES = 8 * 1024 * 1024;

export interface MasterOptions {
  /** Where files, versions, holders and peers are kept; the master closes it when it closes. */
  directory: Directory;
  /** The master only reads the time. */
  clock?: Pick<Clock, 'now'>;
  /** Users, passwords and sessions, closed with the master; a volatile set with a fresh signing key when absent. */
  accounts?: Accounts;
  /** Who a join acts for; by default the user its access token names (see accountsAuthentication). */
  authenticate?: (join: JoinRequest) => Promise<Principal>;
  /** What headless storage peers without an account present to join; without it only accounts join. */
  joinSecret?: string;
  log?: (line: string) => void;
  port?: number;
  host?: string;
  /** Built web app to serve at `/`; a placeholder page is served when absent. */
  webRoot?: string;
  /** Requests each socket may send (see Gateway); tests that flood on purpose raise it. */
  rateLimit?: { perSecond: number; burst: number };
  /** Origins besides the master's own whose pages may connect (a development server's, say). */
  allowedOrigins?: string[];
  /** Serve HTTPS with this certificate and key (PEM): browsers give WebCrypto only to secure pages off localhost. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  replication?: number;
  heartbeatMs?: number;
  staleAfterMs?: number;
  deadAfterMs?: number;
  /** Segments sealed by sends that never committed are dropped this long after (ABANDON_AFTER_MS). */
  abandonAfterMs?: number;
  /** Bytes per second of repair copies started, at most (REPAIR_BYTES_PER_SECOND). */
  repairBytesPerSecond?: number;
  /** Who writes the tickets of placements and locations; the master's key (TicketIssuer) unless given. */
  tickets?: TicketSource;
  /** Versions kept per file (KEEP_VERSIONS); older ones are forgotten and their chunks collected. */
  keepVersions?: number;
  /**
   * Several masters serving one mesh (Cluster.join on their shared Redis): events, membership
   * and seal receipts go through it; the directory must then be one they share too (PgDirectory).
   * Closed with the master.
   */
  cluster?: Cluster;
  /** Masters on a shared directory elect one to repair (Coordinator); started and stopped with the master. */
  coordinator?: Coordinator;
  /** File locks the masters share (PgLocks on their directory's database); in this master's memory when absent. */
  locks?: Locks;
  /** Open sends the masters share (PgSendLeases), made with the master's timing; in its memory when absent. */
  sendLeases?: (timing: SendLeaseTiming) => SendLeases;
  /**
   * The URL pages and peers reach this master at, when not the one it listens on (behind a proxy,
   * say): what the other masters tell the web app to move to, and whose origin they let in.
   */
  publicUrl?: string;
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

  const { cluster } = options;
  const timing = { staleAfterMs: options.staleAfterMs ?? STALE_AFTER_MS, deadAfterMs };
  const sharedMembership = cluster?.membership(timing, () => clock.now(), log);
  const membership = sharedMembership ?? new MemoryMembership(timing);
  const sendTiming = { graceMs: abandonAfterMs, maxOpenMs: Math.max(MAX_OPEN_SEND_MS, abandonAfterMs) };
  const leases = options.sendLeases?.(sendTiming) ?? new MemorySendLeases(sendTiming);

  // Routes first: socket.io then takes over its own path on the same server.
  const accounts = options.accounts ?? (await openAccounts(undefined, { clock }));
  const scheme = options.tls ? 'https' : 'http';
  // With several masters, a page one of them served may move to another: their origins are let in too.
  const otherOrigin = (origin: string): boolean => (options.allowedOrigins ?? []).includes(origin) || (cluster?.otherMasters() ?? []).some((url) => new URL(url).origin === origin);
  const challenges = new JoinChallenges(clock);
  /** Where this master is reached: its listening URL unless told (set once it listens). */
  let publicUrl = options.publicUrl ?? '';
  const routes = httpRoutes({ challenge: () => challenges.issue(), webRoot: options.webRoot, onlinePeers: async () => (await registry.online()).length, state: (owner) => meshState(owner), metrics: () => ({ connections: gateway.connections, heartbeat: gateway.heartbeats.take() }), masters: () => [publicUrl, ...(cluster?.otherMasters() ?? [])], crossOrigin: otherOrigin, accounts });
  const http = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, routes) : createServer(routes);
  // Pages of other origins may not open sockets here: only the master's own origin, those configured, and the other masters'.
  const originAllowed = (origin: string | undefined, host: string | undefined): boolean =>
    origin === undefined || origin === `${scheme}://${host}` || otherOrigin(origin);
  const io: MasterServer = new Server(http, {
    maxHttpBufferSize: MAX_EVENT_BYTES,
    serveClient: false,
    ...(cluster ? { adapter: cluster.adapter() } : {}),
    cors: { origin: (origin, callback) => callback(null, origin !== undefined && otherOrigin(origin)) },
    allowRequest: (request, callback) => {
      const allowed = originAllowed(request.headers.origin, request.headers.host);
      callback(allowed ? null : 'origin not allowed', allowed);
    },
  });
  const registry: PeerRegistry = new PeerRegistry({
    membership,
    directory,
    clock,
    isConnected: (peer): boolean => gateway.isConnected(peer) || cluster?.elsewhere(peer) === true,
    announce: (event): void => {
      gateway.announce(event);
      // Back from the dead on the same socket (a frozen process, a network cut that healed):
      // the copies replaced meanwhile are dropped now, not at its next join.
      if (event.status === 'online') gateway.deliverDrops(event.id);
    },
    log,
  });
  // A receipt outlives any send that could still commit it.
  const receiptsKeptMs = Math.max(abandonAfterMs, MAX_OPEN_SEND_MS);
  const receipts = cluster?.receipts(receiptsKeptMs) ?? new MemorySealReceipts();
  const tickets = options.tickets ?? new TicketIssuer(accounts.ticketSigner(), clock);
  const locks = new LockService({ locks: options.locks ?? new MemoryLocks(() => directory.nextFence()), clock, log });
  const keepVersions = Math.max(1, options.keepVersions ?? KEEP_VERSIONS);
  const sharing = new Sharing({ directory, accounts, log });
  const placement = new Placement({ directory, registry, leases, clock, replication, receipts, tickets, locks, keepVersions, sharing, dropsQueued: (peer) => gateway.deliverDrops(peer), log });
  const catalogue = new Catalogue({ directory, registry, tickets, locks, log });
  const repair = new Repair({
    directory,
    members: () => registry.members(),
    ringFrom: (key) => {
      const ring = registry.currentRing();
      return ring.replicaSet(key, ring.size);
    },
    chains: async () => {
      const ring = registry.currentRing();
      return chooseChains(ring, await registry.online(), Math.min(replication, ring.size), segmentBytes(DEFAULT_LAYOUT));
    },
    dropsQueued: (peer) => gateway.deliverDrops(peer),
    link: (peer) => gateway.peerLink(peer),
    receipts,
    tickets,
    clock,
    replication,
    startedAt: clock.now(),
    restartGraceMs: Math.max(3 * deadAfterMs, RESTART_GRACE_MS),
    bytesPerSecond: options.repairBytesPerSecond,
    coordinator: options.coordinator,
    log,
  });
  const sweep = new AbandonedSweep({ directory, leases, clock, abandonAfterMs, startedAt: clock.now(), log });
  /** The mesh as `owner` sees it: null sees no files, undefined (the operator, in process) every owner's. */
  const meshState = async (owner?: string | null): Promise<MeshState> => {
    const { files, atRisk, heldFiles, segmentPositions } = await catalogue.overview(owner);
    return {
      peers: await registry.peerViews(atRisk, heldFiles),
      files,
      ring: registry.currentRing().vnodes.map((vnode) => ({ position: vnode.position, peer: vnode.peer })),
      segmentPositions,
      replication,
      repair: repair.progress(),
    };
  };

  await registry.restore();
  await sharedMembership?.start();
  await options.coordinator?.start();
  // The registry reaches the gateway only through these callbacks, called once peers connect.
  const gateway: Gateway = new Gateway(io, { registry, placement, catalogue, locks, sharing, meshState, receipts, repair }, {
    proveIdentity: (join) => challenges.check(join),
    authenticate: options.authenticate ?? accountsAuthentication(accounts, options.joinSecret),
    rateLimit: options.rateLimit,
    masterKey: tickets.masterKey,
    clock,
    heartbeatTimeoutMs: deadAfterMs,
    elsewhere: cluster && ((peer) => cluster.elsewhere(peer)),
    log,
  });

  const heartbeat = setInterval(() => {
    registry.heartbeat(gateway.peerLinks()).catch((error: unknown) => log(`heartbeat round failed: ${String(error)}`));
  }, heartbeatMs);
  const lockTicks = setInterval(() => {
    locks.tick().catch((error: unknown) => log(`could not release lapsed locks: ${String(error)}`));
  }, LOCK_TICK_MS);
  const repairs = setInterval(() => {
    repair.pass().catch((error: unknown) => log(`repair pass failed: ${String(error)}`));
  }, REPAIR_PASS_MS);
  const abandonSweep = setInterval(() => {
    receipts.prune(clock.now() - receiptsKeptMs).catch(() => undefined);
    sweep.sweep(gateway.peerLinks()).catch((error: unknown) => log(`could not look for abandoned segments: ${String(error)}`));
  }, Math.max(heartbeatMs, abandonAfterMs / 4));

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (error) {
    clearInterval(heartbeat);
    clearInterval(lockTicks);
    clearInterval(repairs);
    clearInterval(abandonSweep);
    await io.close();
    await options.coordinator?.stop();
    await cluster?.close();
    await directory.close();
    await accounts.close();
    throw error;
  }
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${scheme}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  log(`master listening on ${url}`);
  publicUrl = options.publicUrl ?? url;
  cluster?.advertise(publicUrl);

  return {
    url,
    port: address.port,
    state: () => meshState(),
    async close() {
      clearInterval(heartbeat);
      clearInterval(lockTicks);
      clearInterval(repairs);
      clearInterval(abandonSweep);
      await io.close();
      await options.coordinator?.stop();
      await cluster?.close();
      await directory.close();
      await accounts.close();
    },
  };
}

/**
 * Joins as accounts allow them: a token names its user, whose files the socket may touch until
 * the token expires; a headless storage peer may join without one if it presents the mesh's
 * join secret, and touches no file; anyone else is refused.
 */
export function accountsAuthentication(accounts: Accounts, joinSecret?: string): (join: JoinRequest) => Promise<Principal> {
  const secretDigest = joinSecret === undefined ? undefined : digest(joinSecret);
  return async (join) => {
    if (join.token !== undefined) {
      const claims = await accounts.verify(join.token);
      return { owner: claims.user, expiresAt: claims.expiresAt };
    }
    if (join.role !== 'peer' || join.kind !== 'node') throw new AuthRequiredError();
    if (secretDigest === undefined) throw new JoinSecretError('this master takes no headless peers without an account');
    if (join.secret === undefined) throw new JoinSecretError('a headless peer needs the mesh’s join secret');
    // Digests of equal length, compared in constant time: the secret cannot be guessed byte by byte.
    if (!timingSafeEqual(digest(join.secret), secretDigest)) throw new JoinSecretError('the join secret is wrong');
    return { owner: null, expiresAt: null };
  };
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
