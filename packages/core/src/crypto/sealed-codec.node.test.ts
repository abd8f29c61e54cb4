import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeCompressor } from '../codec/compressor.node.js';
import { DecryptError } from '../errors.js';
import { nodeCryptoSuite } from './crypto-suite.node.js';
import { sealedCodec } from './sealed-codec.js';

const codecWith = (fill: number) => sealedCodec({ crypto: nodeCryptoSuite, compressor: nodeCompressor, chunkSize: 1024, key: new Uint8Array(64).fill(fill) });

describe('the sealed codec', () => {
  const codec = codecWith(1);
  const plain = new Uint8Array(randomBytes(100 * 1024 + 7));

  it('gives the same stored bytes every time, whether it copies or encodes in place in a dirty reused buffer', async () => {
    const copied = await codec.encode(plain);
    expect(await codec.encode(plain)).toEqual(copied);
    const buffer = new Uint8Array(codec.maxStoredSize(plain.length)).fill(0xee); // an earlier segment's leftovers
    const room = codec.headroom!(plain.length);
    buffer.set(plain, room);
    const inPlace = await codec.encode(buffer.subarray(room, room + plain.length), buffer);
    expect(inPlace).toEqual(copied);
    expect(inPlace.buffer).toBe(buffer.buffer);
    expect(await codec.decode(inPlace.slice(), plain.length)).toEqual(plain);
  });

  it('stores whole chunks, and text deflated', async () => {
    const text = new TextEncoder().encode('the same few words again and again, '.repeat(3000));
    const stored = await codec.encode(text);
    expect(stored.length % 1024).toBe(0);
    expect(stored.length).toBeLessThan(text.length / 4);
    expect(await codec.decode(stored, text.length)).toEqual(text);
  });

  it('refuses a segment sealed under another key, and one cut short', async () => {
    const stored = await codec.encode(plain);
    await expect(codecWith(2).decode(stored.slice(), plain.length)).rejects.toBeInstanceOf(DecryptError);
    await expect(codec.decode(stored.slice(0, stored.length - 1024), plain.length)).rejects.toBeInstanceOf(DecryptError);
  });
});
