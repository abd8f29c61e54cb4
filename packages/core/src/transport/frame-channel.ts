/**
 * The narrow transport every higher layer uses: send a whole binary message, hear whole
 * messages, learn when it closed. Implemented over simple-peer data channels; an in-memory
 * pair exists for unit tests.
 */
import type { PeerId } from '../ids.js';

export interface FrameChannel {
  readonly remoteId: PeerId;
  readonly closed: boolean;
  /**
   * Sends one message; resolves once it is queued and the send buffer is below its high-water
   * mark. The channel is done with `message` once this settles: the caller may reuse it. Once
   * `signal` aborts, a message still waiting for room is not sent: the promise rejects with the
   * signal's reason (a cancelled transfer queues nothing more).
   */
  send(message: Uint8Array, signal?: AbortSignal): Promise<void>;
  onMessage(listener: (message: Uint8Array) => void): void;
  onClose(listener: (reason: string) => void): void;
  close(reason?: string): void;
}

/** Hands control back to the event loop; platform code picks the cheapest way. */
export type YieldToLoop = () => Promise<void>;
