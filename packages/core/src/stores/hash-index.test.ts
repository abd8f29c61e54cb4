import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.js';
import { HashIndex, prefixOf, type Location } from './hash-index.js';

const at = (n: number): Location => ({ pack: 1 + (n % 7), offset: n * 1060, length: 1024 });

describe('HashIndex', () => {
  it('finds, moves and removes entries through many resizes', () => {
    const index = new HashIndex();
    const prefixes = Array.from({ length: 50_000 }, (_, n) => ({ high: (n * 2654435761) >>> 0, low: (n * 40503 + 17) >>> 0 }));
    prefixes.forEach((prefix, n) => index.insert(prefix, at(n)));
    expect(index.size).toBe(prefixes.length);
    prefixes.forEach((prefix, n) => expect(index.location(index.find(prefix))).toEqual(at(n)));
    for (let n = 0; n < prefixes.length; n += 2) index.remove(index.find(prefixes[n]!));
    expect(index.size).toBe(prefixes.length / 2);
    prefixes.forEach((prefix, n) => expect(index.find(prefix) >= 0).toBe(n % 2 === 1));
    const slot = index.find(prefixes[1]!);
    index.move(slot, { pack: 9, offset: 8, length: 3 });
    expect(index.location(index.find(prefixes[1]!))).toEqual({ pack: 9, offset: 8, length: 3 });
    expect([...index.entries()]).toHaveLength(prefixes.length / 2);
  });

  it('keeps entries whose prefixes collide apart through confirm', () => {
    const index = new HashIndex();
    const prefix = prefixOf(fromHex('0123456789abcdef' + '0'.repeat(48)));
    index.insert(prefix, at(1));
    index.insert(prefix, at(2));
    const is = (n: number) => (location: Location) => location.offset === at(n).offset;
    expect(index.location(index.find(prefix, is(2)))).toEqual(at(2));
    index.remove(index.find(prefix, is(1)));
    expect(index.find(prefix, is(1))).toBe(-1);
    expect(index.location(index.find(prefix, is(2)))).toEqual(at(2));
  });

  it('reads the prefix as the first 64 bits of a hash, big-endian', () => {
    expect(prefixOf(fromHex('ffffffff00000001' + 'ab'.repeat(24)))).toEqual({ high: 0xffffffff, low: 1 });
  });
});
