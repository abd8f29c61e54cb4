/** Chunks for store tests: bytes and a stand-in hash that follow from a seed (stores do not verify). */
import { fromHex, toHex } from '../bytes.js';
import type { StoredChunk } from './chunk-store.js';

/** The chunk of `seed`; `prefix` (16 hex digits) fixes the hash's first 8 bytes. */
export function chunk(seed: number, size = 1024, prefix?: string): StoredChunk {
  const bytes = new Uint8Array(size).map((_, i) => (seed * 13 + i) & 0xff);
  const hash = new Uint8Array(32);
  new DataView(hash.buffer).setUint32(8, seed);
  new DataView(hash.buffer).setUint32(0, Math.imul(seed + 1, 2654435761) >>> 0);
  return { hash: prefix ? fromHex(prefix + toHex(hash).slice(16)) : hash, bytes };
}

/** The chunks of seeds from, from + 1, … */
export const range = (from: number, count: number, size = 1024): StoredChunk[] => Array.from({ length: count }, (_, i) => chunk(from + i, size));
