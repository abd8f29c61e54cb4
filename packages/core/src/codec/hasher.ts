/**
 * SHA-256 behind an interface: node:crypto is 25x faster than WebCrypto for 1 KiB inputs in
 * Node, while browsers only have WebCrypto. Callers hash in batches so either is efficient.
 */
export interface Hasher {
  /** SHA-256 of each input, in order. */
  sha256Many(inputs: readonly Uint8Array[]): Promise<Uint8Array[]>;
}

export async function sha256(hasher: Hasher, input: Uint8Array): Promise<Uint8Array> {
  const [digest] = await hasher.sha256Many([input]);
  return digest!;
}
