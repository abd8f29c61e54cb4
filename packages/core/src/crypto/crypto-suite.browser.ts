import { DecryptError } from '../errors.js';
import { utf8 } from '../bytes.js';
import { counterBlock, indexPrefix, NONCE_BYTES, type CryptoSuite } from './crypto-suite.js';

type Bytes = Uint8Array<ArrayBuffer>;
const asBuffer = (bytes: Uint8Array): Bytes => bytes as Bytes;
const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

function importKey(key: Uint8Array, algorithm: AlgorithmIdentifier | HmacImportParams, usages: KeyUsage[]): Promise<CryptoKey> {
  return subtle().importKey('raw', asBuffer(key), algorithm, false, usages);
}

/**
 * WebCrypto: every chunk is its own call, so a segment's calls are issued together and awaited
 * as one (Chromium runs them off the main thread). Also runs in Node, where the tests compare it
 * byte for byte with the node:crypto suite.
 */
export const webCryptoSuite: CryptoSuite = {
  async hmacSha256(key, message) {
    const hmacKey = await importKey(key, { name: 'HMAC', hash: 'SHA-256' }, ['sign']);
    return new Uint8Array(await subtle().sign('HMAC', hmacKey, asBuffer(message)));
  },

  async chunkNonces(key, data, chunkSize) {
    const hmacKey = await importKey(key, { name: 'HMAC', hash: 'SHA-256' }, ['sign']);
    const count = Math.ceil(data.length / chunkSize);
    const digests = await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const piece = data.subarray(i * chunkSize, (i + 1) * chunkSize);
        const message = new Uint8Array(4 + piece.length);
        message.set(indexPrefix(i));
        message.set(piece, 4);
        return subtle().sign('HMAC', hmacKey, message);
      }),
    );
    const nonces = new Uint8Array(count * NONCE_BYTES);
    digests.forEach((digest, i) => nonces.set(new Uint8Array(digest, 0, NONCE_BYTES), i * NONCE_BYTES));
    return nonces;
  },

  async ctrChunks(key, nonces, input, chunkSize, output) {
    const aesKey = await importKey(key, 'AES-CTR', ['encrypt']);
    const count = Math.ceil(input.length / chunkSize);
    const pieces = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        subtle().encrypt({ name: 'AES-CTR', counter: asBuffer(counterBlock(nonces, i * NONCE_BYTES)), length: 32 }, aesKey, asBuffer(input.subarray(i * chunkSize, (i + 1) * chunkSize))),
      ),
    );
    pieces.forEach((piece, i) => output.set(new Uint8Array(piece), i * chunkSize));
  },

  async gcmSeal(key, nonce, plain, aad) {
    const aesKey = await importKey(key, 'AES-GCM', ['encrypt']);
    return new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: asBuffer(nonce), additionalData: asBuffer(aad) }, aesKey, asBuffer(plain)));
  },

  async gcmOpen(key, nonce, sealed, aad) {
    const aesKey = await importKey(key, 'AES-GCM', ['decrypt']);
    try {
      return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: asBuffer(nonce), additionalData: asBuffer(aad) }, aesKey, asBuffer(sealed)));
    } catch {
      throw new DecryptError('its authentication tag does not match');
    }
  },

  async pbkdf2Sha256(password, salt, iterations, bytes) {
    const base = await importKey(password, 'PBKDF2', ['deriveBits']);
    return new Uint8Array(await subtle().deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: asBuffer(salt), iterations }, base, bytes * 8));
  },

  async hkdfSha256(key, salt, info, bytes) {
    const base = await importKey(key, 'HKDF', ['deriveBits']);
    return new Uint8Array(await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: asBuffer(salt), info: asBuffer(utf8(info)) }, base, bytes * 8));
  },
};
