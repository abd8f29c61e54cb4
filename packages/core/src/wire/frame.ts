/**
 * Binary frames on data channels. Layout (big-endian):
 *
 *   0 u8 magic 0x4d  1 u8 version  2 u8 type  3 u8 flags  4 u32 requestId
 *   8 u32 metaLength  12 u32 bodyLength  16 meta (UTF-8 JSON)  16+metaLength body
 *
 * A frame whose lengths do not add up to the message size is rejected with a FrameError: a
 * peer never trusts a length field. Chunk batches put many chunks in one body so one message
 * carries up to BATCH_TARGET_BYTES (sending 1 KiB messages one by one is ~7x slower).
 */
import { fromUtf8, toHex, utf8 } from '../bytes.js';
import { HASH_BYTES } from '../chunking/chunk-list.js';
import { FrameError, FrameTooLargeError } from '../errors.js';
import { asChunkHash, type ChunkHash } from '../ids.js';

export const FRAME_MAGIC = 0x4d;
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 16;
/** Target size of a batched message: large messages move ~7x faster than 1 KiB ones. */
export const BATCH_TARGET_BYTES = 64 * 1024;
/** Hard limit on any frame: Chromium refuses data-channel messages above 256 KiB. */
export const MAX_FRAME_BYTES = 256 * 1024;
const MAX_META_BYTES = 64 * 1024;

export const FLAG_FINAL = 1;

export interface Frame {
  type: number;
  flags: number;
  requestId: number;
  meta: unknown;
  body: Uint8Array;
}

/** A body written straight into the frame, so a chunk batch is copied once, not twice. */
export interface BodyWriter {
  readonly length: number;
  writeTo(target: Uint8Array, offset: number): void;
}
export type FrameBody = Uint8Array | BodyWriter;

/**
 * Encodes a frame into `allocate(size)`'s bytes (a new array by default): every byte of them is
 * written, so a reused buffer may be passed.
 */
export function encodeFrame(
  frame: { type: number; flags?: number; requestId: number; meta?: unknown; body?: FrameBody },
  allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size),
): Uint8Array {
  const meta = frame.meta === undefined ? new Uint8Array(0) : utf8(JSON.stringify(frame.meta));
  const body = frame.body ?? new Uint8Array(0);
  const total = FRAME_HEADER_BYTES + meta.length + body.length;
  if (total > MAX_FRAME_BYTES) throw new FrameTooLargeError(total, MAX_FRAME_BYTES);
  const out = allocate(total);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint8(0, FRAME_MAGIC);
  view.setUint8(1, FRAME_VERSION);
  view.setUint8(2, frame.type);
  view.setUint8(3, frame.flags ?? 0);
  view.setUint32(4, frame.requestId);
  view.setUint32(8, meta.length);
  view.setUint32(12, body.length);
  out.set(meta, FRAME_HEADER_BYTES);
  if (body instanceof Uint8Array) out.set(body, FRAME_HEADER_BYTES + meta.length);
  else body.writeTo(out, FRAME_HEADER_BYTES + meta.length);
  return out;
}

/** Reads just the request id, so even a malformed frame can get an error reply. */
export function peekRequestId(message: Uint8Array): number | undefined {
  if (message.length < 8) return undefined;
  return new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(4);
}

export function decodeFrame(message: Uint8Array): Frame {
  if (message.length > MAX_FRAME_BYTES) throw new FrameTooLargeError(message.length, MAX_FRAME_BYTES);
  if (message.length < FRAME_HEADER_BYTES) throw new FrameError(`frame of ${message.length} bytes is shorter than its header`);
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (view.getUint8(0) !== FRAME_MAGIC) throw new FrameError('not a Meshdrive frame (bad magic byte)');
  if (view.getUint8(1) !== FRAME_VERSION) throw new FrameError(`unsupported frame version ${view.getUint8(1)}`);
  const metaLength = view.getUint32(8);
  const bodyLength = view.getUint32(12);
  if (metaLength > MAX_META_BYTES) throw new FrameError(`frame metadata of ${metaLength} bytes exceeds ${MAX_META_BYTES}`);
  if (FRAME_HEADER_BYTES + metaLength + bodyLength !== message.length) {
    throw new FrameError(`frame length fields (${metaLength} + ${bodyLength}) do not match its ${message.length - FRAME_HEADER_BYTES} bytes`);
  }
  let meta: unknown;
  if (metaLength > 0) {
    try {
      meta = JSON.parse(fromUtf8(message.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + metaLength)));
    } catch {
      throw new FrameError('frame metadata is not valid JSON');
    }
  }
  return {
    type: view.getUint8(2),
    flags: view.getUint8(3),
    requestId: view.getUint32(4),
    meta,
    body: message.subarray(FRAME_HEADER_BYTES + metaLength),
  };
}

export interface Chunk {
  hash: ChunkHash;
  bytes: Uint8Array;
}

const CHUNK_ENTRY_HEADER_BYTES = HASH_BYTES + 4;

/** Bytes a chunk occupies inside a batch body. */
export function batchEntryBytes(chunkLength: number): number {
  return CHUNK_ENTRY_HEADER_BYTES + chunkLength;
}

/** Batch body: repeated [32-byte hash][u32 length][bytes]. Hashes are raw, named as hex. */
export function chunkBatchWriter(chunks: readonly { hash: Uint8Array; bytes: Uint8Array }[]): BodyWriter {
  let length = 0;
  for (const chunk of chunks) length += batchEntryBytes(chunk.bytes.length);
  return {
    length,
    writeTo(out, start) {
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      let offset = start;
      for (const chunk of chunks) {
        out.set(chunk.hash, offset);
        view.setUint32(offset + HASH_BYTES, chunk.bytes.length);
        out.set(chunk.bytes, offset + CHUNK_ENTRY_HEADER_BYTES);
        offset += batchEntryBytes(chunk.bytes.length);
      }
    },
  };
}

export function encodeChunkBatch(chunks: readonly { hash: Uint8Array; bytes: Uint8Array }[]): Uint8Array {
  const writer = chunkBatchWriter(chunks);
  const out = new Uint8Array(writer.length);
  writer.writeTo(out, 0);
  return out;
}

export interface RawChunk {
  hash: Uint8Array;
  bytes: Uint8Array;
}

export function decodeChunkBatch(body: Uint8Array): RawChunk[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const chunks: RawChunk[] = [];
  let offset = 0;
  while (offset < body.length) {
    if (offset + CHUNK_ENTRY_HEADER_BYTES > body.length) throw new FrameError('chunk batch ends inside an entry header');
    const length = view.getUint32(offset + HASH_BYTES);
    const end = offset + CHUNK_ENTRY_HEADER_BYTES + length;
    if (end > body.length) throw new FrameError(`chunk entry claims ${length} bytes but the batch ends first`);
    chunks.push({ hash: body.subarray(offset, offset + HASH_BYTES), bytes: body.subarray(offset + CHUNK_ENTRY_HEADER_BYTES, end) });
    offset = end;
  }
  return chunks;
}

export const hashName = (raw: Uint8Array): ChunkHash => asChunkHash(toHex(raw));

/** Groups chunks into batches of about BATCH_TARGET_BYTES each. */
export function* batchChunks<T extends { bytes: Uint8Array }>(chunks: Iterable<T>, targetBytes = BATCH_TARGET_BYTES): Generator<T[]> {
  let batch: T[] = [];
  let size = 0;
  for (const chunk of chunks) {
    const entry = batchEntryBytes(chunk.bytes.length);
    if (batch.length > 0 && size + entry > targetBytes) {
      yield batch;
      batch = [];
      size = 0;
    }
    batch.push(chunk);
    size += entry;
  }
  if (batch.length > 0) yield batch;
}
