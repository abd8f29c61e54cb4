import { describe, expect, it } from 'vitest';
import { toHex } from '../bytes.js';
import { encodeChunkList, splitChunkList } from './chunk-list.js';
import { MeshError } from '../errors.js';
import { segmentCount, segmentRange, splitChunks } from './layout.js';

const layout = { chunkSize: 1024, segmentChunks: 1024 };

describe('layout', () => {
  it('counts segments at the boundaries', () => {
    expect(segmentCount(0, layout)).toBe(0);
    expect(segmentCount(1, layout)).toBe(1);
    expect(segmentCount(1024 * 1024, layout)).toBe(1);
    expect(segmentCount(1024 * 1024 + 1, layout)).toBe(2);
  });

  it('gives each segment its byte range, the last one short', () => {
    expect(segmentRange(1024 * 1024 + 1, 1, layout)).toEqual({ start: 1024 * 1024, end: 1024 * 1024 + 1 });
    expect(segmentRange(5000, 0, { chunkSize: 1000, segmentChunks: 2 })).toEqual({ start: 0, end: 2000 });
  });

  it('splits into chunks of at most chunkSize, last one short', () => {
    expect(splitChunks(new Uint8Array(1025), 1024).map((c) => c.length)).toEqual([1024, 1]);
    expect(splitChunks(new Uint8Array(1023), 1024).map((c) => c.length)).toEqual([1023]);
    expect(splitChunks(new Uint8Array(0), 1024)).toEqual([]);
  });

  it('round-trips chunk lists and rejects a ragged one', () => {
    const hashes = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(0xab)];
    expect(splitChunkList(encodeChunkList(hashes)).map(toHex)).toEqual(['01'.repeat(32), 'ab'.repeat(32)]);
    expect(() => splitChunkList(new Uint8Array(33))).toThrow(MeshError);
  });
});
