/**
 * One storage peer per browser profile. Tabs of one profile share one IndexedDB and so one peer
 * id; two peers under one id would knock each other off the mesh. A Web Lock elects the tab that
 * holds the peer; the others are clients that show its state and ask it to act, over a
 * BroadcastChannel, and the first of them to get the lock takes the peer role over when the
 * holder closes (the browser releases a closed tab's locks).
 */
import type { PeerId, StoreStats } from '@meshdrive/core';

const PEER_LOCK = 'meshdrive-storage-peer';
const CHANNEL = 'meshdrive-storage-peer';

/** What the holder tells the other tabs about this browser's peer. */
export interface HolderState {
  peerId: PeerId | null;
  contributing: boolean;
  capacity: number;
  deviceName: string;
  stats: StoreStats;
}

/** What another tab asks the holder to do. */
export type HolderAction = { action: 'stop' } | { action: 'resume' } | { action: 'capacity'; bytes: number } | { action: 'name'; name: string };

type Message = { kind: 'hello' } | { kind: 'state'; state: HolderState } | { kind: 'act'; request: HolderAction };

export class PeerRole {
  private readonly channel: BroadcastChannel | null = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;

  /** Whether this browser has Web Locks; without them every tab holds its own peer, as before. */
  static get supported(): boolean {
    return typeof navigator !== 'undefined' && 'locks' in navigator;
  }

  /** Takes the peer role if no other tab holds it; true if this tab now holds it. */
  tryHold(): Promise<boolean> {
    return this.request(true).then((held) => held === true);
  }

  /** Resolves once this tab holds the peer role: when every tab ahead of it has closed. */
  async waitToHold(): Promise<void> {
    await this.request(false);
  }

  /** Holder: tells the other tabs the peer's state. */
  publish(state: HolderState): void {
    this.post({ kind: 'state', state });
  }

  /** Client: asks the holder for its state now (it also sends it on every change). */
  askForState(): void {
    this.post({ kind: 'hello' });
  }

  /** Client: asks the holder to act. */
  ask(request: HolderAction): void {
    this.post({ kind: 'act', request });
  }

  onMessage(handlers: { state?: (state: HolderState) => void; hello?: () => void; act?: (request: HolderAction) => void }): void {
    this.channel?.addEventListener('message', (event: MessageEvent<Message>) => {
      const message = event.data;
      if (message.kind === 'state') handlers.state?.(message.state);
      else if (message.kind === 'hello') handlers.hello?.();
      else if (message.kind === 'act') handlers.act?.(message.request);
    });
  }

  private post(message: Message): void {
    this.channel?.postMessage(message);
  }

  /** Resolves true once the lock is held (kept until the tab closes), false if `ifAvailable` found it taken. */
  private request(ifAvailable: boolean): Promise<boolean | undefined> {
    return new Promise((resolve, reject) => {
      navigator.locks
        .request(PEER_LOCK, { ifAvailable }, (lock) => {
          if (!lock) {
            resolve(false);
            return undefined;
          }
          resolve(true);
          // Held for the life of the tab: the browser releases it when the tab closes.
          return new Promise<void>(() => undefined);
        })
        .catch(reject);
    });
  }
}
