/**
 * Raw deflate behind an interface: node:zlib in Node (6x faster than a JavaScript deflate here),
 * CompressionStream in browsers. Any inflater reads what any deflater wrote, so the two need not
 * give the same bytes.
 */
export interface Compressor {
  deflate(data: Uint8Array): Promise<Uint8Array>;
  /** The inflated bytes; a DecryptError when they are not deflate or would exceed `maxBytes`. */
  inflate(data: Uint8Array, maxBytes: number): Promise<Uint8Array>;
}
