import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors.js';
import { batchChunks, chunkBatchWriter, decodeChunkBatch, decodeFrame, encodeChunkBatch, encodeFrame, FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from './frame.js';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    return error instanceof MeshError ? error.code : 'not a MeshError';
  }
  return undefined;
};

describe('frame codec', () => {
  it('round-trips type, flags, request id, meta and body', () => {
    const body = new Uint8Array([1, 2, 3, 250]);
    const frame = decodeFrame(encodeFrame({ type: 7, flags: 1, requestId: 0xfffffffe, meta: { a: 'b', n: [1] }, body }));
    expect(frame).toMatchObject({ type: 7, flags: 1, requestId: 0xfffffffe, meta: { a: 'b', n: [1] } });
    expect([...frame.body]).toEqual([...body]);
  });

  it('rejects a frame whose length fields lie', () => {
    const message = encodeFrame({ type: 2, requestId: 1, meta: { x: 1 }, body: new Uint8Array(10) });
    const view = new DataView(message.buffer);
    view.setUint32(12, 9_999);
    expect(codeOf(() => decodeFrame(message))).toBe('ERR_FRAME');
    view.setUint32(12, 10);
    view.setUint32(8, 0xffffffff);
    expect(codeOf(() => decodeFrame(message))).toBe('ERR_FRAME');
  });

  it('rejects short, foreign, oversized and non-JSON frames with typed errors', () => {
    expect(codeOf(() => decodeFrame(new Uint8Array(3)))).toBe('ERR_FRAME');
    const foreign = encodeFrame({ type: 1, requestId: 1 });
    foreign[0] = 0x00;
    expect(codeOf(() => decodeFrame(foreign))).toBe('ERR_FRAME');
    expect(codeOf(() => decodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1)))).toBe('ERR_FRAME_TOO_LARGE');
    expect(codeOf(() => encodeFrame({ type: 1, requestId: 1, body: new Uint8Array(MAX_FRAME_BYTES) }))).toBe('ERR_FRAME_TOO_LARGE');
    const badJson = encodeFrame({ type: 1, requestId: 1, meta: 'abc' });
    badJson[FRAME_HEADER_BYTES] = 0x7b; // '{' turns "abc" into broken JSON
    expect(codeOf(() => decodeFrame(badJson))).toBe('ERR_FRAME');
  });

  it('batches chunks into messages of at most the target size', () => {
    const chunks = Array.from({ length: 200 }, (_, i) => ({ hash: new Uint8Array(32).fill(i), bytes: new Uint8Array(1024).fill(i) }));
    const batches = [...batchChunks(chunks)];
    expect(batches.length).toBeGreaterThan(2);
    for (const batch of batches) expect(encodeChunkBatch(batch).length).toBeLessThanOrEqual(64 * 1024);
    const decoded = batches.flatMap((batch) => decodeChunkBatch(encodeChunkBatch(batch)));
    expect(decoded).toHaveLength(200);
    expect(decoded[123]!.bytes[0]).toBe(123);
    expect(decoded[123]!.hash[5]).toBe(123);
  });

  it('encodes into a reused buffer exactly as into a new one, whatever the buffer held', () => {
    const chunks = [0, 1, 2].map((i) => ({ hash: new Uint8Array(32).fill(i + 1), bytes: new Uint8Array(1000 + i).fill(i + 7) }));
    const frame = { type: 5, flags: 1, requestId: 77, meta: { list: 'ab', next: ['x'] }, body: chunkBatchWriter(chunks) };
    const dirty = new Uint8Array(70_000).fill(0xff);
    const reused = encodeFrame(frame, (size) => dirty.subarray(0, size));
    expect(reused.buffer).toBe(dirty.buffer);
    expect(reused).toEqual(encodeFrame(frame));
    const decoded = decodeFrame(reused);
    expect(decoded.meta).toEqual(frame.meta);
    expect(decodeChunkBatch(decoded.body).map((chunk) => chunk.bytes.length)).toEqual([1000, 1001, 1002]);
  });

  it('rejects a chunk batch whose entry lengths run past the end', () => {
    const body = encodeChunkBatch([{ hash: new Uint8Array(32), bytes: new Uint8Array(100) }]);
    new DataView(body.buffer).setUint32(32, 101);
    expect(codeOf(() => decodeChunkBatch(body))).toBe('ERR_FRAME');
    expect(codeOf(() => decodeChunkBatch(body.subarray(0, 20)))).toBe('ERR_FRAME');
  });
});
