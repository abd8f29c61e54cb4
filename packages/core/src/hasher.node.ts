import { createHash } from 'node:crypto';
import type { Hasher } from './hasher.js';

/** Synchronous node:crypto under an async face; fast enough that batching needs no workers. */
export const nodeHasher: Hasher = {
  sha256Many(inputs) {
    return Promise.resolve(inputs.map((input) => new Uint8Array(createHash('sha256').update(input).digest())));
  },
};
