import type { Hasher } from './hasher.js';

/** WebCrypto digests run off the main thread; issuing a batch at once lets them overlap. */
export const browserHasher: Hasher = {
  async sha256Many(inputs) {
    const digests = await Promise.all(inputs.map((input) => crypto.subtle.digest('SHA-256', input as Uint8Array<ArrayBuffer>)));
    return digests.map((digest) => new Uint8Array(digest));
  },
};
