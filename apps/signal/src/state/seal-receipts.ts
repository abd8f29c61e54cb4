/**
 * Seal receipts: which peer told the master it sealed which segment, and of how many chunks.
 * The master records a segment's holders from these, the peers' own word (as HDFS records
 * replicas from DataNode reports), never from the client's commit alone. Shared state for
 * several masters later, so it sits behind this interface (memory-seal-receipts.ts today).
 */
import type { PeerId } from '@meshdrive/core';

export interface SealReceipts {
  record(peer: PeerId, list: string, chunks: number, now: number): Promise<void>;
  /**
   * The chunk count each of `peers` reported for `list`; waits up to `timeoutMs` for receipts
   * not in yet (a peer's receipt and the client's commit travel different roads). Peers with
   * no receipt by then are absent from the answer.
   */
  confirmed(list: string, peers: readonly PeerId[], timeoutMs: number): Promise<Map<PeerId, number>>;
  /** Forgets receipts recorded before `before`. */
  prune(before: number): Promise<void>;
}
