/**
 * The directory's rows as both SQL directories read them (sqlite-directory.ts, pg-directory.ts):
 * the same tables and columns, so the same code turns them into records.
 */
import { asChunkHash, asFileId, asPeerId, segmentKey, type Manifest, type PeerId } from '@meshdrive/core';
import type { DropOrder, FileListing, FileRecord, SegmentInfo } from './directory.js';

export interface FileRow { file_id: string; name: string; owner: string; version: number; fence: number }
export interface ListingRow extends FileRow { size: number; created_at: number; replication: number; sealed: string | null }
export interface VersionRow { file_id: string; version: number; owner: string; name: string; size: number; chunk_size: number; segment_chunks: number; codec: string | null; created_at: number; sealed: string | null }
/** A segment of a version with one of its holders (none: a LEFT JOIN found no holder), in index then position order. */
export interface SegmentHolderRow { idx: number; list_hash: string; plain_size: number; stored_size: number; peer_id: string | null }
/** A segment with one of its holders and the placement key of its first naming, in list then position order. */
export interface SegmentInfoRow { list_hash: string; stored_size: number; file_id: string; idx: number; peer_id: string | null }

export function toFile(row: FileRow): FileRecord {
  return { fileId: asFileId(row.file_id), name: row.name, owner: row.owner, version: row.version, fence: row.fence };
}

/** Listings of `files`, each with the holders `rows` (file, segment index, holder; ordered) name for its segments. */
export function listingsOf<Row extends ListingRow>(files: readonly Row[], rows: readonly { file_id: string; idx: number; peer_id: string | null }[]): (FileListing & { extra: Row })[] {
  const holders = new Map<string, PeerId[][]>();
  for (const row of rows) {
    const segments = holders.get(row.file_id) ?? [];
    holders.set(row.file_id, segments);
    const segment = (segments[row.idx] ??= []);
    if (row.peer_id !== null) segment.push(asPeerId(row.peer_id));
  }
  return files.map((file) => ({ ...toFile(file), size: file.size, createdAt: file.created_at, wanted: file.replication, holders: holders.get(file.file_id) ?? [], ...(file.sealed === null ? {} : { sealed: file.sealed }), extra: file }));
}

/** A version's manifest from its row and its segments' holder rows. */
export function manifestOf(row: VersionRow, rows: readonly SegmentHolderRow[]): Manifest {
  const segments: Manifest['segments'] = [];
  for (const segment of rows) {
    const record = (segments[segment.idx] ??= { listHash: asChunkHash(segment.list_hash), plainSize: segment.plain_size, storedSize: segment.stored_size, holders: [] });
    if (segment.peer_id !== null) record.holders.push(asPeerId(segment.peer_id));
  }
  return {
    fileId: asFileId(row.file_id),
    name: row.name,
    owner: row.owner,
    version: row.version,
    size: row.size,
    chunkSize: row.chunk_size,
    segmentChunks: row.segment_chunks,
    ...(row.codec === null ? {} : { codec: row.codec }),
    createdAt: row.created_at,
    ...(row.sealed === null ? {} : { sealed: row.sealed }),
    segments,
  };
}

export function segmentInfoOf(rows: readonly SegmentInfoRow[]): Map<string, SegmentInfo> {
  const info = new Map<string, SegmentInfo>();
  for (const row of rows) {
    const entry = info.get(row.list_hash) ?? { holders: [], storedSize: row.stored_size, key: segmentKey(asFileId(row.file_id), row.idx) };
    if (row.peer_id !== null) entry.holders.push(asPeerId(row.peer_id));
    info.set(row.list_hash, entry);
  }
  return info;
}

/** Holder rows (ordered by peer) as one drop order per peer. */
export function dropOrders(rows: readonly { peer_id: string; list_hash: string }[]): DropOrder[] {
  const drops: DropOrder[] = [];
  for (const row of rows) {
    if (drops.at(-1)?.peer !== row.peer_id) drops.push({ peer: asPeerId(row.peer_id), lists: [] });
    drops.at(-1)!.lists.push(row.list_hash);
  }
  return drops;
}
