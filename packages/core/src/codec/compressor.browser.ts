import { DecryptError } from '../errors.js';
import type { Compressor } from './compressor.js';

async function collect(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > maxBytes) {
      await reader.cancel();
      throw new DecryptError('a compressed segment inflates past its size');
    }
    parts.push(value);
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function pipe(data: Uint8Array, transform: CompressionStream | DecompressionStream): ReadableStream<Uint8Array> {
  return new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform);
}

/** The browser's own deflate, as streams; also in Node, where the tests check it reads what node:zlib wrote. */
export const streamCompressor: Compressor = {
  deflate(data) {
    return collect(pipe(data, new CompressionStream('deflate-raw')), Number.MAX_SAFE_INTEGER);
  },
  async inflate(data, maxBytes) {
    try {
      return await collect(pipe(data, new DecompressionStream('deflate-raw')), maxBytes);
    } catch (error) {
      if (error instanceof DecryptError) throw error;
      throw new DecryptError('a compressed segment does not inflate', { cause: error });
    }
  },
};
