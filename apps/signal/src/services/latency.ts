/** The last samples of a latency, for the master's /api/metrics: a ring of fixed size, summarised on demand. */
export interface LatencySummary {
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

export class LatencyRing {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(size = 20_000) {
    this.values = new Float64Array(size);
  }

  record(ms: number): void {
    this.values[this.next] = ms;
    this.next = (this.next + 1) % this.values.length;
    this.count = Math.min(this.count + 1, this.values.length);
  }

  /** Quantiles of the samples kept, then forgets them: each summary covers what came since the last. */
  take(): LatencySummary {
    const kept = this.values.slice(0, this.count).sort();
    this.next = 0;
    this.count = 0;
    const at = (quantile: number): number => (kept.length === 0 ? 0 : kept[Math.min(kept.length - 1, Math.floor(quantile * kept.length))]!);
    return { samples: kept.length, p50Ms: at(0.5), p99Ms: at(0.99) };
  }
}
