/**
 * One WebRTC connection per pair of endpoints, reused for every request between them.
 * Signaling travels through the master (see Signaling). When both sides dial each other at
 * once, the side with the smaller id keeps its own attempt and the other side yields to it.
 */
import { PeerUnavailableError, TimeoutError } from '../errors.js';
import { randomId, type PeerId } from '../ids.js';
import type { FrameChannel } from './frame-channel.js';
import { memoryChannelPair } from './memory-channel.js';
import { RpcConnection, type RequestHandler } from './rpc.js';

export const CONNECT_TIMEOUT_MS = 15_000;

/** Relays opaque signaling blobs between endpoints, by way of the master. */
export interface Signaling {
  sendSignal(to: PeerId, connectionId: string, data: unknown): Promise<void>;
  onSignal(listener: (from: PeerId, connectionId: string, data: unknown) => void): void;
}

/** What the pool needs from a WebRTC implementation: a dialing or answering endpoint. */
export interface RtcEndpoint {
  signal(data: unknown): void;
  onSignal(listener: (data: unknown) => void): void;
  /** Resolves with the channel once the data channel is open. */
  connected: Promise<FrameChannel>;
  destroy(): void;
}

export type RtcEndpointFactory = (options: { initiator: boolean; remoteId: PeerId }) => RtcEndpoint;

interface Attempt {
  connectionId: string;
  initiator: boolean;
  endpoint: RtcEndpoint;
  rpc?: RpcConnection;
}

interface Entry {
  attempt: Attempt;
  ready: Promise<RpcConnection>;
  resolve(rpc: RpcConnection): void;
  reject(error: Error): void;
  settled: boolean;
  timer: ReturnType<typeof setTimeout>;
}

export interface PoolOptions {
  selfId: PeerId;
  signaling: Signaling;
  createEndpoint: RtcEndpointFactory;
  handler?: RequestHandler;
  connectTimeoutMs?: number;
  /** Called for every connection once open, dialed or accepted. */
  onConnection?: (connection: RpcConnection) => void;
}

export class ConnectionPool {
  private readonly entries = new Map<PeerId, Entry>();
  private readonly options: PoolOptions;
  private closed = false;
  private loopback: RpcConnection | undefined;

  constructor(options: PoolOptions) {
    this.options = options;
    options.signaling.onSignal((from, connectionId, data) => this.receiveSignal(from, connectionId, data));
  }

  /** The open connection to `remote`, dialing it first if needed. */
  connect(remote: PeerId): Promise<RpcConnection> {
    if (this.closed) return Promise.reject(new PeerUnavailableError(remote, 'connection pool is closed'));
    if (remote === this.options.selfId) return Promise.resolve(this.connectToSelf());
    const existing = this.entries.get(remote);
    if (existing && !existing.attempt.rpc?.closed) return existing.ready;
    return this.dial(remote).ready;
  }

  /** Forgets and closes the connection to `remote` (e.g. the master declared it dead). */
  drop(remote: PeerId, reason: string): void {
    const entry = this.entries.get(remote);
    if (!entry) return;
    this.entries.delete(remote);
    clearTimeout(entry.timer);
    if (!entry.settled) {
      entry.settled = true;
      entry.reject(new PeerUnavailableError(remote, reason));
    }
    entry.attempt.rpc?.close(reason);
    entry.attempt.endpoint.destroy();
  }

  connectedPeers(): PeerId[] {
    return [...this.entries].filter(([, entry]) => entry.attempt.rpc && !entry.attempt.rpc.closed).map(([id]) => id);
  }

  close(): void {
    this.closed = true;
    this.loopback?.close('connection pool closed');
    for (const remote of [...this.entries.keys()]) this.drop(remote, 'connection pool closed');
  }

  /**
   * A peer that is also a client (a browser tab) is sometimes placed as a replica of its own
   * writes; it reaches its own handler in memory, since WebRTC cannot dial itself.
   */
  private connectToSelf(): RpcConnection {
    if (!this.loopback || this.loopback.closed) {
      const [toSelf, fromSelf] = memoryChannelPair(this.options.selfId, this.options.selfId);
      new RpcConnection(fromSelf, this.options.handler);
      this.loopback = new RpcConnection(toSelf);
    }
    return this.loopback;
  }

  private dial(remote: PeerId): Entry {
    const previous = this.entries.get(remote);
    if (previous) this.drop(remote, 'replaced by a new connection');
    const entry = this.newEntry(remote, this.startAttempt(remote, randomId(), true));
    return entry;
  }

  private newEntry(remote: PeerId, attempt: Attempt): Entry {
    let resolve!: (rpc: RpcConnection) => void;
    let reject!: (error: Error) => void;
    const ready = new Promise<RpcConnection>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    ready.catch(() => undefined); // callers observe it; an unobserved failure must not crash
    const timeoutMs = this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const entry: Entry = {
      attempt,
      ready,
      resolve,
      reject,
      settled: false,
      timer: setTimeout(() => {
        if (!entry.settled && this.entries.get(remote) === entry) {
          this.drop(remote, new TimeoutError('WebRTC connection', timeoutMs).message);
        }
      }, timeoutMs),
    };
    this.entries.set(remote, entry);
    this.watch(remote, entry, attempt);
    return entry;
  }

  private startAttempt(remote: PeerId, connectionId: string, initiator: boolean): Attempt {
    const endpoint = this.options.createEndpoint({ initiator, remoteId: remote });
    const attempt: Attempt = { connectionId, initiator, endpoint };
    endpoint.onSignal((data) => {
      this.options.signaling.sendSignal(remote, connectionId, data).catch((error: unknown) => {
        const entry = this.entries.get(remote);
        if (entry?.attempt === attempt) this.drop(remote, error instanceof Error ? error.message : String(error));
      });
    });
    return attempt;
  }

  private watch(remote: PeerId, entry: Entry, attempt: Attempt): void {
    attempt.endpoint.connected.then(
      (channel) => {
        if (entry.attempt !== attempt || this.entries.get(remote) !== entry) {
          channel.close('superseded');
          return;
        }
        const rpc = new RpcConnection(channel, this.options.handler);
        attempt.rpc = rpc;
        channel.onClose(() => {
          if (this.entries.get(remote) === entry && entry.attempt === attempt) {
            this.entries.delete(remote);
            clearTimeout(entry.timer);
          }
        });
        clearTimeout(entry.timer);
        entry.settled = true;
        entry.resolve(rpc);
        this.options.onConnection?.(rpc);
      },
      (error: unknown) => {
        if (entry.attempt === attempt && this.entries.get(remote) === entry) {
          this.drop(remote, error instanceof Error ? error.message : String(error));
        }
      },
    );
  }

  private receiveSignal(from: PeerId, connectionId: string, data: unknown): void {
    if (this.closed) return;
    const entry = this.entries.get(from);
    if (entry && entry.attempt.connectionId === connectionId) {
      entry.attempt.endpoint.signal(data);
      return;
    }
    if (!isOffer(data)) return; // a stray candidate of an attempt we already dropped
    if (entry && !entry.settled && entry.attempt.initiator && this.options.selfId < from) return; // glare: ours wins
    const attempt = this.startAttempt(from, connectionId, false);
    if (entry && !entry.settled) {
      // Keep the waiters of our abandoned attempt: they get the connection the remote started.
      entry.attempt.endpoint.destroy();
      entry.attempt = attempt;
      this.watch(from, entry, attempt);
    } else {
      if (entry) this.drop(from, 'remote opened a new connection');
      this.newEntry(from, attempt);
    }
    attempt.endpoint.signal(data);
  }
}

function isOffer(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'offer';
}
