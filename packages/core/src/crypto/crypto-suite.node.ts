import { createCipheriv, createDecipheriv, createHmac, hkdf, pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import { DecryptError } from '../errors.js';
import { AES_KEY_BYTES, GCM_TAG_BYTES, indexPrefix, NONCE_BYTES, type CryptoSuite } from './crypto-suite.js';

const pbkdf2Async = promisify(pbkdf2);
const hkdfAsync = promisify(hkdf);
const BLOCK_BYTES = 16;
const asBytes = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);

/**
 * node:crypto, synchronously under an async face. Counter mode runs as one AES-ECB call over a
 * segment's counter blocks, XORed into the data: a cipher object per 1 KiB chunk costs 7.7 ms
 * per MiB here, the one call 1.8.
 */
export const nodeCryptoSuite: CryptoSuite = {
  hmacSha256(key, message) {
    return Promise.resolve(asBytes(createHmac('sha256', key).update(message).digest()));
  },

  chunkNonces(key, data, chunkSize) {
    const count = Math.ceil(data.length / chunkSize);
    const nonces = new Uint8Array(count * NONCE_BYTES);
    for (let i = 0; i < count; i++) {
      const digest = createHmac('sha256', key).update(indexPrefix(i)).update(data.subarray(i * chunkSize, (i + 1) * chunkSize)).digest();
      nonces.set(digest.subarray(0, NONCE_BYTES), i * NONCE_BYTES);
    }
    return Promise.resolve(nonces);
  },

  ctrChunks(key, nonces, input, chunkSize, output) {
    const blocksPerChunk = Math.ceil(chunkSize / BLOCK_BYTES);
    const count = Math.ceil(input.length / chunkSize);
    const counters = new Uint8Array(count * blocksPerChunk * BLOCK_BYTES);
    const view = new DataView(counters.buffer);
    for (let i = 0; i < count; i++) {
      const nonce = nonces.subarray(i * NONCE_BYTES, (i + 1) * NONCE_BYTES);
      for (let block = 0; block < blocksPerChunk; block++) {
        const at = (i * blocksPerChunk + block) * BLOCK_BYTES;
        counters.set(nonce, at);
        view.setUint32(at + NONCE_BYTES, block);
      }
    }
    const ecb = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
    const keystream = ecb.update(counters);
    for (let i = 0; i < count; i++) {
      const start = i * chunkSize;
      const end = Math.min(input.length, start + chunkSize);
      const stream = i * blocksPerChunk * BLOCK_BYTES - start;
      for (let at = start; at < end; at++) output[at] = input[at]! ^ keystream[stream + at]!;
    }
    return Promise.resolve();
  },

  gcmSeal(key, nonce, plain, aad) {
    const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad);
    const sealed = new Uint8Array(plain.length + GCM_TAG_BYTES);
    sealed.set(cipher.update(plain));
    cipher.final();
    sealed.set(cipher.getAuthTag(), plain.length);
    return Promise.resolve(sealed);
  },

  gcmOpen(key, nonce, sealed, aad) {
    if (sealed.length < GCM_TAG_BYTES || key.length !== AES_KEY_BYTES || nonce.length !== NONCE_BYTES) return Promise.reject(new DecryptError('a sealed value too short to hold its tag'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce).setAAD(aad);
      decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
      const plain = decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES));
      decipher.final();
      return Promise.resolve(new Uint8Array(plain.buffer, plain.byteOffset, plain.length));
    } catch {
      return Promise.reject(new DecryptError('its authentication tag does not match'));
    }
  },

  async pbkdf2Sha256(password, salt, iterations, bytes) {
    return asBytes(await pbkdf2Async(password, salt, iterations, bytes, 'sha256'));
  },

  async hkdfSha256(key, salt, info, bytes) {
    return new Uint8Array(await hkdfAsync('sha256', key, salt, info, bytes));
  },
};
