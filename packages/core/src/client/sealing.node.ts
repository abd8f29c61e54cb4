/** A Node client's Sealing: the user's keys from a device's saved master key, node:crypto, node:zlib. */
import { nodeCompressor } from '../codec/compressor.node.js';
import { nodeHasher } from '../codec/hasher.node.js';
import { nodeCryptoSuite } from '../crypto/crypto-suite.node.js';
import { userKeysOf, type KeyedSession } from './account-flow.js';
import type { Sealing } from './sealing.js';

export async function nodeSealing(session: Pick<KeyedSession, 'user' | 'masterKey'>): Promise<Sealing> {
  return { keys: await userKeysOf(nodeCryptoSuite, session), compressor: nodeCompressor, hasher: nodeHasher };
}
