/**
 * A manifest describes one version of one file. The master keeps it; it holds one hash per
 * segment (the hash of that segment's chunk list), so the master's state is O(files + segments).
 */
import type { ChunkHash, FileId, PeerId } from '../ids.js';
import type { Layout } from './layout.js';

export interface SegmentRecord {
  /** Hash of the segment's chunk list (see chunk-list.ts). */
  listHash: ChunkHash;
  /** Bytes of file data in this segment, as the reader gets them back. */
  plainSize: number;
  /**
   * Bytes the segment's chunks hold on the peers, after the segment codec (compression,
   * encryption); the chunk list covers these. Equal to plainSize under the identity codec.
   */
  storedSize: number;
  /** Peers that confirmed a verified, durable copy, primary first. */
  holders: PeerId[];
}

export interface Manifest extends Layout {
  fileId: FileId;
  name: string;
  owner: string;
  version: number;
  size: number;
  createdAt: number;
  segments: SegmentRecord[];
  /** The segment codec the chunks were written with (see codec/segment-codec.ts); absent means identity. */
  codec?: string;
  /**
   * The version's sealed manifest (crypto/sealed-manifest.ts): its real name, exact size and keys,
   * which only its owner's clients can open. `name` is then a lookup token and `size` is rounded up
   * to a chunk.
   */
  sealed?: string;
}

export interface FileSummary {
  fileId: FileId;
  name: string;
  size: number;
  version: number;
  createdAt: number;
  /** Fewest live replicas over the file's segments (the file is as healthy as its weakest segment). */
  replicas: number;
  /** Replicas the file was written with. */
  wanted: number;
  /** The latest version's sealed manifest, as in Manifest. */
  sealed?: string;
  /** Who holds the file's lock, while someone does. */
  lock?: { user: string; device: string; expiresAt: number };
  /** A file another user shared with the caller: whose it is, and whether the caller may write it. */
  shared?: { owner: string; write: boolean };
  /**
   * The latest version's file key sealed to the caller (crypto/share-keys.ts), when someone else
   * wrote it: the user who shared the file, or a user the caller shared it with.
   */
  sharedKey?: string;
}
