/** Branded identifiers: a PeerId cannot be passed where a FileId is expected. */
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type PeerId = Brand<string, 'PeerId'>;
export type FileId = Brand<string, 'FileId'>;
/** Lower-case hex SHA-256 of a chunk's stored bytes. */
export type ChunkHash = Brand<string, 'ChunkHash'>;
/** The same SHA-256 as its 32 raw bytes: how frames, chunk lists and stores carry it. */
export type HashBytes = Uint8Array;

export const asPeerId = (value: string): PeerId => value as PeerId;
export const asFileId = (value: string): FileId => value as FileId;
export const asChunkHash = (value: string): ChunkHash => value as ChunkHash;

export function randomId(): string {
  return globalThis.crypto.randomUUID();
}
