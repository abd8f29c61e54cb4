/**
 * The master's durable directory: files, their versions (manifests) and the peers it has seen.
 * An interface so SQLite can later give way to another database; the memory version serves
 * unit tests. Writes are compare-and-set on the file's version.
 */
import type { FileId, Manifest, PeerId, PeerKind } from '@meshdrive/core';

export interface FileRecord {
  fileId: FileId;
  name: string;
  owner: string;
  /** Latest committed version; versions start at 1. */
  version: number;
}

export interface KnownPeer {
  id: PeerId;
  kind: PeerKind;
  capacity: number;
  label?: string;
  lastSeen: number;
}

export interface Directory {
  findFile(owner: string, name: string): Promise<FileRecord | undefined>;
  listFiles(owner: string): Promise<FileRecord[]>;
  /** Every live file of every owner (for the mesh view and repair). */
  allFiles(): Promise<FileRecord[]>;
  getManifest(fileId: FileId, version: number): Promise<Manifest | undefined>;
  /**
   * Records `manifest` as version baseVersion + 1 if the file is still at baseVersion (0 for a
   * new name); returns false when another write got there first.
   */
  commitVersion(manifest: Manifest, baseVersion: number): Promise<boolean>;
  /**
   * Removes a file with every version. Returns how many versions went and the chunk lists no
   * other file version still uses: the segments peers may now drop.
   */
  removeFile(owner: string, name: string): Promise<{ versions: number; orphanLists: string[] }>;
  /** Which of `lists` (segment list hashes) some file version names. */
  usedLists(lists: readonly string[]): Promise<Set<string>>;
  /** Segments a peer must drop, kept until it confirms (it may be offline when a file is removed). */
  queueDrops(peer: PeerId, lists: readonly string[]): Promise<void>;
  pendingDrops(peer: PeerId): Promise<string[]>;
  clearDrops(peer: PeerId, lists: readonly string[]): Promise<void>;
  rememberPeer(peer: KnownPeer): Promise<void>;
  knownPeers(): Promise<KnownPeer[]>;
  close(): Promise<void>;
}
