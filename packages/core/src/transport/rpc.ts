/**
 * Request/response over one FrameChannel, in both directions at once. Each request carries an
 * id; replies are an Ok, an Error, or a stream of Data frames ending with FLAG_FINAL. Malformed
 * input is answered with an Error frame and never throws out of the message listener.
 */
import { BufferPool } from '../buffer-pool.js';
import { FrameError, NoReplyError, NotServingError, PeerUnavailableError, TimeoutError, toErrorPayload, fromErrorPayload } from '../errors.js';
import { BATCH_TARGET_BYTES, decodeFrame, encodeFrame, FLAG_FINAL, peekRequestId, type Frame, type FrameBody } from '../wire/frame.js';
import type { PeerId } from '../ids.js';
import { FrameType, errorReplySchema } from '../wire/peer-protocol.js';
import type { FrameChannel } from './frame-channel.js';

/** A request that neither answers nor streams for this long is abandoned. */
const REQUEST_IDLE_TIMEOUT_MS = 30_000;
/** Request ids above this belong to the remote side's replies and are never ours. */
const MAX_REQUEST_ID = 0xffffffff;
/** The request id of a notification: never used by a request, never answered. */
const NOTIFY_ID = 0;

/**
 * Buffers for outgoing frames, shared by every connection of the process and reused once a
 * channel is done with a frame (a data channel copies a message when it takes it). A new
 * 64 KiB array per batch made a storage peer run ~10 full collections per 64 MiB it received
 * and forwarded. Each holds a chunk batch with its header and metadata; at most 32 are kept,
 * about one per frame a process has waiting to be sent.
 */
const frameBuffers = new BufferPool(BATCH_TARGET_BYTES + 4096, 32);
const takeFrameBuffer = (size: number): Uint8Array => frameBuffers.take(size);

export interface IncomingRequest {
  readonly from: PeerId;
  readonly type: number;
  readonly meta: unknown;
  readonly body: Uint8Array;
  /** Answers with an Ok frame. A function, not a method: handlers may pass it on unbound. */
  readonly reply: (meta: unknown) => Promise<void>;
  /** Streams one Data frame; pass final on the last one. */
  readonly data: (body: FrameBody, final: boolean) => Promise<void>;
}

export type RequestHandler = (request: IncomingRequest) => Promise<void>;

export interface RequestOptions {
  onData?: (body: Uint8Array) => void | Promise<void>;
  timeoutMs?: number;
}

interface Pending {
  resolve(reply: { meta: unknown; body: Uint8Array }): void;
  reject(error: Error): void;
  onData?: (body: Uint8Array) => void | Promise<void>;
  timer: ReturnType<typeof setTimeout>;
  timeoutMs: number;
  /** Data frames are processed in order even when onData is async. */
  chain: Promise<void>;
}

export class RpcConnection {
  readonly channel: FrameChannel;
  private readonly handler: RequestHandler | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextRequestId = 1;

  constructor(channel: FrameChannel, handler?: RequestHandler) {
    this.channel = channel;
    this.handler = handler;
    channel.onMessage((message) => this.receive(message));
    channel.onClose((reason) => {
      const error = new PeerUnavailableError(channel.remoteId, reason);
      for (const [id, pending] of this.pending) {
        clearTimeout(pending.timer);
        pending.reject(error);
        this.pending.delete(id);
      }
    });
  }

  get remoteId(): PeerId {
    return this.channel.remoteId;
  }

  get closed(): boolean {
    return this.channel.closed;
  }

  request(type: number, meta: unknown, body?: FrameBody, options: RequestOptions = {}): Promise<{ meta: unknown; body: Uint8Array }> {
    const requestId = this.nextRequestId;
    this.nextRequestId = this.nextRequestId >= MAX_REQUEST_ID ? 1 : this.nextRequestId + 1;
    const timeoutMs = options.timeoutMs ?? REQUEST_IDLE_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        resolve,
        reject,
        onData: options.onData,
        timeoutMs,
        timer: setTimeout(() => this.expire(requestId), timeoutMs),
        chain: Promise.resolve(),
      };
      this.pending.set(requestId, pending);
      this.sendFrame({ type, requestId, meta, body }).catch((error: unknown) => {
        this.settle(requestId, (p) => p.reject(error instanceof Error ? error : new Error(String(error))));
      });
    });
  }

  /**
   * Sends a request that gets no reply (request id NOTIFY_ID); resolves once it is handed to
   * the channel. The handler on the other side sees it with reply and data that send nothing.
   * Once `signal` aborts, a notification still waiting for room in the channel is not sent.
   */
  notify(type: number, meta: unknown, body?: FrameBody, signal?: AbortSignal): Promise<void> {
    return this.sendFrame({ type, requestId: NOTIFY_ID, meta, body }, signal);
  }

  close(reason?: string): void {
    this.channel.close(reason);
  }

  /** Sends a frame encoded into a pooled buffer, returned to the pool once the channel took it. */
  private async sendFrame(frame: Parameters<typeof encodeFrame>[0], signal?: AbortSignal): Promise<void> {
    const bytes = encodeFrame(frame, takeFrameBuffer);
    try {
      await this.channel.send(bytes, signal);
    } finally {
      frameBuffers.give(bytes);
    }
  }

  private expire(requestId: number): void {
    this.settle(requestId, (p) => p.reject(new TimeoutError(`peer ${this.remoteId.slice(0, 8)}`, p.timeoutMs)));
  }

  private settle(requestId: number, action: (pending: Pending) => void): void {
    const pending = this.pending.get(requestId);
    if (!pending) return;
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    action(pending);
  }

  private receive(message: Uint8Array): void {
    let frame: Frame;
    try {
      frame = decodeFrame(message);
    } catch (error) {
      const requestId = peekRequestId(message) ?? 0;
      // A broken reply fails the request it names; a broken request is answered with an error.
      if (this.pending.has(requestId)) this.settle(requestId, (p) => p.reject(error as Error));
      else this.sendError(requestId, error);
      return;
    }
    if (frame.type === FrameType.Ok || frame.type === FrameType.Error || frame.type === FrameType.Data) {
      this.receiveReply(frame);
      return;
    }
    void this.serve(frame);
  }

  private receiveReply(frame: Frame): void {
    const pending = this.pending.get(frame.requestId);
    if (!pending) return; // late reply to an expired request
    if (frame.type === FrameType.Data) {
      clearTimeout(pending.timer);
      pending.timer = setTimeout(() => this.expire(frame.requestId), pending.timeoutMs);
      const final = (frame.flags & FLAG_FINAL) !== 0;
      const onData = pending.onData;
      pending.chain = pending.chain.then(async () => {
        if (onData) await onData(frame.body);
      });
      if (final) {
        this.pending.delete(frame.requestId);
        clearTimeout(pending.timer);
        pending.chain.then(() => pending.resolve({ meta: frame.meta, body: new Uint8Array(0) }), (error: unknown) => pending.reject(error as Error));
      } else {
        pending.chain.catch((error: unknown) => this.settle(frame.requestId, (p) => p.reject(error as Error)));
      }
      return;
    }
    if (frame.type === FrameType.Error) {
      const parsed = errorReplySchema.safeParse(frame.meta);
      const error = parsed.success ? fromErrorPayload(parsed.data) : new FrameError('peer sent a malformed error reply');
      this.settle(frame.requestId, (p) => {
        // Let queued Data frames finish before failing, so partial results are consistent.
        p.chain.then(() => p.reject(error), () => p.reject(error));
      });
      return;
    }
    this.settle(frame.requestId, (p) => {
      p.chain.then(() => p.resolve({ meta: frame.meta, body: frame.body }), (error: unknown) => p.reject(error as Error));
    });
  }

  private async serve(frame: Frame): Promise<void> {
    const { requestId } = frame;
    if (requestId === NOTIFY_ID) return this.serveNotification(frame);
    if (!this.handler) {
      this.sendError(requestId, new NotServingError());
      return;
    }
    let answered = false;
    const request: IncomingRequest = {
      from: this.remoteId,
      type: frame.type,
      meta: frame.meta,
      body: frame.body,
      reply: async (meta) => {
        answered = true;
        await this.sendFrame({ type: FrameType.Ok, requestId, meta });
      },
      data: async (body, final) => {
        if (final) answered = true;
        await this.sendFrame({ type: FrameType.Data, requestId, flags: final ? FLAG_FINAL : 0, body });
      },
    };
    try {
      await this.handler(request);
      if (!answered) this.sendError(requestId, new NoReplyError());
    } catch (error) {
      this.sendError(requestId, error);
    }
  }

  /** A notification is handled like a request, but nothing is ever sent back for it. */
  private async serveNotification(frame: Frame): Promise<void> {
    if (!this.handler) return;
    const silent = (): Promise<void> => Promise.resolve();
    try {
      await this.handler({ from: this.remoteId, type: frame.type, meta: frame.meta, body: frame.body, reply: silent, data: silent });
    } catch {
      // The handler records what it needs (StoragePeer reports Push failures at Seal).
    }
  }

  private sendError(requestId: number, error: unknown): void {
    if (this.channel.closed || requestId === NOTIFY_ID) return;
    const payload = toErrorPayload(error);
    this.sendFrame({ type: FrameType.Error, requestId, meta: payload }).catch(() => {
      // The channel died while reporting an error; its close listeners already failed everything.
    });
  }
}
