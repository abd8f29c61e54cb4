/**
 * The directory in PostgreSQL: the source of truth when several masters serve one mesh. The
 * same rows as SQLite (one per version, per segment and per segment holder), so the master holds
 * O(files + segments) and listing or removing a file takes a fixed number of statements.
 *
 * Every write that reads before it writes locks what it read (`FOR UPDATE` on the file's row),
 * so two masters committing the same name at once still make a compare-and-set: one wins, the
 * other is told it lost. Text compares byte-wise (COLLATE "C"), as SQLite does, so listings sort
 * the same on either.
 * The schema and its migrations are in postgres/database.ts.
 */
import { asPeerId, StaleEpochError, type FileId, type Manifest, type PeerId, type PeerKind } from '@meshdrive/core';
import { Database, type Queryable } from '../postgres/database.js';
import { dropOrders, listingsOf, manifestOf, segmentInfoOf, toFile, type FileRow, type ListingRow, type SegmentHolderRow, type SegmentInfoRow, type VersionRow } from './directory-rows.js';
import { replicationOf, type BackupCount, type Directory, type FileListing, type FileRecord, type HoldingCount, type KnownPeer, type RemovedFile, type SegmentInfo, type ShareRecord, type SharedListing, type VersionRecord } from './directory.js';

/** Holder rows of the segments versions $2 and older of file $1 name that nothing else names: what forgetting them orphans. */
const FORGOTTEN_HOLDERS = `
  segment_holders h
  WHERE h.list_hash IN (SELECT list_hash FROM segments WHERE file_id = $1 AND version <= $2)
    AND NOT EXISTS (SELECT 1 FROM segments o WHERE o.list_hash = h.list_hash AND (o.file_id <> $1 OR o.version > $2))`;

/** Each segment's primary position: the lowest left (replaceHolder may leave gaps). */
const FIRST_POSITIONS = '(SELECT list_hash, MIN(position) AS first FROM segment_holders GROUP BY list_hash)';

interface PeerRow { id: string; kind: string; capacity: number; label: string | null; last_seen: number }

export class PgDirectory implements Directory {
  constructor(private readonly database: Database) {}

  /** Connects to the database at `url`, migrating it first. */
  static async open(url: string): Promise<PgDirectory> {
    return new PgDirectory(await Database.open(url));
  }

  async findFile(owner: string, name: string): Promise<FileRecord | undefined> {
    const { rows } = await this.database.query<FileRow>('SELECT * FROM files WHERE owner = $1 AND name = $2', [owner, name]);
    return rows[0] && toFile(rows[0]);
  }

  listFiles(owner?: string): Promise<FileListing[]> {
    const where = owner === undefined ? '' : 'WHERE f.owner = $1';
    const ownerKey = ', (SELECT k.key FROM share_keys k WHERE k.file_id = f.file_id AND k.version = f.version AND k.username = f.owner) AS owner_key';
    return this.database.transaction(async (client) => {
      const found = await listings(client, where, owner === undefined ? [] : [owner], ownerKey);
      return found.map(({ extra, ...listing }) => ({ ...listing, ...(typeof extra.owner_key === 'string' ? { ownerKey: extra.owner_key } : {}) }));
    }, 'REPEATABLE READ');
  }

  sharedWith(user: string): Promise<SharedListing[]> {
    return this.database.transaction(async (client) => {
      const shared = 'JOIN shares s ON s.owner = f.owner AND s.name = f.name WHERE s.username = $1';
      const found = await listings(client, shared, [user], ', s.write AS share_write, (SELECT k.key FROM share_keys k WHERE k.file_id = f.file_id AND k.version = f.version AND k.username = $1) AS share_key');
      return found.map(({ extra, ...listing }) => ({ ...listing, write: extra.share_write === true, ...(typeof extra.share_key === 'string' ? { shareKey: extra.share_key } : {}) }));
    }, 'REPEATABLE READ');
  }

  getManifest(fileId: FileId, version: number): Promise<Manifest | undefined> {
    return this.database.transaction(async (client) => {
      const { rows: [row] } = await client.query<VersionRow>('SELECT * FROM versions WHERE file_id = $1 AND version = $2', [fileId, version]);
      if (!row) return undefined;
      const { rows } = await client.query<SegmentHolderRow>(`
        SELECT s.idx, s.list_hash, s.plain_size, s.stored_size, h.peer_id FROM segments s
        LEFT JOIN segment_holders h ON h.list_hash = s.list_hash
        WHERE s.file_id = $1 AND s.version = $2 ORDER BY s.idx, h.position`, [fileId, version]);
      return manifestOf(row, rows);
    }, 'REPEATABLE READ');
  }

  commitVersion(manifest: Manifest, baseVersion: number, fence = 0): Promise<boolean> {
    return this.database.transaction(async (client) => {
      const { rows: [current] } = await client.query<FileRow>('SELECT * FROM files WHERE owner = $1 AND name = $2 FOR UPDATE', [manifest.owner, manifest.name]);
      if ((current?.version ?? 0) !== baseVersion) return false;
      if (current && current.file_id !== manifest.fileId) return false;
      if (fence > 0 && fence < (current?.fence ?? 0)) return false;
      const version = baseVersion + 1;
      const newFence = Math.max(fence, current?.fence ?? 0);
      if (current) {
        await client.query('UPDATE files SET version = $1, fence = $2 WHERE file_id = $3', [version, newFence, manifest.fileId]);
      } else {
        // Another master may insert the same name between the read and here: then this one lost the race.
        const inserted = await client.query(`INSERT INTO files (owner, name, file_id, version, fence) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT DO NOTHING`, [manifest.owner, manifest.name, manifest.fileId, version, newFence]);
        if (inserted.rowCount === 0) return false;
      }
      await insertVersion(client, { ...manifest, version });
      return true;
    });
  }

  async listVersions(fileId: FileId): Promise<VersionRecord[]> {
    const { rows } = await this.database.query<{ version: number; size: number; created_at: number; sealed: string | null }>(
      'SELECT version, size, created_at, sealed FROM versions WHERE file_id = $1 ORDER BY version DESC', [fileId]);
    return rows.map((row) => ({ version: row.version, size: row.size, createdAt: row.created_at, ...(row.sealed === null ? {} : { sealed: row.sealed }) }));
  }

  pruneVersions(fileId: FileId, keep: number): Promise<RemovedFile> {
    return this.database.transaction(async (client) => {
      const { rows: [file] } = await client.query<{ version: number }>('SELECT version FROM files WHERE file_id = $1 FOR UPDATE', [fileId]);
      if (!file || file.version <= keep) return { versions: 0, drops: [] };
      return forgetVersions(client, fileId, file.version - Math.max(1, keep));
    });
  }

  async putShare(share: ShareRecord): Promise<void> {
    await this.database.query(`INSERT INTO shares (owner, name, username, write) VALUES ($1, $2, $3, $4)
      ON CONFLICT (owner, name, username) DO UPDATE SET write = excluded.write`, [share.owner, share.name, share.user, share.write]);
  }

  removeShare(owner: string, name: string, user: string): Promise<boolean> {
    return this.database.transaction(async (client) => {
      const removed = (await client.query('DELETE FROM shares WHERE owner = $1 AND name = $2 AND username = $3', [owner, name, user])).rowCount! > 0;
      await client.query('DELETE FROM share_keys WHERE username = $1 AND file_id IN (SELECT file_id FROM files WHERE owner = $2 AND name = $3)', [user, owner, name]);
      return removed;
    });
  }

  async sharesOf(owner: string, name: string): Promise<ShareRecord[]> {
    const { rows } = await this.database.query<{ owner: string; name: string; username: string; write: boolean }>(
      'SELECT owner, name, username, write FROM shares WHERE owner = $1 AND name = $2 ORDER BY username', [owner, name]);
    return rows.map((row) => ({ owner: row.owner, name: row.name, user: row.username, write: row.write }));
  }

  async putShareKeys(fileId: FileId, keys: readonly { version: number; user: string; key: string }[]): Promise<void> {
    if (keys.length === 0) return;
    await this.database.query(`INSERT INTO share_keys (file_id, version, username, key)
      SELECT $1, k.version, k.username, k.key FROM unnest($2::int[], $3::text[], $4::text[]) AS k(version, username, key)
      WHERE EXISTS (SELECT 1 FROM versions v WHERE v.file_id = $1 AND v.version = k.version)
      ON CONFLICT (file_id, version, username) DO UPDATE SET key = excluded.key`,
    [fileId, keys.map((key) => key.version), keys.map((key) => key.user), keys.map((key) => key.key)]);
  }

  async shareKeys(fileId: FileId, user: string): Promise<Map<number, string>> {
    const { rows } = await this.database.query<{ version: number; key: string }>('SELECT version, key FROM share_keys WHERE file_id = $1 AND username = $2', [fileId, user]);
    return new Map(rows.map((row) => [row.version, row.key]));
  }

  async nextFence(): Promise<number> {
    const { rows: [row] } = await this.database.query<{ value: number }>("SELECT nextval('fences') AS value");
    return row!.value;
  }

  removeFile(owner: string, name: string): Promise<RemovedFile> {
    return this.database.transaction(async (client) => {
      const { rows: [file] } = await client.query<{ file_id: string }>('SELECT file_id FROM files WHERE owner = $1 AND name = $2 FOR UPDATE', [owner, name]);
      if (!file) return { versions: 0, drops: [] };
      const removed = await forgetVersions(client, file.file_id, 2 ** 31 - 1);
      await client.query('DELETE FROM files WHERE file_id = $1', [file.file_id]);
      await client.query('DELETE FROM shares WHERE owner = $1 AND name = $2', [owner, name]);
      return removed;
    });
  }

  async segmentsHeldBy(peer: PeerId): Promise<string[]> {
    const { rows } = await this.database.query<{ list_hash: string }>('SELECT list_hash FROM segment_holders WHERE peer_id = $1 ORDER BY list_hash', [peer]);
    return rows.map((row) => row.list_hash);
  }

  replaceHolder(list: string, from: PeerId, to: PeerId, epoch?: number): Promise<boolean> {
    return this.database.transaction(async (client) => {
      await checkEpoch(client, epoch);
      const moved = await client.query(`UPDATE segment_holders SET peer_id = $3 WHERE list_hash = $1 AND peer_id = $2
        AND NOT EXISTS (SELECT 1 FROM segment_holders t WHERE t.list_hash = $1 AND t.peer_id = $3)`, [list, from, to]);
      // Unchanged while the row exists: `to` held it already, so `from` just goes.
      const dropped = await client.query('DELETE FROM segment_holders WHERE list_hash = $1 AND peer_id = $2', [list, from]);
      if (moved.rowCount! + dropped.rowCount! === 0) return false;
      await client.query('INSERT INTO pending_drops (peer_id, list_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING', [from, list]);
      return true;
    });
  }

  removeHolder(list: string, peer: PeerId, epoch?: number): Promise<boolean> {
    return this.database.transaction(async (client) => {
      await checkEpoch(client, epoch);
      if ((await client.query('DELETE FROM segment_holders WHERE list_hash = $1 AND peer_id = $2', [list, peer])).rowCount === 0) return false;
      await client.query('INSERT INTO pending_drops (peer_id, list_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING', [peer, list]);
      return true;
    });
  }

  addHolder(list: string, peer: PeerId, epoch?: number): Promise<boolean> {
    return this.database.transaction(async (client) => {
      await checkEpoch(client, epoch);
      const added = await client.query(`INSERT INTO segment_holders (list_hash, peer_id, position)
      SELECT $1, $2, MAX(position) + 1 FROM segment_holders WHERE list_hash = $1 HAVING COUNT(*) > 0
      ON CONFLICT DO NOTHING`, [list, peer]);
      return added.rowCount! > 0;
    });
  }

  segmentInfo(lists: readonly string[]): Promise<Map<string, SegmentInfo>> {
    return infoOf(this.database, 'list_hash = ANY($1::text[])', [lists]);
  }

  async segmentsAfter(after: string, limit: number): Promise<[string, SegmentInfo][]> {
    return [...await infoOf(this.database, 'list_hash > $1', [after], limit)];
  }

  async backupCounts(): Promise<BackupCount[]> {
    const { rows } = await this.database.query<{ primary_id: string; backup_id: string; segments: number }>(`
      SELECT p.peer_id AS primary_id, h.peer_id AS backup_id, COUNT(*) AS segments
      FROM segment_holders p
      JOIN ${FIRST_POSITIONS} f ON f.list_hash = p.list_hash AND f.first = p.position
      JOIN segment_holders h ON h.list_hash = p.list_hash AND h.peer_id <> p.peer_id
      GROUP BY p.peer_id, h.peer_id`);
    return rows.map((row) => ({ primary: asPeerId(row.primary_id), backup: asPeerId(row.backup_id), segments: row.segments }));
  }

  async holdingCounts(): Promise<HoldingCount[]> {
    const { rows } = await this.database.query<{ peer_id: string; primary_count: number; backup_count: number }>(`
      SELECT h.peer_id, COUNT(*) FILTER (WHERE h.position = f.first) AS primary_count, COUNT(*) FILTER (WHERE h.position <> f.first) AS backup_count
      FROM segment_holders h
      JOIN ${FIRST_POSITIONS} f ON f.list_hash = h.list_hash
      GROUP BY h.peer_id`);
    return rows.map((row) => ({ peer: asPeerId(row.peer_id), primary: row.primary_count, backup: row.backup_count }));
  }

  async pendingDrops(peer: PeerId): Promise<string[]> {
    const { rows } = await this.database.query<{ list_hash: string }>('SELECT list_hash FROM pending_drops WHERE peer_id = $1', [peer]);
    return rows.map((row) => row.list_hash);
  }

  async clearDrops(peer: PeerId, lists: readonly string[]): Promise<void> {
    await this.database.query('DELETE FROM pending_drops WHERE peer_id = $1 AND list_hash = ANY($2::text[])', [peer, lists]);
  }

  async rememberPeer(peer: KnownPeer): Promise<void> {
    await this.database.query(`INSERT INTO peers (id, kind, capacity, label, last_seen) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, capacity = excluded.capacity, label = excluded.label, last_seen = excluded.last_seen`,
    [peer.id, peer.kind, peer.capacity, peer.label ?? null, peer.lastSeen]);
  }

  async knownPeers(): Promise<KnownPeer[]> {
    const { rows } = await this.database.query<PeerRow>('SELECT * FROM peers');
    return rows.map((row) => ({ id: asPeerId(row.id), kind: row.kind as PeerKind, capacity: row.capacity, label: row.label ?? undefined, lastSeen: row.last_seen }));
  }

  close(): Promise<void> {
    return this.database.close();
  }
}

/** Latest-version listings of the files `where` picks (over `files f`), with `columns` more of each file's row as `extra`; two statements. */
async function listings(client: Queryable, where: string, args: unknown[], columns: string): Promise<(FileListing & { extra: Record<string, unknown> })[]> {
  const { rows: files } = await client.query<ListingRow & Record<string, unknown>>(`SELECT f.*, v.size, v.created_at, v.replication, v.sealed${columns} FROM files f
    JOIN versions v ON v.file_id = f.file_id AND v.version = f.version ${where} ORDER BY f.owner, f.name`, args);
  const { rows } = await client.query<{ file_id: string; idx: number; peer_id: string | null }>(`SELECT s2.file_id, s2.idx, h.peer_id FROM files f
    JOIN segments s2 ON s2.file_id = f.file_id AND s2.version = f.version
    LEFT JOIN segment_holders h ON h.list_hash = s2.list_hash ${where}
    ORDER BY s2.file_id, s2.idx, h.position`, args);
  return listingsOf(files, rows);
}

/** Forgets versions 1..`last` of a file with their shared keys, and the segments no other version names, queueing their drops; inside the caller's transaction. */
async function forgetVersions(client: Queryable, fileId: string, last: number): Promise<RemovedFile> {
  const at = [fileId, last];
  const { rows: orphaned } = await client.query<{ peer_id: string; list_hash: string }>(`SELECT h.peer_id, h.list_hash FROM ${FORGOTTEN_HOLDERS} ORDER BY h.peer_id, h.list_hash`, at);
  await client.query(`INSERT INTO pending_drops (peer_id, list_hash) SELECT h.peer_id, h.list_hash FROM ${FORGOTTEN_HOLDERS} ON CONFLICT DO NOTHING`, at);
  await client.query(`DELETE FROM ${FORGOTTEN_HOLDERS}`, at);
  await client.query('DELETE FROM segments WHERE file_id = $1 AND version <= $2', at);
  const versions = (await client.query('DELETE FROM versions WHERE file_id = $1 AND version <= $2', at)).rowCount!;
  await client.query('DELETE FROM share_keys WHERE file_id = $1 AND version <= $2', at);
  return { versions, drops: dropOrders(orphaned) };
}

/**
 * Writes one version's row and its segment rows, and adds its holders after each segment's
 * existing ones: three statements, however many segments.
 */
async function insertVersion(client: Queryable, manifest: Manifest): Promise<void> {
  await client.query(`INSERT INTO versions (file_id, version, owner, name, size, chunk_size, segment_chunks, codec, replication, created_at, sealed)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
  [manifest.fileId, manifest.version, manifest.owner, manifest.name, manifest.size, manifest.chunkSize, manifest.segmentChunks, manifest.codec ?? null, replicationOf(manifest), manifest.createdAt, manifest.sealed ?? null]);
  if (manifest.segments.length === 0) return;
  await client.query(`INSERT INTO segments (file_id, version, idx, list_hash, plain_size, stored_size)
    SELECT $1, $2, s.idx - 1, s.list_hash, s.plain_size, s.stored_size
    FROM unnest($3::text[], $4::bigint[], $5::bigint[]) WITH ORDINALITY AS s(list_hash, plain_size, stored_size, idx)`,
  [manifest.fileId, manifest.version, manifest.segments.map((segment) => segment.listHash), manifest.segments.map((segment) => segment.plainSize), manifest.segments.map((segment) => segment.storedSize)]);
  // Each (segment, holder) once, in order; `order` ranks a holder among the new ones of its segment.
  const seen = new Set<string>();
  const perList = new Map<string, number>();
  const lists: string[] = [];
  const peers: string[] = [];
  const order: number[] = [];
  for (const segment of manifest.segments) {
    for (const holder of segment.holders) {
      const pair = `${segment.listHash}/${holder}`;
      if (seen.has(pair)) continue;
      seen.add(pair);
      const rank = perList.get(segment.listHash) ?? 0;
      perList.set(segment.listHash, rank + 1);
      lists.push(segment.listHash);
      peers.push(holder);
      order.push(rank);
    }
  }
  // Positions count on from each segment's last holder before this statement; a holder it had already keeps its place.
  await client.query(`INSERT INTO segment_holders (list_hash, peer_id, position)
    SELECT n.list_hash, n.peer_id, COALESCE((SELECT MAX(h.position) FROM segment_holders h WHERE h.list_hash = n.list_hash), -1) + 1 + n.rank
    FROM unnest($1::text[], $2::text[], $3::int[]) AS n(list_hash, peer_id, rank)
    ON CONFLICT DO NOTHING`, [lists, peers, order]);
}

/** Segments matching `where` (over the segments table), in list order, with holders and the placement key of their first naming. */
async function infoOf(client: Queryable, where: string, args: unknown[], limit?: number): Promise<Map<string, SegmentInfo>> {
  const { rows } = await client.query<SegmentInfoRow>(`
    SELECT s.list_hash, s.stored_size, s.file_id, s.idx, h.peer_id FROM
      (SELECT g.list_hash, g.stored_size, g.file_id,
         (SELECT MIN(i.idx) FROM segments i WHERE i.list_hash = g.list_hash AND i.file_id = g.file_id) AS idx
       FROM (SELECT list_hash, MAX(stored_size) AS stored_size, MIN(file_id) AS file_id FROM segments
             WHERE ${where} GROUP BY list_hash ORDER BY list_hash LIMIT ${limit === undefined ? 'ALL' : Math.max(0, Math.floor(limit))}) g) s
    LEFT JOIN segment_holders h ON h.list_hash = s.list_hash
    ORDER BY s.list_hash, h.position`, args);
  return segmentInfoOf(rows);
}

/**
 * Refuses a coordinator's change made under an epoch that is not the current one. The row is
 * read FOR SHARE: a takeover's update of it waits for this transaction, and this one for it.
 */
async function checkEpoch(client: Queryable, epoch: number | undefined): Promise<void> {
  if (epoch === undefined) return;
  const { rows: [row] } = await client.query<{ epoch: number }>('SELECT epoch FROM coordinator FOR SHARE');
  if (row && row.epoch !== epoch) throw new StaleEpochError(epoch, row.epoch);
}


