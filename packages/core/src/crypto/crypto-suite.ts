/**
 * The cryptography the client needs, behind one interface: node:crypto in Node, WebCrypto in
 * browsers. Chunk operations take a whole segment at once, because at 1 KiB the cost of a call
 * dominates (DESIGN.md): Node runs them synchronously in batches, browsers issue them together.
 * Both implementations give the same bytes, so a file sealed in a tab opens in the CLI.
 */
export interface CryptoSuite {
  hmacSha256(key: Uint8Array, message: Uint8Array): Promise<Uint8Array>;
  /**
   * The synthetic nonce of each `chunkSize` piece of `data` (the last may be shorter): the first
   * NONCE_BYTES of HMAC-SHA256(key, u32be(i) ‖ piece i), back to back.
   */
  chunkNonces(key: Uint8Array, data: Uint8Array, chunkSize: number): Promise<Uint8Array>;
  /**
   * AES-256-CTR over each `chunkSize` piece of `input`, written to `output` (the same length; it
   * may be `input` itself). Piece i starts at the counter block nonce i ‖ 0x00000000 and counts
   * in the last 32 bits. Encrypting and decrypting are the same operation.
   */
  ctrChunks(key: Uint8Array, nonces: Uint8Array, input: Uint8Array, chunkSize: number, output: Uint8Array): Promise<void>;
  /** AES-256-GCM: ciphertext ‖ 16-byte tag. */
  gcmSeal(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** The plaintext, or a DecryptError when the tag does not verify (altered, or the wrong key). */
  gcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number, bytes: number): Promise<Uint8Array>;
  hkdfSha256(key: Uint8Array, salt: Uint8Array, info: string, bytes: number): Promise<Uint8Array>;
}

/** A synthetic nonce: 96 bits, as AES-GCM's; the counter block's last 32 bits count blocks within a chunk. */
export const NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;
export const AES_KEY_BYTES = 32;

/** u32be(index), the prefix each chunk's nonce is keyed with. */
export function indexPrefix(index: number): Uint8Array {
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, index);
  return prefix;
}

/** The counter block of the chunk whose nonce starts at `offset` of `nonces`. */
export function counterBlock(nonces: Uint8Array, offset: number): Uint8Array {
  const block = new Uint8Array(16);
  block.set(nonces.subarray(offset, offset + NONCE_BYTES));
  return block;
}

export function randomBytes(count: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(count));
}
