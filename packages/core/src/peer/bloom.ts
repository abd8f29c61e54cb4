/**
 * A Bloom filter over SHA-256 names: set membership in ~10 bits per item, with false positives
 * (at ~1% by default) and never a false negative. The items are already uniformly random, so
 * the filter's k probe positions are read straight from the hash instead of hashing again.
 */
import type { HashBytes } from '../ids.js';

const DEFAULT_FALSE_POSITIVE_RATE = 0.01;
/** Probes read 32-bit words from the 32-byte hash, at overlapping 2-byte steps: at most 15. */
const MAX_PROBES = 15;

export class HashBloomFilter {
  private readonly bits: Uint32Array;
  private readonly bitCount: number;
  private readonly probes: number;

  /** Sized for `expectedItems`: more items still work, at a higher false-positive rate. */
  constructor(expectedItems: number, falsePositiveRate = DEFAULT_FALSE_POSITIVE_RATE) {
    const items = Math.max(1, expectedItems);
    this.bitCount = Math.max(64, Math.ceil((-items * Math.log(falsePositiveRate)) / Math.LN2 ** 2));
    this.bits = new Uint32Array(Math.ceil(this.bitCount / 32));
    this.probes = Math.min(MAX_PROBES, Math.max(1, Math.round((this.bitCount / items) * Math.LN2)));
  }

  /** `hash`: a chunk or list name. */
  add(hash: HashBytes): void {
    for (let probe = 0; probe < this.probes; probe++) {
      const bit = this.position(hash, probe);
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
  }

  /** False means certainly absent; true means present, or (rarely) a false positive. */
  mayContain(hash: HashBytes): boolean {
    for (let probe = 0; probe < this.probes; probe++) {
      const bit = this.position(hash, probe);
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  private position(bytes: Uint8Array, probe: number): number {
    const offset = probe * 2;
    const word = ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
    return word % this.bitCount;
  }
}
