import { describe, expect, it } from 'vitest';
import { HashBloomFilter } from './bloom.js';

/** Deterministic stand-ins for SHA-256 names (xorshift bytes): uniform, like real hashes. */
function names(count: number, seed: number): Uint8Array[] {
  let state = seed;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  return Array.from({ length: count }, () => new Uint8Array(32).map(() => next() & 0xff));
}

describe('HashBloomFilter', () => {
  it('never forgets an added hash', () => {
    const filter = new HashBloomFilter(10_000);
    const added = names(10_000, 7);
    for (const hash of added) filter.add(hash);
    expect(added.every((hash) => filter.mayContain(hash))).toBe(true);
  });

  it('answers "absent" for nearly every other hash at its sized rate', () => {
    const filter = new HashBloomFilter(10_000, 0.01);
    for (const hash of names(10_000, 7)) filter.add(hash);
    const others = names(20_000, 99);
    const falsePositives = others.filter((hash) => filter.mayContain(hash)).length;
    expect(falsePositives / others.length).toBeLessThan(0.03);
  });

  it('still has no false negatives when overfilled', () => {
    const filter = new HashBloomFilter(10);
    const added = names(1000, 3);
    for (const hash of added) filter.add(hash);
    expect(added.every((hash) => filter.mayContain(hash))).toBe(true);
  });
});
