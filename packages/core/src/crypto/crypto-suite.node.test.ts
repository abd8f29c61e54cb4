import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeCompressor } from '../codec/compressor.node.js';
import { streamCompressor } from '../codec/compressor.browser.js';
import { DecryptError } from '../errors.js';
import { webCryptoSuite } from './crypto-suite.browser.js';
import { nodeCryptoSuite } from './crypto-suite.node.js';
import { NONCE_BYTES } from './crypto-suite.js';

const key = new Uint8Array(32).map((_, i) => i);
const bytes = (count: number): Uint8Array => new Uint8Array(nodeRandomBytes(count));

describe('the node:crypto and WebCrypto suites give the same bytes', () => {
  it('chunk nonces, over whole chunks and a short last one', async () => {
    const data = bytes(3 * 1024 + 100);
    const fromNode = await nodeCryptoSuite.chunkNonces(key, data, 1024);
    expect(fromNode.length).toBe(4 * NONCE_BYTES);
    expect(await webCryptoSuite.chunkNonces(key, data, 1024)).toEqual(fromNode);
    // keyed by index: the same chunk at another place has another nonce
    const twice = new Uint8Array(2048);
    const nonces = await nodeCryptoSuite.chunkNonces(key, twice, 1024);
    expect(nonces.subarray(0, NONCE_BYTES)).not.toEqual(nonces.subarray(NONCE_BYTES));
  });

  it('counter mode per chunk, in place or not, and back', async () => {
    for (const chunkSize of [1024, 100, 16]) {
      const data = bytes(chunkSize * 5 - 7);
      const nonces = await nodeCryptoSuite.chunkNonces(key, data, chunkSize);
      const fromNode = new Uint8Array(data.length);
      await nodeCryptoSuite.ctrChunks(key, nonces, data, chunkSize, fromNode);
      const fromWeb = new Uint8Array(data.length);
      await webCryptoSuite.ctrChunks(key, nonces, data, chunkSize, fromWeb);
      expect(fromWeb).toEqual(fromNode);
      expect(fromNode).not.toEqual(data);
      const back = fromNode.slice();
      await nodeCryptoSuite.ctrChunks(key, nonces, back, chunkSize, back);
      expect(back).toEqual(data);
    }
  });

  it('AES-GCM seals the same way, and refuses a flipped bit or another AAD with DecryptError', async () => {
    const nonce = bytes(12);
    const plain = bytes(100);
    const aad = new TextEncoder().encode('bound');
    const sealed = await nodeCryptoSuite.gcmSeal(key, nonce, plain, aad);
    expect(await webCryptoSuite.gcmSeal(key, nonce, plain, aad)).toEqual(sealed);
    expect(await webCryptoSuite.gcmOpen(key, nonce, sealed, aad)).toEqual(plain);
    const flipped = sealed.slice();
    flipped[5]! ^= 1;
    for (const suite of [nodeCryptoSuite, webCryptoSuite]) {
      await expect(suite.gcmOpen(key, nonce, flipped, aad)).rejects.toBeInstanceOf(DecryptError);
      await expect(suite.gcmOpen(key, nonce, sealed, new Uint8Array(1))).rejects.toBeInstanceOf(DecryptError);
    }
  });

  it('HMAC, PBKDF2 and HKDF', async () => {
    const message = bytes(77);
    expect(await webCryptoSuite.hmacSha256(key, message)).toEqual(await nodeCryptoSuite.hmacSha256(key, message));
    expect(await webCryptoSuite.pbkdf2Sha256(message, key, 1000, 64)).toEqual(await nodeCryptoSuite.pbkdf2Sha256(message, key, 1000, 64));
    expect(await webCryptoSuite.hkdfSha256(key, message, 'info', 96)).toEqual(await nodeCryptoSuite.hkdfSha256(key, message, 'info', 96));
  });
});

describe('the compressors read each other', () => {
  it('zlib output inflates through streams and the other way round', async () => {
    const text = new TextEncoder().encode('all work and no play '.repeat(2000));
    expect(await streamCompressor.inflate(await nodeCompressor.deflate(text), text.length)).toEqual(text);
    expect(await nodeCompressor.inflate(await streamCompressor.deflate(text), text.length)).toEqual(text);
  });

  it('refuses what inflates past its size, and what is not deflate', async () => {
    const text = new TextEncoder().encode('a'.repeat(10_000));
    for (const compressor of [nodeCompressor, streamCompressor]) {
      await expect(compressor.inflate(await compressor.deflate(text), 9_999)).rejects.toBeInstanceOf(DecryptError);
      await expect(compressor.inflate(new Uint8Array([0xff, 0xff, 0xff, 0xff]), 100)).rejects.toBeInstanceOf(DecryptError);
    }
  });
});
