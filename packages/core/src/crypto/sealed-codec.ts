/**
 * The segment codec that compresses and encrypts (codec/segment-codec.ts has the stage). A
 * segment is deflated when that pays, padded to whole chunks and encrypted chunk by chunk in the
 * SIV construction: each chunk's nonce is a keyed hash of its index and plaintext, so the same
 * chunk of a file encrypts to the same bytes in every version (differential update keeps
 * working) and one nonce never meets two plaintexts under one key. Stored form:
 *
 *   info nonce (12) ‖ info (16, encrypted) ‖ chunk nonces (12 each) ‖ zero padding to a chunk
 *   ‖ the encrypted chunks
 *
 * The info block says whether the data is deflated and how long it is. Stored sizes are whole
 * chunks, so peers and the master see sizes rounded to chunks and nothing else.
 */
import { DecryptError } from '../errors.js';
import type { Compressor } from '../codec/compressor.js';
import type { SegmentCodec } from '../codec/segment-codec.js';
import { AES_KEY_BYTES, NONCE_BYTES, type CryptoSuite } from './crypto-suite.js';

export const SEALED_CODEC_NAME = 'sealed-v1';
/** A file's chunk key: the nonce (HMAC) key, then the AES-256 key. */
export const CHUNK_KEY_BYTES = 2 * AES_KEY_BYTES;
const INFO_BYTES = 16;
const INFO_MAGIC = 0x4d445331; // "MDS1"
const RAW = 0;
const DEFLATED = 1;
/** Segments shorter than this are not worth deflating. */
const MIN_DEFLATE_BYTES = 4 * 1024;
/** Deflate is tried on this much of a segment first: random data costs 28 ms per MiB to deflate in full. */
const DEFLATE_SAMPLE_BYTES = 16 * 1024;
/** Deflated bytes are kept only when they are at most this share of the plain ones. */
const DEFLATE_KEEP_RATIO = 0.9;

export interface SealedCodecOptions {
  crypto: CryptoSuite;
  compressor: Compressor;
  chunkSize: number;
  /** CHUNK_KEY_BYTES: the file's chunk key (user-keys.ts). */
  key: Uint8Array;
  /** Off for data known not to shrink (the bench's random data still tries: this is for tests). */
  compress?: boolean;
}

function headerBytes(chunks: number, chunkSize: number): number {
  return Math.ceil((NONCE_BYTES + INFO_BYTES + chunks * NONCE_BYTES) / chunkSize) * chunkSize;
}

export function sealedCodec(options: SealedCodecOptions): SegmentCodec {
  const { crypto, compressor, chunkSize, key } = options;
  if (key.length !== CHUNK_KEY_BYTES) throw new RangeError(`a chunk key is ${CHUNK_KEY_BYTES} bytes`);
  const nonceKey = key.subarray(0, AES_KEY_BYTES);
  const aesKey = key.subarray(AES_KEY_BYTES);

  const deflated = async (plain: Uint8Array): Promise<Uint8Array | undefined> => {
    if (options.compress === false || plain.length < MIN_DEFLATE_BYTES) return undefined;
    if (plain.length > DEFLATE_SAMPLE_BYTES) {
      const sample = await compressor.deflate(plain.subarray(0, DEFLATE_SAMPLE_BYTES));
      if (sample.length > DEFLATE_SAMPLE_BYTES * DEFLATE_KEEP_RATIO) return undefined;
    }
    const whole = await compressor.deflate(plain);
    return whole.length <= plain.length * DEFLATE_KEEP_RATIO ? whole : undefined;
  };

  return {
    name: SEALED_CODEC_NAME,
    maxStoredSize(plainBytes) {
      const chunks = Math.ceil(plainBytes / chunkSize);
      return headerBytes(chunks, chunkSize) + chunks * chunkSize;
    },

    /** The header of the segment stored as it is: plain bytes placed after it are encrypted where they lie. */
    headroom(plainBytes) {
      return headerBytes(Math.ceil(plainBytes / chunkSize), chunkSize);
    },

    async encode(plain, into) {
      const compressed = await deflated(plain);
      const data = compressed ?? plain;
      const chunks = Math.ceil(data.length / chunkSize);
      const header = headerBytes(chunks, chunkSize);
      const size = header + chunks * chunkSize;
      const stored = into && into.length >= size ? into.subarray(0, size) : new Uint8Array(size);
      const body = stored.subarray(header);
      // Plain bytes already where the body goes (the caller read them there) need no copy.
      if (data.buffer !== body.buffer || data.byteOffset !== body.byteOffset) body.set(data);
      // The padding is zeros, encrypted with the rest (a reused buffer holds an earlier segment).
      body.fill(0, data.length);
      stored.fill(0, NONCE_BYTES + INFO_BYTES + chunks * NONCE_BYTES, header);
      const nonces = await crypto.chunkNonces(nonceKey, body, chunkSize);
      await crypto.ctrChunks(aesKey, nonces, body, chunkSize, body);
      const info = new Uint8Array(INFO_BYTES);
      const fields = new DataView(info.buffer);
      fields.setUint32(0, INFO_MAGIC);
      fields.setUint8(4, compressed ? DEFLATED : RAW);
      fields.setUint32(8, data.length);
      fields.setUint32(12, chunks);
      const infoNonce = await crypto.chunkNonces(nonceKey, info, INFO_BYTES);
      stored.set(infoNonce);
      await crypto.ctrChunks(aesKey, infoNonce, info, INFO_BYTES, stored.subarray(NONCE_BYTES, NONCE_BYTES + INFO_BYTES));
      stored.set(nonces, NONCE_BYTES + INFO_BYTES);
      return stored;
    },

    /**
     * Decrypts in place. The chunks' own nonces are not recomputed: every stored byte was checked
     * against its chunk's name, and the names against the sealed manifest, before this runs. The
     * info block's nonce is, which tells a wrong key from a right one.
     */
    async decode(stored, plainSize) {
      if (stored.length < NONCE_BYTES + INFO_BYTES) throw new DecryptError('a segment too short for its header');
      const infoNonce = stored.subarray(0, NONCE_BYTES);
      const info = new Uint8Array(INFO_BYTES);
      await crypto.ctrChunks(aesKey, infoNonce, stored.subarray(NONCE_BYTES, NONCE_BYTES + INFO_BYTES), INFO_BYTES, info);
      const expected = await crypto.chunkNonces(nonceKey, info, INFO_BYTES);
      if (!expected.every((byte, i) => byte === infoNonce[i])) throw new DecryptError("a segment that was not sealed with this file's key");
      const fields = new DataView(info.buffer);
      const mode = fields.getUint8(4);
      const dataLength = fields.getUint32(8);
      const chunks = fields.getUint32(12);
      const header = headerBytes(chunks, chunkSize);
      if (fields.getUint32(0) !== INFO_MAGIC || (mode !== RAW && mode !== DEFLATED) || header + chunks * chunkSize !== stored.length || dataLength > chunks * chunkSize) {
        throw new DecryptError('a segment whose header does not match its size');
      }
      const body = stored.subarray(header);
      await crypto.ctrChunks(aesKey, stored.subarray(NONCE_BYTES + INFO_BYTES, NONCE_BYTES + INFO_BYTES + chunks * NONCE_BYTES), body, chunkSize, body);
      const data = body.subarray(0, dataLength);
      const plain = mode === DEFLATED ? await compressor.inflate(data, plainSize) : data;
      if (plain.length !== plainSize) throw new DecryptError(`a segment of ${plain.length} bytes where its manifest says ${plainSize}`);
      return plain;
    },
  };
}
