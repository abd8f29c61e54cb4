/** Two in-memory FrameChannels wired to each other, for unit tests of the layers above. */
import type { PeerId } from '../ids.js';
import { PeerUnavailableError } from '../errors.js';
import type { FrameChannel } from './frame-channel.js';

class MemoryChannel implements FrameChannel {
  other: MemoryChannel | undefined;
  private readonly messageListeners: ((message: Uint8Array) => void)[] = [];
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private closeReason: string | undefined;
  constructor(readonly remoteId: PeerId) {}

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  send(message: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.closed || !this.other) return Promise.reject(new PeerUnavailableError(this.remoteId, 'closed'));
    const target = this.other;
    const copy = message.slice();
    queueMicrotask(() => target.deliver(copy));
    return Promise.resolve();
  }

  deliver(message: Uint8Array): void {
    for (const listener of this.messageListeners) listener(message);
  }

  onMessage(listener: (message: Uint8Array) => void): void {
    this.messageListeners.push(listener);
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closeReason = reason;
    for (const listener of this.closeListeners.splice(0)) listener(reason);
    this.other?.close(reason);
  }
}

export function memoryChannelPair(a: PeerId, b: PeerId): [FrameChannel, FrameChannel] {
  const toB = new MemoryChannel(b);
  const toA = new MemoryChannel(a);
  toB.other = toA;
  toA.other = toB;
  return [toB, toA];
}
