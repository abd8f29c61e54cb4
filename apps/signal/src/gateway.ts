/**
 * The socket.io gateway: the handshake, each connection's lifecycle, and one line per request
 * event that parses the payload with its schema, calls a service and acknowledges. It also
 * relays WebRTC signaling and implements PeerLink over each peer's socket, for the services
 * that ask peers things, and hands a removal's drop plan to the peers it names. Placement,
 * listing and health are the services' business: a new event is one line in `answerRequests`.
 */
import type { Server, Socket } from 'socket.io';
import {
  AuthRequiredError,
  asPeerId,
  commitSchema,
  damagedSchema,
  emptySchema,
  fileSchema,
  fromErrorPayload,
  InternalError,
  joinSchema,
  locateSchema,
  lockSchema,
  MeshError,
  nameSchema,
  parseMeta,
  PeerUnavailableError,
  RateLimitedError,
  peerStatsSchema,
  pinReportSchema,
  placeSchema,
  renewSchema,
  restoreSchema,
  sealedSchema,
  shareSchema,
  setMyKeysSchema,
  signalRelaySchema,
  toErrorPayload,
  UnauthorizedError,
  unlockSchema,
  unshareSchema,
  userKeySchema,
  ValidationError,
  type Ack,
  type ClientToServerEvents,
  type Clock,
  type ErrorPayload,
  type JoinRequest,
  type MeshState,
  type PeerId,
  type ServerToClientEvents,
} from '@meshdrive/core';
import { TokenBucket } from './rate-limit.js';
import { LatencyRing } from './services/latency.js';
import type { Catalogue } from './services/catalogue.js';
import type { SealReceipts } from './state/seal-receipts.js';
import type { PeerLink } from './services/peer-link.js';
import type { Repair } from './services/repair.js';
import type { PeerRegistry, PeerStatusEvent } from './services/peer-registry.js';
import type { Placement } from './services/placement.js';
import type { LockService } from './services/lock-service.js';
import type { Sharing } from './services/sharing.js';

/** A copy order unanswered this long counts as failed: a segment is ~1 MiB, and a copy takes well under a second. */
const COPY_TIMEOUT_MS = 60_000;
/** A peer that does not confirm a drop in this time gets it again when it next joins. */
const DROP_ACK_TIMEOUT_MS = 30_000;
/** How long a peer has to answer the master's question about its old pins. */
const PIN_REPORT_TIMEOUT_MS = 30_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Requests a socket may send a second, on average and at once: far above what a busy client sends (placements, commits, signaling for a few connections). */
const EVENTS_PER_SECOND = 200;
const EVENT_BURST = 1_000;
/** A socket refused this many times is closed. */
const REFUSALS_BEFORE_DISCONNECT = 1_000;

interface SocketData {
  join: JoinRequest;
  principal: Principal;
}

/**
 * Who a socket acts for: `owner` is the user whose files it may touch (null for a headless
 * storage peer, which touches none), and its session ends at `expiresAt` (null: never).
 */
export interface Principal {
  owner: string | null;
  expiresAt: number | null;
}

export type MasterServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type MasterSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface GatewayServices {
  registry: PeerRegistry;
  placement: Placement;
  catalogue: Catalogue;
  locks: LockService;
  sharing: Sharing;
  receipts: SealReceipts;
  repair: Repair;
  /** The mesh as `owner` sees it: its files, every peer; null sees no files. */
  meshState: (owner: string | null) => Promise<MeshState>;
}

export interface GatewayOptions {
  /** Resolves when the join proved it holds its id's key; a PeerProofError when not (JoinChallenges.check). */
  proveIdentity: (join: JoinRequest) => Promise<void>;
  /** Who a join acts for, or a typed error refusing it (AuthRequiredError, TokenExpiredError…). */
  authenticate: (join: JoinRequest) => Promise<Principal>;
  clock: Pick<Clock, 'now'>;
  /** The master's public key (base64url), told to every socket on join: peers check tickets with it. */
  masterKey: string;
  /** Requests per socket: per second on average, and at once (EVENTS_PER_SECOND, EVENT_BURST). */
  rateLimit?: { perSecond: number; burst: number };
  /** How long a heartbeat may go unanswered (the dead timeout). */
  heartbeatTimeoutMs: number;
  /**
   * With several masters: whether a storage peer is connected to another one (undefined: no
   * peer of that id is known, though a client of it may be on another master). Signaling and
   * the services' orders then reach it through its room (`peer:<id>`), which the socket.io
   * adapter carries to the master it is on.
   */
  elsewhere?: (peer: PeerId) => boolean | undefined;
  log: (line: string) => void;
}

export class Gateway {
  private readonly sockets = new Map<PeerId, MasterSocket>();
  /** Heartbeat round trips, emit to answer, of the peers connected here. */
  readonly heartbeats = new LatencyRing();

  constructor(private readonly io: MasterServer, private readonly services: GatewayServices, private readonly options: GatewayOptions) {
    io.use((socket, next) => this.handshake(socket, next));
    io.on('connection', (socket) => this.connected(socket));
  }

  /** How many sockets (peers and clients) are connected to this master. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Whether `peer` has a socket to this master right now. */
  isConnected(peer: PeerId): boolean {
    return this.sockets.has(peer);
  }

  /**
   * Tells this master's sockets a peer's status (each master tells its own). Storage peers act
   * only on a peer that died or lost its master (they drop their connections to it), so only
   * those go to them; clients, which show the mesh, hear every change. Thousands of peers
   * joining would otherwise cost each of them a message per join.
   */
  announce(event: PeerStatusEvent): void {
    if (event.status === 'dead' || !event.connected) this.io.local.emit('peer-status', event);
    else this.io.local.to(CLIENTS_ROOM).emit('peer-status', event);
  }

  /** A link to every connected storage peer. */
  peerLinks(): PeerLink[] {
    return [...this.sockets.values()].filter((socket) => socket.data.join.role === 'peer').map((socket) => this.link(socket));
  }

  /** The link to `peer`, if it is a storage peer connected here or, with several masters, to another. */
  peerLink(peer: PeerId): PeerLink | undefined {
    const socket = this.sockets.get(peer);
    if (socket) return socket.data.join.role === 'peer' ? this.link(socket) : undefined;
    return this.options.elsewhere?.(peer) === true ? this.roomLink(peer) : undefined;
  }

  /** Sends `peer` its queued drops, if it is connected. */
  deliverDrops(peer: PeerId): void {
    this.services.catalogue.deliverDrops(peer, this.peerLink(peer))
      .catch((error: unknown) => this.options.log(`could not deliver drops: ${String(error)}`));
  }

  private handshake(socket: MasterSocket, next: (error?: Error) => void): void {
    const parsed = joinSchema.safeParse(socket.handshake.auth);
    if (!parsed.success) {
      next(Object.assign(new Error('invalid join: ' + (parsed.error.issues[0]?.message ?? 'malformed')), { data: toErrorPayload(new ValidationError('invalid join request')) }));
      return;
    }
    this.options.proveIdentity(parsed.data).then(() => this.options.authenticate(parsed.data)).then(
      (principal) => {
        socket.data.join = parsed.data;
        socket.data.principal = principal;
        next();
      },
      (error: unknown) => next(Object.assign(new Error('unauthorized'), { data: toErrorPayload(error instanceof MeshError ? error : new UnauthorizedError()) })),
    );
  }

  private connected(socket: MasterSocket): void {
    const { registry, placement } = this.services;
    const join = socket.data.join;
    const owner = socket.data.principal.owner;
    const id = asPeerId(join.id);
    const report = (what: string) => (error: unknown): void => this.options.log(`could not ${what}: ${String(error)}`);
    const previous = this.sockets.get(id);
    if (previous && previous !== socket) {
      previous.disconnect(true);
      registry.replaced(id).catch(report('announce a replaced socket'));
    }
    this.sockets.set(id, socket);
    // Its room: signaling and orders from other masters reach it there.
    void socket.join(join.role === 'client' ? [peerRoom(id), CLIENTS_ROOM] : peerRoom(id));
    // First thing on the line: the key that signs the tickets this peer will be shown.
    socket.emit('welcome', { masterKey: this.options.masterKey });
    placement.clientConnected(id).catch(report('reopen sends'));
    if (join.role === 'peer') {
      registry.joined({ id, kind: join.kind, capacity: join.capacity ?? 0, label: join.label, device: join.device, owner: owner ?? undefined, volatile: join.volatile === true })
        .then(() => {
          this.deliverDrops(id);
          // What it lost while either side was down is repaired (after a crash of the master or of the peer).
          const link = this.peerLink(id);
          if (link) this.services.repair.reconcile(link).catch(report('check what a rejoining peer holds'));
        }, report('record a join'));
    }
    const paused = join.role === 'client' && join.pauses !== undefined && owner !== null ? asPeerId(join.pauses) : undefined;
    if (paused) registry.setPaused(paused, true, owner!).catch(report('record a pause'));
    socket.on('disconnect', () => {
      if (this.sockets.get(id) !== socket) return;
      this.sockets.delete(id);
      placement.clientDisconnected(id).catch(report('keep sends open'));
      this.services.locks.clientGone(id).catch(report('forget a gone client\'s place in lock queues'));
      if (join.role === 'peer') registry.disconnected(id).catch(report('record a disconnect'));
      if (paused) registry.setPaused(paused, false, owner!).catch(report('record the end of a pause'));
    });
    this.endAtExpiry(socket);
    this.limitRate(socket);
    this.answerRequests(socket, id);
  }

  /**
   * Every event a socket sends costs a token from its bucket; an event over the limit is answered
   * with RateLimitedError and not run, and a socket that keeps going over it is closed.
   */
  private limitRate(socket: MasterSocket): void {
    const { perSecond, burst } = this.options.rateLimit ?? { perSecond: EVENTS_PER_SECOND, burst: EVENT_BURST };
    const bucket = new TokenBucket(perSecond, burst, this.options.clock);
    let refused = 0;
    socket.use((packet, next) => {
      if (bucket.take()) return next();
      const ack: unknown = packet.at(-1);
      if (typeof ack === 'function') (ack as Ack<never>)({ ok: false, error: toErrorPayload(new RateLimitedError(`more than ${perSecond} requests a second`)) });
      if (++refused >= REFUSALS_BEFORE_DISCONNECT) {
        this.options.log(`closing ${socket.data.join.id.slice(0, 8)}: it kept sending over the rate limit`);
        socket.disconnect(true);
      }
    });
  }

  /** A socket lives no longer than its token: at expiry it is told, then closed, and rejoins with a fresh token. */
  private endAtExpiry(socket: MasterSocket): void {
    const { expiresAt } = socket.data.principal;
    if (expiresAt === null) return;
    // setTimeout's limit is 2^31-1 ms; tokens live minutes, but a clock far off must not fire at once.
    const timer = setTimeout(() => {
      socket.emit('session-expired');
      socket.disconnect(true);
    }, Math.min(Math.max(0, expiresAt - this.options.clock.now()), MAX_TIMER_MS));
    socket.on('disconnect', () => clearTimeout(timer));
  }

  /** One line per request event: parse with its schema, call a service, acknowledge. */
  private answerRequests(socket: MasterSocket, id: PeerId): void {
    const { placement, catalogue, locks, sharing, meshState } = this.services;
    // A headless storage peer acts for no one: it relays signaling and answers the master, and touches no file.
    const owned = socket.data.principal.owner;
    const ownerOf = (): string => {
      if (owned === null) throw new AuthRequiredError('this connection is a storage peer, not a user: log in to use files');
      return owned;
    };
    // A storage peer's word that it sealed segments: what commits are checked against.
    socket.on('sealed', (payload) => {
      if (socket.data.join.role !== 'peer') return;
      const parsed = sealedSchema.safeParse(payload);
      if (!parsed.success) return;
      const now = this.options.clock.now();
      for (const segment of parsed.data.segments) {
        this.services.receipts.record(id, segment.list, segment.chunks, now).catch((error: unknown) => this.options.log(`could not record a seal: ${String(error)}`));
      }
    });
    socket.on('damaged', (payload) => {
      if (socket.data.join.role !== 'peer') return;
      const parsed = damagedSchema.safeParse(payload);
      if (!parsed.success) return;
      this.services.repair.damaged(id, parsed.data.lists).then(
        () => this.deliverDrops(id),
        (error: unknown) => this.options.log(`could not record damaged segments: ${String(error)}`),
      );
    });
    socket.on('signal', (payload, ack) => answer(ack, () => this.relay(id, parseMeta(signalRelaySchema, payload, 'signal'))));
    // Whose file a request is about: the caller's, or one another user shared with them (sharing.ownerFor).
    const ownerFor = (request: { name: string; owner?: string | undefined }, need: 'read' | 'write'): Promise<string> => sharing.ownerFor(ownerOf(), request, need);
    socket.on('place', (payload, ack) => answer(ack, async () => {
      const request = parseMeta(placeSchema, payload, 'place request');
      return placement.place(id, await ownerFor(request, 'write'), request, ownerOf());
    }));
    socket.on('commit', (payload, ack) => answer(ack, async () => {
      const request = parseMeta(commitSchema, payload, 'commit');
      return placement.commit(id, await ownerFor(request, 'write'), request);
    }));
    socket.on('locate', (payload, ack) => answer(ack, async () => {
      const request = parseMeta(locateSchema, payload, 'locate request');
      return catalogue.locate(id, await ownerFor(request, 'read'), request, ownerOf());
    }));
    socket.on('list', (payload, ack) => answer(ack, () => {
      parseMeta(emptySchema, payload ?? {}, 'list request');
      return catalogue.listFor(ownerOf());
    }));
    socket.on('remove', (payload, ack) => answer(ack, async () => {
      const { removed, drops } = await catalogue.remove(ownerOf(), parseMeta(nameSchema, payload, 'remove request').name);
      for (const drop of drops) this.deliverDrops(drop.peer);
      return { removed };
    }));
    // Who a lock names as its holder: the user, on the device its join described.
    const join = socket.data.join;
    const holder = () => ({ user: ownerOf(), device: join.label || join.device || `a ${join.kind === 'browser' ? 'browser' : 'command-line'} client`, client: id });
    socket.on('lock', (payload, ack) => answer(ack, async () => {
      const request = parseMeta(lockSchema, payload, 'lock request');
      return locks.lock(await ownerFor(request, 'write'), holder(), request);
    }));
    socket.on('renew', (payload, ack) => answer(ack, async () => {
      const request = parseMeta(renewSchema, payload, 'lock renewal');
      return locks.renew(await ownerFor(request, 'write'), request);
    }));
    socket.on('unlock', (payload, ack) => answer(ack, async () => {
      const request = parseMeta(unlockSchema, payload, 'unlock request');
      return locks.unlock(await ownerFor(request, 'write'), ownerOf(), request);
    }));
    socket.on('versions', (payload, ack) => answer(ack, async () => {
      const request = parseMeta(fileSchema, payload, 'versions request');
      return catalogue.versions(await ownerFor(request, 'read'), request.name, ownerOf());
    }));
    socket.on('restore', (payload, ack) => answer(ack, async () => {
      const request = parseMeta(restoreSchema, payload, 'restore request');
      return placement.restore(await ownerFor(request, 'write'), request);
    }));
    socket.on('share', (payload, ack) => answer(ack, () => sharing.share(ownerOf(), parseMeta(shareSchema, payload, 'share request'))));
    socket.on('unshare', (payload, ack) => answer(ack, () => sharing.unshare(ownerOf(), parseMeta(unshareSchema, payload, 'unshare request'))));
    socket.on('sharees', (payload, ack) => answer(ack, () => sharing.sharees(ownerOf(), parseMeta(nameSchema, payload, 'sharees request').name)));
    socket.on('user-key', (payload, ack) => answer(ack, () => sharing.userKey(parseMeta(userKeySchema, payload, 'user key request').user)));
    socket.on('my-keys', (payload, ack) => answer(ack, () => {
      parseMeta(emptySchema, payload ?? {}, 'keys request');
      return sharing.myKeys(ownerOf());
    }));
    socket.on('set-my-keys', (payload, ack) => answer(ack, () => sharing.setMyKeys(ownerOf(), parseMeta(setMyKeysSchema, payload, 'sharing keys').sharing)));
    socket.on('status', (payload, ack) => answer(ack, () => {
      parseMeta(emptySchema, payload ?? {}, 'status request');
      return meshState(owned);
    }));
  }

  private relay(from: PeerId, relay: { to: string; connectionId: string; data: unknown }): null {
    const to = asPeerId(relay.to);
    const signal = { from, connectionId: relay.connectionId, data: relay.data };
    const target = this.sockets.get(to);
    // Not here: to its room, unless it is a peer no master has (clients are not members: one may be on another master).
    const elsewhere = this.options.elsewhere?.(to);
    if (target) target.emit('signal', signal);
    else if (this.options.elsewhere && elsewhere !== false) this.io.to(peerRoom(to)).emit('signal', signal);
    else throw new PeerUnavailableError(relay.to, 'not connected to the master');
    return null;
  }

  /**
   * A link to a peer connected to another master, through its room. Heartbeats are its own
   * master's business, so this one never answers them.
   */
  private roomLink(id: PeerId): PeerLink {
    /** The first socket's answer (a peer has one socket), undefined when none came in time. */
    const ask = async (event: 'pins' | 'holding' | 'copy' | 'drop', payload: unknown, timeoutMs: number): Promise<unknown> => {
      // socket.io types an acknowledged broadcast per event; every answer here is parsed before use.
      const room = this.io.to(peerRoom(id)).timeout(timeoutMs) as unknown as { emitWithAck(event: string, payload: unknown): Promise<unknown[]> };
      const answers = await room.emitWithAck(event, payload).catch((error: unknown) => (error as { responses?: unknown[] }).responses ?? []);
      return answers[0];
    };
    return {
      id,
      heartbeat: () => Promise.resolve(undefined),
      pins: async (question) => {
        const report = pinReportSchema.safeParse(await ask('pins', question, PIN_REPORT_TIMEOUT_MS));
        return report.success ? report.data : undefined;
      },
      abandoned: (order) => {
        this.io.to(peerRoom(id)).emit('abandoned', order);
      },
      drop: async (lists) => (await ask('drop', { lists }, DROP_ACK_TIMEOUT_MS)) === true,
      holding: async (lists) => {
        const answer = await ask('holding', { lists }, PIN_REPORT_TIMEOUT_MS);
        return Array.isArray(answer) ? answer.filter((list): list is string => typeof list === 'string' && lists.includes(list)) : undefined;
      },
      copy: async (order) => {
        const reply = await ask('copy', order, COPY_TIMEOUT_MS);
        if (reply === undefined) throw new PeerUnavailableError(id, 'it did not answer the copy order in time');
        if (typeof reply !== 'object' || reply === null || !('ok' in reply)) throw new InternalError('the peer answered a copy order with nonsense');
        if (reply.ok !== true) throw fromErrorPayload((reply as { error?: ErrorPayload }).error ?? { code: 'ERR_INTERNAL', message: 'copy failed' });
      },
    };
  }

  private link(socket: MasterSocket): PeerLink {
    const id = asPeerId(socket.data.join.id);
    const current = (): boolean => this.sockets.get(id) === socket;
    return {
      id,
      heartbeat: (seq) => new Promise((resolve) => {
        const sent = performance.now();
        socket.timeout(this.options.heartbeatTimeoutMs).emit('heartbeat', { seq }, (error, stats) => {
          if (!error) this.heartbeats.record(performance.now() - sent);
          const parsed = peerStatsSchema.safeParse(stats);
          resolve(!error && parsed.success && current() ? parsed.data : undefined);
        });
      }),
      pins: async (question) => {
        const answer: unknown = await socket.timeout(PIN_REPORT_TIMEOUT_MS).emitWithAck('pins', question).catch(() => undefined);
        const report = pinReportSchema.safeParse(answer);
        return report.success ? report.data : undefined;
      },
      abandoned: (order) => {
        socket.emit('abandoned', order);
      },
      drop: (lists) => new Promise((resolve) => {
        socket.timeout(DROP_ACK_TIMEOUT_MS).emit('drop', { lists }, (error, done) => resolve(!error && done === true));
      }),
      holding: async (lists) => {
        const answer: unknown = await socket.timeout(PIN_REPORT_TIMEOUT_MS).emitWithAck('holding', { lists }).catch(() => undefined);
        return Array.isArray(answer) ? answer.filter((list): list is string => typeof list === 'string' && lists.includes(list)) : undefined;
      },
      copy: async (order) => {
        const reply = (await socket.timeout(COPY_TIMEOUT_MS).emitWithAck('copy', order)) as unknown;
        if (typeof reply !== 'object' || reply === null || !('ok' in reply)) throw new InternalError('the peer answered a copy order with nonsense');
        if (reply.ok !== true) throw fromErrorPayload((reply as { error?: ErrorPayload }).error ?? { code: 'ERR_INTERNAL', message: 'copy failed' });
      },
    };
  }
}

/** Every client socket: what hears every peer's status. */
const CLIENTS_ROOM = 'clients';

/** The room every socket of `id` is in: what other masters address it by. */
const peerRoom = (id: PeerId): string => `peer:${id}`;

/**
 * Answers a request so that it can never crash the master: a payload that fails its schema or
 * a thrown error ends as a typed error reply; a request without an acknowledgement callback is
 * not run at all.
 */
function answer<T>(ack: Ack<T> | undefined, run: () => T | Promise<T>): void {
  if (typeof ack !== 'function') return;
  // Started inside a promise so a handler that throws synchronously still ends as an error reply.
  new Promise<T>((resolve) => resolve(run())).then(
    (value) => ack({ ok: true, value }),
    (error: unknown) => ack({ ok: false, error: toErrorPayload(error) }),
  );
}
