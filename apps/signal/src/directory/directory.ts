/**
 * The master's durable directory: files, their versions, which peers hold each segment, the drop
 * orders peers have yet to confirm, and the peers it has seen. Memory (unit tests, --volatile),
 * SQLite (one master) and later PostgreSQL implement it; directory-acceptance.ts is the suite
 * every one of them passes. Writes are compare-and-set on the file's version.
 *
 * A segment is named by its chunk-list hash. Its holders are rows (list hash → peer, by
 * position, primary first), shared by every version and file that names the segment: peers pin
 * segments by list hash, so a peer that holds one holds it for all of them.
 */
import type { FileId, Manifest, PeerId, PeerKind } from '@meshdrive/core';

export interface FileRecord {
  fileId: FileId;
  name: string;
  owner: string;
  /** Latest committed version; versions start at 1. */
  version: number;
  /** The largest lock fencing token a commit of this file carried (0: none did); a commit with a smaller one is refused. */
  fence: number;
}

/** `owner` shared their file `name` (as the master knows it) with `user`. */
export interface ShareRecord {
  owner: string;
  name: string;
  user: string;
  write: boolean;
}

/** A file shared with a user, as their listing shows it. */
export interface SharedListing extends FileListing {
  write: boolean;
  /** The latest version's file key sealed to the user, if the writer sealed one. */
  shareKey?: string;
}

/** One kept version, as `versions` lists them. */
export interface VersionRecord {
  version: number;
  size: number;
  createdAt: number;
  sealed?: string;
}

/** A file as listings show it: its latest version's size and time, and who holds each segment. */
export interface FileListing extends FileRecord {
  size: number;
  createdAt: number;
  /** Replicas each segment of the latest version was written with (its commit's most holders). */
  wanted: number;
  /** Per segment of the latest version, its holders, primary first: every peer holding it, so possibly more than `wanted`. */
  holders: PeerId[][];
  /** The latest version's sealed manifest, when its client encrypted it. */
  sealed?: string;
  /** The latest version's file key sealed to the owner, when a user the file is shared with wrote it. */
  ownerKey?: string;
}

/** The replicas a version was written with: the most holders its commit named for a segment. */
export function replicationOf(manifest: Pick<Manifest, 'segments'>): number {
  return manifest.segments.reduce((most, segment) => Math.max(most, segment.holders.length), 0);
}

export interface KnownPeer {
  id: PeerId;
  kind: PeerKind;
  capacity: number;
  label?: string;
  lastSeen: number;
}

/** One peer's share of a removal: the segments (list hashes) it must unpin. */
export interface DropOrder {
  peer: PeerId;
  lists: string[];
}

export interface RemovedFile {
  /** Versions removed; 0 when there was no such file. */
  versions: number;
  /** Every holder of every segment no remaining file version names; also queued as pending drops. */
  drops: DropOrder[];
}

/** A segment as repair sees it. */
export interface SegmentInfo {
  holders: PeerId[];
  /** Its stored bytes (the most any version names it with). */
  storedSize: number;
  /** Where placement puts it on the ring: segmentKey of a file version that names it (the first, by file id and index). */
  key: string;
}

/** `backup` holds copies of `segments` of the segments `primary` is first holder of. */
export interface BackupCount {
  primary: PeerId;
  backup: PeerId;
  segments: number;
}

/** How many segments `peer` is the first holder (primary) of, and how many it holds behind another. */
export interface HoldingCount {
  peer: PeerId;
  primary: number;
  backup: number;
}

export interface Directory {
  findFile(owner: string, name: string): Promise<FileRecord | undefined>;
  /**
   * Files with their latest version's summary, by owner then name; every owner's when `owner`
   * is undefined. A constant number of queries, however many files.
   */
  listFiles(owner?: string): Promise<FileListing[]>;
  /** One version's manifest, its segments' holders read from the holder rows. */
  getManifest(fileId: FileId, version: number): Promise<Manifest | undefined>;
  /**
   * Records `manifest` as version baseVersion + 1 if the file is still at baseVersion (0 for a
   * new name), adding its holders to each segment's rows; false when another write got there
   * first. A commit made under a lock carries its `fence` (fencing token): refused (false) when
   * a commit with a larger one was made, so a writer whose lease lapsed cannot overwrite the next
   * holder's version even if it slips past the lock check.
   */
  commitVersion(manifest: Manifest, baseVersion: number, fence?: number): Promise<boolean>;
  /** The file's kept versions, newest first. */
  listVersions(fileId: FileId): Promise<VersionRecord[]>;
  /**
   * Forgets every version of the file but the newest `keep`, forgets the segments no remaining
   * file version names, and queues their drops for every holder, atomically. `versions` counts
   * the versions forgotten.
   */
  pruneVersions(fileId: FileId, keep: number): Promise<RemovedFile>;
  /** The next lock fencing token: larger than every one given before, across restarts. */
  nextFence(): Promise<number>;
  /** Shares a file (or changes a share's access); removing the file removes its shares. */
  putShare(share: ShareRecord): Promise<void>;
  /** Ends a share, with every file key sealed to its user; false when there was none. */
  removeShare(owner: string, name: string, user: string): Promise<boolean>;
  /** Who `owner`'s file is shared with, by user. */
  sharesOf(owner: string, name: string): Promise<ShareRecord[]>;
  /** Files shared with `user`, with their latest version's summary and file key for them; a constant number of queries. */
  sharedWith(user: string): Promise<SharedListing[]>;
  /** Keeps each version's file key sealed to a user (replacing one they had). Dropped with the version, the share or the file. */
  putShareKeys(fileId: FileId, keys: readonly { version: number; user: string; key: string }[]): Promise<void>;
  /** The file keys of `fileId`'s versions sealed to `user`, by version. */
  shareKeys(fileId: FileId, user: string): Promise<Map<number, string>>;
  /**
   * Removes a file with every version, forgets the segments no other file version names, and
   * queues their drops for every holder, atomically. A constant number of queries, however many
   * versions.
   */
  removeFile(owner: string, name: string): Promise<RemovedFile>;
  /** The segments (list hashes) `peer` holds a copy of. */
  segmentsHeldBy(peer: PeerId): Promise<string[]>;
  /**
   * `to` now holds `list` in place of `from` (a repair copied it): at `from`'s position, or once
   * if `to` held it already; `from` is queued to drop its copy, should it come back. False when
   * `from` did not hold it.
   *
   * These three take the coordinator's `epoch` when several masters share the directory: a
   * directory that has a coordinator row refuses a change whose epoch is not its own with
   * StaleEpochError, changing nothing. One master's directories have no coordinator and ignore it.
   */
  replaceHolder(list: string, from: PeerId, to: PeerId, epoch?: number): Promise<boolean>;
  /** `peer` no longer holds `list` (its copy is damaged) and is queued to drop it; false when it did not hold it. */
  removeHolder(list: string, peer: PeerId, epoch?: number): Promise<boolean>;
  /** `peer` holds `list` as well, last (a repair copied it to a segment short of copies); false when it held it already. */
  addHolder(list: string, peer: PeerId, epoch?: number): Promise<boolean>;
  /** Those of `lists` some file version names: holders (primary first) and stored size of each. */
  segmentInfo(lists: readonly string[]): Promise<Map<string, SegmentInfo>>;
  /** Up to `limit` segments some file version names, in list order after `after` ('' for the first): a walk over all of them. */
  segmentsAfter(after: string, limit: number): Promise<[string, SegmentInfo][]>;
  /** For every primary, which peers hold copies of its segments and how many. */
  backupCounts(): Promise<BackupCount[]>;
  /** For every peer that holds a segment, how many it is primary of and how many it backs up; one query. */
  holdingCounts(): Promise<HoldingCount[]>;
  /** Segments a peer must drop, kept until it confirms (it may be offline when a file is removed). */
  pendingDrops(peer: PeerId): Promise<string[]>;
  clearDrops(peer: PeerId, lists: readonly string[]): Promise<void>;
  rememberPeer(peer: KnownPeer): Promise<void>;
  knownPeers(): Promise<KnownPeer[]>;
  close(): Promise<void>;
}
