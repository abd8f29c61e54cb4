/**
 * Where a peer keeps chunks: a handful of async batch methods, implemented in memory, on disk
 * (pack files, SQLite) and in IndexedDB. Stores do not verify hashes; the peer does, before put
 * and after get, so every implementation gets the same checks.
 *
 * Durable means on stable storage, surviving a power cut: fdatasync on disk, a strict commit in
 * IndexedDB (the memory store is volatile by nature). A plain putMany resolves once durable; a
 * lazy one once readable, and commit() makes it durable. A peer confirms a seal only after the
 * commit that follows the segment's last chunk and its pin.
 *
 * Chunks are named by their raw 32-byte SHA-256 (HashBytes), as they travel in frames and chunk
 * lists: a 64 MiB write names 65,536 chunks, and turning each name into hex and back cost a
 * storage peer more CPU than hashing the chunks did.
 */
import type { HashBytes } from '../ids.js';

export interface StoredChunk {
  hash: HashBytes;
  bytes: Uint8Array;
}

export interface StoreStats {
  chunks: number;
  bytes: number;
}

export interface PutOptions {
  /**
   * The caller will ask for commit() soon, or can wait: the store may hold the write in a
   * larger transaction, up to a fraction of a second. The chunks are readable at once either way.
   */
  lazy?: boolean;
}

export interface ChunkStore {
  /** Stores chunks, resolving once they are durable; storing a hash already held is a no-op. */
  putMany(chunks: readonly StoredChunk[], options?: PutOptions): Promise<void>;
  /** Commits lazy puts and settings now; resolves once every write made before the call is durable. */
  commit(): Promise<void>;
  /** Bytes for each hash, in order; undefined where absent. */
  getMany(hashes: readonly HashBytes[]): Promise<(Uint8Array | undefined)[]>;
  hasMany(hashes: readonly HashBytes[]): Promise<boolean[]>;
  deleteMany(hashes: readonly HashBytes[]): Promise<void>;
  /** Every hash held, in no particular order. */
  keys(): AsyncIterable<HashBytes>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}

/** Small string settings beside the chunks: the peer's id, its pinned segments. */
export interface MetaStore {
  getMeta(key: string): Promise<string | undefined>;
  /** Durable once resolved; `lazy` as for putMany, so a value can share its chunks' commit. */
  setMeta(key: string, value: string, options?: PutOptions): Promise<void>;
  deleteMeta(key: string): Promise<void>;
  metaKeys(prefix: string): Promise<string[]>;
}

export type PeerStore = ChunkStore & MetaStore;
