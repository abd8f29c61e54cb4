/**
 * How a file's bytes map onto chunks and segments. Pure arithmetic: a chunk is at most
 * `chunkSize` bytes, a segment is `segmentChunks` consecutive chunks and the unit of placement.
 */
export const DEFAULT_CHUNK_SIZE_BYTES = 1024;
export const DEFAULT_SEGMENT_CHUNKS = 1024;
export const MAX_CHUNK_SIZE_BYTES = 64 * 1024;
export const MAX_SEGMENT_CHUNKS = 16384;

export interface Layout {
  chunkSize: number;
  segmentChunks: number;
}

export const DEFAULT_LAYOUT: Layout = { chunkSize: DEFAULT_CHUNK_SIZE_BYTES, segmentChunks: DEFAULT_SEGMENT_CHUNKS };

export function segmentBytes(layout: Layout): number {
  return layout.chunkSize * layout.segmentChunks;
}

/** Number of segments of a file; an empty file has none. */
export function segmentCount(size: number, layout: Layout): number {
  return Math.ceil(size / segmentBytes(layout));
}

/** Byte range [start, end) of segment `index` of a file of `size` bytes. */
export function segmentRange(size: number, index: number, layout: Layout): { start: number; end: number } {
  const start = index * segmentBytes(layout);
  return { start, end: Math.min(size, start + segmentBytes(layout)) };
}

/** Splits one segment's bytes into chunks (views, not copies). */
export function splitChunks(bytes: Uint8Array, chunkSize: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    chunks.push(bytes.subarray(offset, Math.min(bytes.length, offset + chunkSize)));
  }
  return chunks;
}
