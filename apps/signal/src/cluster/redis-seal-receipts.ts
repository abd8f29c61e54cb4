/**
 * Seal receipts in Redis, so a commit on one master counts the receipts peers sent to others:
 * one hash per segment (peer → chunk count) that expires after `keepMs`. A commit waiting for
 * receipts not in yet reads again every POLL_MS until its timeout.
 */
import type { Redis } from 'ioredis';
import type { PeerId } from '@meshdrive/core';
import type { SealReceipts } from '../state/seal-receipts.js';

const POLL_MS = 50;
const receiptKey = (list: string): string => `md:sealed:${list}`;

export class RedisSealReceipts implements SealReceipts {
  constructor(private readonly redis: Redis, private readonly keepMs: number) {}

  async record(peer: PeerId, list: string, chunks: number): Promise<void> {
    await this.redis.multi().hset(receiptKey(list), peer, chunks).pexpire(receiptKey(list), this.keepMs).exec();
  }

  async confirmed(list: string, peers: readonly PeerId[], timeoutMs: number): Promise<Map<PeerId, number>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = peers.length === 0 ? [] : await this.redis.hmget(receiptKey(list), ...peers);
      const answer = new Map(peers.flatMap((peer, index) => (counts[index] == null ? [] : [[peer, Number(counts[index])] as const])));
      if (answer.size === peers.length || Date.now() >= deadline) return answer;
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
    }
  }

  /** Receipts expire on their own in Redis. */
  prune(): Promise<void> {
    return Promise.resolve();
  }
}
