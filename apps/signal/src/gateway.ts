/**
 * The socket.io gateway: the handshake, each connection's lifecycle, and one line per request
 * event that parses the payload with its schema, calls a service and acknowledges. It also
 * relays WebRTC signaling and implements PeerLink over each peer's socket, for the services
 * that ask peers things, and hands a removal's drop plan to the peers it names. Placement,
 * listing and health are the services' business: a new event is one line in `answerRequests`.
 */
import type { Server, Socket } from 'socket.io';
import {
  asPeerId,
  commitSchema,
  emptySchema,
  joinSchema,
  locateSchema,
  MeshError,
  nameSchema,
  parseMeta,
  PeerUnavailableError,
  peerStatsSchema,
  pinReportSchema,
  placeSchema,
  signalRelaySchema,
  toErrorPayload,
  UnauthorizedError,
  ValidationError,
  type Ack,
  type ClientToServerEvents,
  type JoinRequest,
  type MeshState,
  type PeerId,
  type ServerToClientEvents,
} from '@meshdrive/core';
import type { Catalogue } from './services/catalogue.js';
import type { PeerLink } from './services/peer-link.js';
import type { PeerRegistry, PeerStatusEvent } from './services/peer-registry.js';
import type { Placement } from './services/placement.js';

/** A peer that does not confirm a drop in this time gets it again when it next joins. */
const DROP_ACK_TIMEOUT_MS = 30_000;
/** How long a peer has to answer the master's question about its old pins. */
const PIN_REPORT_TIMEOUT_MS = 30_000;

interface SocketData {
  join: JoinRequest;
  owner: string;
}

export type MasterServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type MasterSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface GatewayServices {
  registry: PeerRegistry;
  placement: Placement;
  catalogue: Catalogue;
  /** The mesh as `owner` sees it. */
  meshState: (owner: string) => Promise<MeshState>;
}

export interface GatewayOptions {
  /** Maps a handshake token to the owner it acts for; the seam for accounts. */
  authenticate: (token: string | undefined) => Promise<string>;
  /** How long a heartbeat may go unanswered (the dead timeout). */
  heartbeatTimeoutMs: number;
  log: (line: string) => void;
}

export class Gateway {
  private readonly sockets = new Map<PeerId, MasterSocket>();

  constructor(private readonly io: MasterServer, private readonly services: GatewayServices, private readonly options: GatewayOptions) {
    io.use((socket, next) => this.handshake(socket, next));
    io.on('connection', (socket) => this.connected(socket));
  }

  /** Whether `peer` has a socket to this master right now. */
  isConnected(peer: PeerId): boolean {
    return this.sockets.has(peer);
  }

  /** Tells every socket a peer's status. */
  announce(event: PeerStatusEvent): void {
    this.io.emit('peer-status', event);
  }

  /** A link to every connected storage peer. */
  peerLinks(): PeerLink[] {
    return [...this.sockets.values()].filter((socket) => socket.data.join.role === 'peer').map((socket) => this.link(socket));
  }

  /** Sends `peer` its queued drops, if it is connected. */
  deliverDrops(peer: PeerId): void {
    const socket = this.sockets.get(peer);
    this.services.catalogue.deliverDrops(peer, socket && this.link(socket))
      .catch((error: unknown) => this.options.log(`could not deliver drops: ${String(error)}`));
  }

  private handshake(socket: MasterSocket, next: (error?: Error) => void): void {
    const parsed = joinSchema.safeParse(socket.handshake.auth);
    if (!parsed.success) {
      next(Object.assign(new Error('invalid join: ' + (parsed.error.issues[0]?.message ?? 'malformed')), { data: toErrorPayload(new ValidationError('invalid join request')) }));
      return;
    }
    this.options.authenticate(parsed.data.token).then(
      (owner) => {
        socket.data.join = parsed.data;
        socket.data.owner = owner;
        next();
      },
      (error: unknown) => next(Object.assign(new Error('unauthorized'), { data: toErrorPayload(error instanceof MeshError ? error : new UnauthorizedError()) })),
    );
  }

  private connected(socket: MasterSocket): void {
    const { registry, placement } = this.services;
    const join = socket.data.join;
    const id = asPeerId(join.id);
    const report = (what: string) => (error: unknown): void => this.options.log(`could not ${what}: ${String(error)}`);
    const previous = this.sockets.get(id);
    if (previous && previous !== socket) {
      previous.disconnect(true);
      registry.replaced(id).catch(report('announce a replaced socket'));
    }
    this.sockets.set(id, socket);
    placement.clientConnected(id).catch(report('reopen sends'));
    if (join.role === 'peer') {
      registry.joined({ id, kind: join.kind, capacity: join.capacity ?? 0, label: join.label, device: join.device })
        .then(() => this.deliverDrops(id), report('record a join'));
    }
    const paused = join.role === 'client' && join.pauses !== undefined ? asPeerId(join.pauses) : undefined;
    if (paused) registry.setPaused(paused, true).catch(report('record a pause'));
    socket.on('disconnect', () => {
      if (this.sockets.get(id) !== socket) return;
      this.sockets.delete(id);
      placement.clientDisconnected(id).catch(report('keep sends open'));
      if (join.role === 'peer') registry.disconnected(id).catch(report('record a disconnect'));
      if (paused) registry.setPaused(paused, false).catch(report('record the end of a pause'));
    });
    this.answerRequests(socket, id);
  }

  /** One line per request event: parse with its schema, call a service, acknowledge. */
  private answerRequests(socket: MasterSocket, id: PeerId): void {
    const { placement, catalogue, meshState } = this.services;
    const owner = socket.data.owner;
    socket.on('signal', (payload, ack) => answer(ack, () => this.relay(id, parseMeta(signalRelaySchema, payload, 'signal'))));
    socket.on('place', (payload, ack) => answer(ack, () => placement.place(id, owner, parseMeta(placeSchema, payload, 'place request'))));
    socket.on('commit', (payload, ack) => answer(ack, () => placement.commit(id, owner, parseMeta(commitSchema, payload, 'commit'))));
    socket.on('locate', (payload, ack) => answer(ack, () => catalogue.locate(owner, parseMeta(locateSchema, payload, 'locate request'))));
    socket.on('list', (payload, ack) => answer(ack, () => {
      parseMeta(emptySchema, payload ?? {}, 'list request');
      return catalogue.list(owner);
    }));
    socket.on('remove', (payload, ack) => answer(ack, async () => {
      const { removed, drops } = await catalogue.remove(owner, parseMeta(nameSchema, payload, 'remove request').name);
      for (const drop of drops) this.deliverDrops(drop.peer);
      return { removed };
    }));
    socket.on('status', (payload, ack) => answer(ack, () => {
      parseMeta(emptySchema, payload ?? {}, 'status request');
      return meshState(owner);
    }));
  }

  private relay(from: PeerId, relay: { to: string; connectionId: string; data: unknown }): null {
    const target = this.sockets.get(asPeerId(relay.to));
    if (!target) throw new PeerUnavailableError(relay.to, 'not connected to the master');
    target.emit('signal', { from, connectionId: relay.connectionId, data: relay.data });
    return null;
  }

  private link(socket: MasterSocket): PeerLink {
    const id = asPeerId(socket.data.join.id);
    const current = (): boolean => this.sockets.get(id) === socket;
    return {
      id,
      heartbeat: (seq) => new Promise((resolve) => {
        socket.timeout(this.options.heartbeatTimeoutMs).emit('heartbeat', { seq }, (error, stats) => {
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
    };
  }
}

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
