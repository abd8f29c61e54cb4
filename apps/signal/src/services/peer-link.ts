/**
 * What the master's services may ask of one connected peer. The gateway implements it over the
 * peer's socket; unit tests implement it by hand.
 */
import type { CopyOrder, PeerId, PeerStats, PinReport } from '@meshdrive/core';

export interface PeerLink {
  readonly id: PeerId;
  /** The peer's stats, or undefined when it did not answer in time or its socket was replaced since. */
  heartbeat(seq: number): Promise<PeerStats | undefined>;
  /** One page of the segments it sealed at least `olderThanMs` ago, after `after`; undefined when it did not answer. */
  pins(question: { olderThanMs: number; after?: string }): Promise<PinReport | undefined>;
  /** Drop these segments from a pins report unless sealed again since; not acknowledged. */
  abandoned(order: { lists: string[]; olderThanMs: number }): void;
  /** Unpin these segments; true once the peer confirms. */
  drop(lists: string[]): Promise<boolean>;
  /** Which of these segments it lacks (see the `holding` event); undefined when it did not answer. */
  holding(lists: string[]): Promise<string[] | undefined>;
  /** Copy a segment it holds to another peer; resolves once sealed there, rejects with the peer's typed error or a timeout. */
  copy(order: CopyOrder): Promise<void>;
}
