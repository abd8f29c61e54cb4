/**
 * A segment's chunk list: the concatenated 32-byte SHA-256 names of its chunks, in order.
 * It is stored on the segment's replicas like any other blob (named by its own hash), and the
 * manifest keeps only that one hash per segment: a two-level Merkle tree.
 */
import { FrameError } from '../errors.js';

export const HASH_BYTES = 32;

export function encodeChunkList(hashes: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(hashes.length * HASH_BYTES);
  hashes.forEach((hash, i) => out.set(hash, i * HASH_BYTES));
  return out;
}

/** The list's raw 32-byte hashes, as views into `bytes` (no hex on hot paths). */
export function splitChunkList(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length % HASH_BYTES !== 0) throw new FrameError(`chunk list of ${bytes.length} bytes is not a multiple of ${HASH_BYTES}`);
  const hashes: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += HASH_BYTES) hashes.push(bytes.subarray(offset, offset + HASH_BYTES));
  return hashes;
}
