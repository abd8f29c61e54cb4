/**
 * The stage between a file's bytes and its chunks: a segment is encoded before it is chunked
 * and hashed, and decoded after its chunks are fetched and verified. Compression and
 * encryption are codecs; the segment writer and reader only ever see stored bytes, so a new
 * codec touches neither. Chunk names are hashes of stored bytes, so peers verify without keys.
 */
import { ProtocolError } from '../errors.js';

export interface SegmentCodec {
  /** Recorded in the manifest (absent there means the identity codec). */
  readonly name: string;
  /** The most stored bytes a segment of `plainBytes` can encode to: read buffers are this large. */
  maxStoredSize(plainBytes: number): number;
  /**
   * Bytes a codec that encodes in place wants free before the plain bytes (its header), for a
   * segment of `plainBytes`; absent for one that never writes a buffer of its own.
   */
  headroom?(plainBytes: number): number;
  /**
   * A plain segment's stored form. May return `plain` itself or a view of it, or of `into`: a
   * buffer of at least maxStoredSize(plain.length) the caller reuses once the segment is
   * written, in which `plain` may sit at headroom(plain.length) to be encoded where it lies.
   * With `into`, `plain`'s bytes may be overwritten; without, they stay untouched.
   */
  encode(plain: Uint8Array, into?: Uint8Array): Promise<Uint8Array>;
  /** The plain bytes (`plainSize` of them) of a stored segment; may be `stored` itself or a view of it. */
  decode(stored: Uint8Array, plainSize: number): Promise<Uint8Array>;
}

export const IDENTITY_CODEC_NAME = 'identity';

/** Stored bytes are the plain bytes: no copy either way. */
export const identityCodec: SegmentCodec = {
  name: IDENTITY_CODEC_NAME,
  maxStoredSize: (plainBytes) => plainBytes,
  encode: (plain) => Promise.resolve(plain),
  decode(stored, plainSize) {
    if (stored.length !== plainSize) return Promise.reject(new ProtocolError(`a segment of ${stored.length} stored bytes cannot hold ${plainSize} plain bytes without a codec`));
    return Promise.resolve(stored);
  },
};

/** The codec name a manifest records: none for the identity codec, as manifests always had. */
export function manifestCodecName(codec: SegmentCodec): string | undefined {
  return codec.name === IDENTITY_CODEC_NAME ? undefined : codec.name;
}

/** A codec may add framing to a segment (a header, an authentication tag): at most this much... */
export const MAX_CODEC_OVERHEAD_BYTES = 64 * 1024;
/** ...plus this much per chunk of the segment (a nonce for each). */
export const MAX_CODEC_BYTES_PER_CHUNK = 16;

/** The most chunks a stored segment of this layout may hold: its plain chunks and what a codec adds. */
export function maxStoredChunks(layout: { chunkSize: number; segmentChunks: number }): number {
  return layout.segmentChunks + Math.ceil((MAX_CODEC_OVERHEAD_BYTES + MAX_CODEC_BYTES_PER_CHUNK * layout.segmentChunks) / layout.chunkSize);
}
