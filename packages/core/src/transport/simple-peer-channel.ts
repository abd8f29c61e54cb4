/**
 * FrameChannel over a simple-peer instance. Sends call `peer.send()` directly and poll
 * `bufferSize` (the data channel's bufferedAmount): with @roamhq/wrtc the low-water event never
 * fires and simple-peer's stream path polls every 150 ms, both measured to stall transfers.
 */
import type SimplePeer from 'simple-peer';
import type { PeerId } from '../ids.js';
import { PeerUnavailableError } from '../errors.js';
import type { FrameChannel, YieldToLoop } from './frame-channel.js';

/** Keep at most this much queued in the data channel (Chromium throws past 16 MiB). */
export const SEND_HIGH_WATER_BYTES = 2 * 1024 * 1024;
/**
 * Busy-yield this many times before falling back to 1 ms sleeps: reading bufferedAmount crosses
 * into native code, and polling it every turn cost a peer ~10% of its CPU in profiles.
 */
const FAST_POLLS = 4;
const SLOW_POLL_MS = 1;

/**
 * Resolves once the channel's send buffer holds at most `lowWaterBytes`, or it closed. Browsers
 * pass one built on the `bufferedamountlow` event: a hidden tab's timers may fire only once a
 * minute, which stalled the reads it served. Without one, the channel sleeps 1 ms between polls.
 */
export type WaitForDrain = (peer: SimplePeer.Instance, lowWaterBytes: number) => Promise<void>;

export class SimplePeerChannel implements FrameChannel {
  readonly remoteId: PeerId;
  private readonly peer: SimplePeer.Instance;
  private readonly yieldToLoop: YieldToLoop;
  private readonly waitForDrain: WaitForDrain | undefined;
  private readonly messageListeners: ((message: Uint8Array) => void)[] = [];
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private closeReason: string | undefined;
  private readonly early: Uint8Array[] = [];
  private bufferedAtLastCheck = 0;
  private sentSinceCheck = 0;

  constructor(remoteId: PeerId, peer: SimplePeer.Instance, yieldToLoop: YieldToLoop, waitForDrain?: WaitForDrain) {
    this.remoteId = remoteId;
    this.peer = peer;
    this.yieldToLoop = yieldToLoop;
    this.waitForDrain = waitForDrain;
    peer.on('data', (data: Uint8Array | string) => {
      if (typeof data === 'string') return; // text messages are not part of the protocol
      if (this.messageListeners.length === 0) this.early.push(data);
      for (const listener of this.messageListeners) listener(data);
    });
    peer.on('close', () => this.markClosed('connection closed'));
    peer.on('error', (error: Error) => this.markClosed(error.message));
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  async send(message: Uint8Array, signal?: AbortSignal): Promise<void> {
    // Reading bufferedAmount crosses into native code (~0.5 ms with @roamhq/wrtc); skip it while
    // what was buffered at the last reading plus what was sent since cannot reach the mark.
    if (this.bufferedAtLastCheck + this.sentSinceCheck + message.length > SEND_HIGH_WATER_BYTES) {
      let polls = 0;
      for (;;) {
        this.bufferedAtLastCheck = this.peer.bufferSize;
        this.sentSinceCheck = 0;
        if (this.bufferedAtLastCheck <= SEND_HIGH_WATER_BYTES / 2 || this.closed || signal?.aborted) break;
        if (polls++ < FAST_POLLS) await this.yieldToLoop();
        else if (this.waitForDrain) await this.waitForDrain(this.peer, SEND_HIGH_WATER_BYTES / 2);
        else await new Promise((resolve) => setTimeout(resolve, SLOW_POLL_MS));
      }
    }
    signal?.throwIfAborted();
    this.sentSinceCheck += message.length;
    if (this.closeReason !== undefined) throw new PeerUnavailableError(this.remoteId, this.closeReason);
    try {
      this.peer.send(message);
    } catch (error) {
      this.markClosed(error instanceof Error ? error.message : String(error));
      throw new PeerUnavailableError(this.remoteId, this.closeReason ?? 'send failed');
    }
  }

  onMessage(listener: (message: Uint8Array) => void): void {
    this.messageListeners.push(listener);
    // Messages that arrived before anyone listened (the channel can be used before simple-peer's
    // 'connect', see simple-peer-endpoint.ts) are delivered once the listener is in place.
    const early = this.early.splice(0);
    if (early.length > 0) queueMicrotask(() => early.forEach((message) => listener(message)));
  }

  onClose(listener: (reason: string) => void): void {
    if (this.closeReason !== undefined) listener(this.closeReason);
    else this.closeListeners.push(listener);
  }

  close(reason = 'closed locally'): void {
    this.markClosed(reason);
    this.peer.destroy();
  }

  private markClosed(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }
}
