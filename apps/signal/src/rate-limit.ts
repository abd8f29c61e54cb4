/**
 * A token bucket: `burst` requests at once, then `perSecond` on average. One per socket bounds
 * what a single connection can make the master do; one per account name slows password guessing.
 */
import type { Clock } from '@meshdrive/core';

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(private readonly perSecond: number, private readonly burst: number, private readonly clock: Pick<Clock, 'now'>) {
    this.tokens = burst;
    this.updatedAt = clock.now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
