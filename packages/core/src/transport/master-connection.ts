/**
 * A peer's or client's line to the master: a typed socket.io client that joins with its id and
 * token, turns acknowledgements into promises with timeouts, relays WebRTC signaling for the
 * connection pool, and reconnects by itself (the master may restart; peers rejoin unaided).
 * Given several masters' URLs (comma-separated), each reconnection tries the next: a peer or a
 * client whose master died moves to another. It is the client's MasterPort.
 */
import { io, type Socket } from 'socket.io-client';
import type { FileSummary } from '../chunking/manifest.js';
import type { SharingKeys } from '../crypto/share-keys.js';
import type { MasterPort } from '../client/master-port.js';
import { fromErrorPayload, MasterUnreachableError, ProtocolError } from '../errors.js';
import type { PeerId } from '../ids.js';
import { proveJoin, type PeerIdentity } from '../peer/identity.js';
import type {
  ClientToServerEvents,
  CommitRequest,
  JoinRequest,
  LocateResult,
  LockGrant,
  LockRequest,
  MeshState,
  PlaceRequest,
  PlaceResult,
  RenewRequest,
  Reply,
  RestoreRequest,
  ShareRequest,
  ShareView,
  UnlockRequest,
  ServerToClientEvents,
  VersionSummary,
} from '../wire/signal-protocol.js';
import type { Signaling } from './pool.js';

export const MASTER_REQUEST_TIMEOUT_MS = 20_000;
/** How long a command waits for the first connection before reporting the master unreachable. */
export const MASTER_CONNECT_TIMEOUT_MS = 5_000;
/** setTimeout's longest delay: a wait for a lock has no timeout of its own. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A join that could not fetch its challenge is tried again this soon. */
const CHALLENGE_RETRY_MS = 500;

type RequestEvent = Exclude<keyof ClientToServerEvents, 'signal' | 'sealed' | 'damaged'>;
type RequestOf<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[0];
type ValueOf<E extends RequestEvent> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] extends Reply<infer T> ? T : never;

/**
 * The access token to join with: a fixed one, or a function asked at every (re)connect, so a
 * long-lived line rejoins with a fresh token after the master ends its session at expiry.
 */
export type TokenSource = string | (() => Promise<string | undefined>);

/** The masters a comma-separated list names, in order: `--signal URL1,URL2`. */
export function masterUrls(list: string): string[] {
  return list.split(',').map((url) => url.trim()).filter((url) => url !== '');
}

/**
 * `path` fetched from the first of the masters in `urls` (one URL or several, comma-separated)
 * that answers at all, whatever its status; MasterUnreachableError, naming every failure, when
 * none does. `init` is asked once per attempt, so each gets a fresh timeout signal.
 */
export async function fetchFromMasters(urls: string, path: string, init: () => RequestInit): Promise<Response> {
  const failures: string[] = [];
  for (const master of masterUrls(urls)) {
    try {
      return await fetch(new URL(path, master), init());
    } catch (error) {
      failures.push(error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error));
    }
  }
  throw new MasterUnreachableError(urls, failures.join('; ') || 'no master URL was given');
}

export class MasterConnection implements Signaling, MasterPort {
  /** Every master it may use, in the order it tries them. */
  readonly urls: readonly string[];
  readonly selfId: PeerId;
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private closed = false;
  private current = 0;

  /** `urls`: one master's URL, or several, comma-separated. */
  constructor(urls: string, join: Omit<JoinRequest, 'token' | 'id' | 'proof'> & { identity: PeerIdentity; token?: TokenSource }) {
    this.urls = masterUrls(urls);
    if (this.urls.length === 0) throw new MasterUnreachableError(urls, 'no master URL was given');
    this.selfId = join.identity.id;
    const { token, identity, ...rest } = join;
    const fields = { ...rest, id: identity.id };
    // Set when a join went without its proof because the challenge could not be had: the refusal is then ours, not the master's.
    let unproved = false;
    this.socket = io(this.url, {
      auth: (send) => {
        const current = typeof token === 'function' ? token() : Promise.resolve(token);
        // A token that cannot be had (refresh refused) joins without one: the master's refusal then says why.
        const tokenValue = current.catch(() => undefined);
        // The challenge comes from the master this attempt goes to: each master checks its own.
        const proof = proveJoin(this.url, identity, fields.role);
        Promise.all([tokenValue, proof]).then(
          ([value, signed]) => {
            unproved = false;
            send({ ...fields, token: value, proof: signed });
          },
          () => {
            unproved = true;
            send(fields);
          },
        );
      },
      transports: ['websocket'],
      reconnectionDelay: 250,
      reconnectionDelayMax: 2000,
    });
    if (this.urls.length > 1) {
      // socket.io reconnects to the URL it was made with; its manager opens each attempt on `uri`, so the next master's goes there.
      this.socket.io.on('reconnect_attempt', () => {
        this.current = (this.current + 1) % this.urls.length;
        (this.socket.io as unknown as { uri: string }).uri = this.url;
      });
    }
    // A join refused for want of a challenge (the master was down a moment ago) is tried again, as a dropped connection is.
    this.socket.on('connect_error', () => {
      if (!unproved || this.socket.active) return;
      unproved = false;
      setTimeout(() => {
        if (!this.closed) this.socket.connect();
      }, CHALLENGE_RETRY_MS);
    });
    // The master ends a session whose token expired; come back at once with a fresh one.
    let expired = false;
    this.socket.on('session-expired', () => (expired = true));
    this.socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect' && expired) this.socket.connect();
      expired = false;
    });
  }

  /** The master it is on, or trying next. */
  get url(): string {
    return this.urls[this.current]!;
  }

  /** Resolves once connected (and joined); rejects with MasterUnreachableError after `timeoutMs`. */
  ready(timeoutMs = MASTER_CONNECT_TIMEOUT_MS): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let lastError = 'no answer';
      const onError = (error: Error): void => {
        lastError = error.message;
        // The master refused the join itself: retrying will not help.
        if ((error as { data?: { code?: string } }).data?.code) finish(fromErrorPayload((error as unknown as { data: { code: string; message: string } }).data));
      };
      const onConnect = (): void => finish();
      const timer = setTimeout(() => finish(new MasterUnreachableError(this.urls.join(', '), lastError)), timeoutMs);
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.socket.off('connect', onConnect);
        this.socket.off('connect_error', onError);
        if (error) reject(error);
        else resolve();
      };
      this.socket.on('connect', onConnect);
      this.socket.on('connect_error', onError);
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  async request<E extends RequestEvent>(event: E, payload: RequestOf<E>, timeoutMs = MASTER_REQUEST_TIMEOUT_MS): Promise<ValueOf<E>> {
    if (!this.socket.connected) await this.ready();
    let reply: Reply<ValueOf<E>>;
    try {
      // socket.io's typed emitWithAck cannot see through the generic event name.
      const timed = this.socket.timeout(timeoutMs) as unknown as { emitWithAck(event: string, payload: unknown): Promise<Reply<ValueOf<E>>> };
      reply = await timed.emitWithAck(event, payload);
    } catch {
      throw new MasterUnreachableError(this.url, `no answer to "${event}" within ${timeoutMs} ms`);
    }
    if (!reply || typeof reply !== 'object') throw new ProtocolError(`master sent a malformed reply to "${event}"`);
    if (!reply.ok) throw fromErrorPayload(reply.error);
    return reply.value;
  }

  place(request: PlaceRequest): Promise<PlaceResult> {
    return this.request('place', request);
  }

  commit(request: CommitRequest): Promise<FileSummary> {
    return this.request('commit', request);
  }

  locate(request: { name: string; version?: number; owner?: string }): Promise<LocateResult> {
    return this.request('locate', request);
  }

  list(): Promise<FileSummary[]> {
    return this.request('list', {});
  }

  remove(request: { name: string }): Promise<{ removed: number }> {
    return this.request('remove', request);
  }

  status(): Promise<MeshState> {
    return this.request('status', {});
  }

  versions(request: { name: string; owner?: string }): Promise<VersionSummary[]> {
    return this.request('versions', request);
  }

  restore(request: RestoreRequest): Promise<FileSummary> {
    return this.request('restore', request);
  }

  /**
   * A lock asked for with `wait` is answered when granted, however long that takes; the line
   * closing ends the wait (the master forgets a waiter whose connection closed).
   */
  async lock(request: LockRequest): Promise<LockGrant> {
    if (!request.wait) return this.request('lock', request);
    let onDisconnect: (() => void) | undefined;
    const dropped = new Promise<never>((_, reject) => {
      onDisconnect = () => reject(new MasterUnreachableError(this.url, 'the connection closed while waiting for the lock'));
      this.socket.once('disconnect', onDisconnect);
    });
    try {
      return await Promise.race([this.request('lock', request, MAX_TIMER_MS), dropped]);
    } finally {
      this.socket.off('disconnect', onDisconnect);
    }
  }

  renew(request: RenewRequest): Promise<LockGrant> {
    return this.request('renew', request);
  }

  unlock(request: UnlockRequest): Promise<{ released: boolean }> {
    return this.request('unlock', request);
  }

  share(request: ShareRequest): Promise<{ shared: true }> {
    return this.request('share', request);
  }

  unshare(request: { name: string; with: string }): Promise<{ removed: boolean }> {
    return this.request('unshare', request);
  }

  sharees(request: { name: string }): Promise<ShareView[]> {
    return this.request('sharees', request);
  }

  userKey(request: { user: string }): Promise<{ user: string; publicKey: string }> {
    return this.request('user-key', request);
  }

  myKeys(): Promise<{ sharing?: SharingKeys }> {
    return this.request('my-keys', {});
  }

  setMyKeys(request: { sharing: SharingKeys }): Promise<{ sharing: SharingKeys }> {
    return this.request('set-my-keys', request);
  }

  sendSignal(to: PeerId, connectionId: string, data: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.timeout(MASTER_REQUEST_TIMEOUT_MS).emit('signal', { to, connectionId, data }, (timeout: Error | null, reply: Reply<null>) => {
        if (timeout) reject(new MasterUnreachableError(this.url, 'signal relay timed out'));
        else if (!reply.ok) reject(fromErrorPayload(reply.error));
        else resolve();
      });
    });
  }

  onSignal(listener: (from: PeerId, connectionId: string, data: unknown) => void): void {
    this.socket.on('signal', (relay) => {
      if (relay && typeof relay === 'object' && typeof relay.from === 'string' && typeof relay.connectionId === 'string') {
        listener(relay.from, relay.connectionId, relay.data);
      }
    });
  }

  close(): void {
    this.closed = true;
    this.socket.disconnect();
  }
}
