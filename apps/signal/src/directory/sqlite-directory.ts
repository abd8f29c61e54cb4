/**
 * The directory in SQLite under the master's data directory, so a restarted master knows every
 * file, version, holder and peer. One row per version and per segment, one per segment holder:
 * the master holds O(files + segments), never a row per chunk. Listing files and removing one
 * take a fixed number of statements, however many files, versions or segments.
 *
 * Schema versions (PRAGMA user_version): 0 is the layout before holders were rows (manifests
 * as JSON with their holders inside); it is migrated to 1 when the directory opens. 2 adds each
 * version's sealed manifest (an encrypted file's name, size and keys, opaque to the master). 3
 * adds each file's lock fence (the largest fencing token a commit carried), the fencing token
 * counter, shares, and each shared version's file key sealed to each user it is shared with.
 */
import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { asChunkHash, asPeerId, StoreError, type FileId, type Manifest, type PeerId, type PeerKind } from '@meshdrive/core';
import { dropOrders, listingsOf, manifestOf, segmentInfoOf, toFile, type FileRow, type ListingRow, type SegmentHolderRow, type SegmentInfoRow, type VersionRow } from './directory-rows.js';
import { replicationOf, type SegmentInfo, type BackupCount, type Directory, type HoldingCount, type FileListing, type FileRecord, type KnownPeer, type RemovedFile, type ShareRecord, type SharedListing, type VersionRecord } from './directory.js';

export const DIRECTORY_FILE = 'directory.db';
const SCHEMA_VERSION = 3;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS files (
    owner TEXT NOT NULL, name TEXT NOT NULL, file_id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL, fence INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (owner, name));
  CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS shares (
    owner TEXT NOT NULL, name TEXT NOT NULL, user TEXT NOT NULL, write INTEGER NOT NULL,
    PRIMARY KEY (owner, name, user));
  CREATE INDEX IF NOT EXISTS shares_by_user ON shares (user);
  CREATE TABLE IF NOT EXISTS share_keys (
    file_id TEXT NOT NULL, version INTEGER NOT NULL, user TEXT NOT NULL, key TEXT NOT NULL,
    PRIMARY KEY (file_id, version, user));
  CREATE TABLE IF NOT EXISTS versions (
    file_id TEXT NOT NULL, version INTEGER NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL,
    chunk_size INTEGER NOT NULL, segment_chunks INTEGER NOT NULL, codec TEXT, replication INTEGER NOT NULL, created_at INTEGER NOT NULL, sealed TEXT,
    PRIMARY KEY (file_id, version));
  CREATE TABLE IF NOT EXISTS segments (
    file_id TEXT NOT NULL, version INTEGER NOT NULL, idx INTEGER NOT NULL, list_hash TEXT NOT NULL,
    plain_size INTEGER NOT NULL, stored_size INTEGER NOT NULL,
    PRIMARY KEY (file_id, version, idx));
  CREATE INDEX IF NOT EXISTS segments_by_list ON segments (list_hash);
  CREATE TABLE IF NOT EXISTS segment_holders (
    list_hash TEXT NOT NULL, peer_id TEXT NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (list_hash, peer_id));
  CREATE INDEX IF NOT EXISTS segment_holders_by_peer ON segment_holders (peer_id);
  CREATE TABLE IF NOT EXISTS pending_drops (
    peer_id TEXT NOT NULL, list_hash TEXT NOT NULL, PRIMARY KEY (peer_id, list_hash));
  CREATE TABLE IF NOT EXISTS peers (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, capacity INTEGER NOT NULL, label TEXT, last_seen INTEGER NOT NULL);
`;

/** Holder rows of the segments versions @last and older of `@file` name that nothing else names: what forgetting them orphans. */
const FORGOTTEN_HOLDERS = `
  FROM segment_holders h
  WHERE h.list_hash IN (SELECT list_hash FROM segments WHERE file_id = @file AND version <= @last)
    AND NOT EXISTS (SELECT 1 FROM segments o WHERE o.list_hash = h.list_hash AND (o.file_id <> @file OR o.version > @last))`;

/**
 * Each segment's primary position: a holder replaceHolder drops leaves a gap in the positions,
 * so the primary is at the lowest one left, not always at 0.
 */
const FIRST_POSITIONS = '(SELECT list_hash, MIN(position) AS first FROM segment_holders GROUP BY list_hash)';

interface PeerRow { id: string; kind: string; capacity: number; label: string | null; last_seen: number }
/** A segment as today's master before schema 1 wrote it inside its manifest JSON. */
interface LegacySegment { listHash: string; size?: number; holders: string[] }

export class SqliteDirectory implements Directory {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, DIRECTORY_FILE));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    if (this.isLegacy()) {
      // A copy the master before holder rows can open again, should anyone need to go back.
      const backup = join(dataDir, `${DIRECTORY_FILE}.schema0.bak`);
      rmSync(backup, { force: true });
      this.db.prepare('VACUUM INTO ?').run(backup);
    }
    this.db.transaction(() => this.migrate())();
  }

  findFile(owner: string, name: string): Promise<FileRecord | undefined> {
    const row = this.sql('SELECT * FROM files WHERE owner = ? AND name = ?').get(owner, name) as FileRow | undefined;
    return Promise.resolve(row && toFile(row));
  }

  listFiles(owner?: string): Promise<FileListing[]> {
    const where = owner === undefined ? '' : 'WHERE f.owner = @owner';
    const ownerKey = ', (SELECT k.key FROM share_keys k WHERE k.file_id = f.file_id AND k.version = f.version AND k.user = f.owner) AS owner_key';
    const read = this.db.transaction((): FileListing[] => this.listings(where, owner === undefined ? {} : { owner }, ownerKey).map(({ extra, ...listing }) => ({ ...listing, ...(typeof extra.owner_key === 'string' ? { ownerKey: extra.owner_key } : {}) })));
    return Promise.resolve(read());
  }

  sharedWith(user: string): Promise<SharedListing[]> {
    const read = this.db.transaction((): SharedListing[] => {
      const shared = 'JOIN shares s ON s.owner = f.owner AND s.name = f.name WHERE s.user = @user';
      const listings = this.listings(shared, { user }, ', s.write AS share_write, (SELECT k.key FROM share_keys k WHERE k.file_id = f.file_id AND k.version = f.version AND k.user = @user) AS share_key');
      return listings.map(({ extra, ...listing }) => ({ ...listing, write: extra.share_write === 1, ...(typeof extra.share_key === 'string' ? { shareKey: extra.share_key } : {}) }));
    });
    return Promise.resolve(read());
  }

  /** Latest-version listings of the files `where` picks (over `files f`), with `columns` more of each file's row as `extra`; two statements. */
  private listings(where: string, args: Record<string, unknown>, columns: string): (FileListing & { extra: Record<string, unknown> })[] {
    const files = this.sql(`SELECT f.*, v.size, v.created_at, v.replication, v.sealed${columns} FROM files f
      JOIN versions v ON v.file_id = f.file_id AND v.version = f.version ${where} ORDER BY f.owner, f.name`).all(args) as (ListingRow & Record<string, unknown>)[];
    const rows = this.sql(`SELECT s2.file_id, s2.idx, h.peer_id FROM files f
      JOIN segments s2 ON s2.file_id = f.file_id AND s2.version = f.version
      LEFT JOIN segment_holders h ON h.list_hash = s2.list_hash ${where}
      ORDER BY s2.file_id, s2.idx, h.position`).all(args) as { file_id: string; idx: number; peer_id: string | null }[];
    return listingsOf(files, rows);
  }

  getManifest(fileId: FileId, version: number): Promise<Manifest | undefined> {
    const read = this.db.transaction((): Manifest | undefined => {
      const row = this.sql('SELECT * FROM versions WHERE file_id = ? AND version = ?').get(fileId, version) as VersionRow | undefined;
      if (!row) return undefined;
      const rows = this.sql(`SELECT s.idx, s.list_hash, s.plain_size, s.stored_size, h.peer_id FROM segments s
        LEFT JOIN segment_holders h ON h.list_hash = s.list_hash
        WHERE s.file_id = ? AND s.version = ? ORDER BY s.idx, h.position`).all(fileId, version) as SegmentHolderRow[];
      return manifestOf(row, rows);
    });
    return Promise.resolve(read());
  }

  commitVersion(manifest: Manifest, baseVersion: number, fence = 0): Promise<boolean> {
    const commit = this.db.transaction((): boolean => {
      const current = this.sql('SELECT * FROM files WHERE owner = ? AND name = ?').get(manifest.owner, manifest.name) as FileRow | undefined;
      if ((current?.version ?? 0) !== baseVersion) return false;
      if (current && current.file_id !== manifest.fileId) return false;
      if (fence > 0 && fence < (current?.fence ?? 0)) return false;
      const version = baseVersion + 1;
      const newFence = Math.max(fence, current?.fence ?? 0);
      if (current) this.sql('UPDATE files SET version = ?, fence = ? WHERE file_id = ?').run(version, newFence, manifest.fileId);
      else this.sql('INSERT INTO files (owner, name, file_id, version, fence) VALUES (?, ?, ?, ?, ?)').run(manifest.owner, manifest.name, manifest.fileId, version, newFence);
      this.insertVersion({ ...manifest, version });
      return true;
    });
    return Promise.resolve(commit());
  }

  listVersions(fileId: FileId): Promise<VersionRecord[]> {
    const rows = this.sql('SELECT version, size, created_at, sealed FROM versions WHERE file_id = ? ORDER BY version DESC').all(fileId) as { version: number; size: number; created_at: number; sealed: string | null }[];
    return Promise.resolve(rows.map((row) => ({ version: row.version, size: row.size, createdAt: row.created_at, ...(row.sealed === null ? {} : { sealed: row.sealed }) })));
  }

  pruneVersions(fileId: FileId, keep: number): Promise<RemovedFile> {
    const prune = this.db.transaction((): RemovedFile => {
      const file = this.sql('SELECT version FROM files WHERE file_id = ?').get(fileId) as { version: number } | undefined;
      if (!file || file.version <= keep) return { versions: 0, drops: [] };
      return this.forgetVersions(fileId, file.version - Math.max(1, keep));
    });
    return Promise.resolve(prune());
  }

  /**
   * Forgets versions 1..`last` of a file with their shared keys, and the segments no other file
   * version names, queueing their drops for every holder; inside the caller's transaction.
   */
  private forgetVersions(fileId: string, last: number): RemovedFile {
    const at = { file: fileId, last };
    const orphaned = this.sql(`SELECT h.peer_id, h.list_hash ${FORGOTTEN_HOLDERS} ORDER BY h.peer_id, h.list_hash`).all(at) as { peer_id: string; list_hash: string }[];
    this.sql(`INSERT OR IGNORE INTO pending_drops (peer_id, list_hash) SELECT h.peer_id, h.list_hash ${FORGOTTEN_HOLDERS}`).run(at);
    this.sql(`DELETE FROM segment_holders WHERE rowid IN (SELECT h.rowid ${FORGOTTEN_HOLDERS})`).run(at);
    this.sql('DELETE FROM segments WHERE file_id = @file AND version <= @last').run(at);
    const versions = this.sql('DELETE FROM versions WHERE file_id = @file AND version <= @last').run(at).changes;
    this.sql('DELETE FROM share_keys WHERE file_id = @file AND version <= @last').run(at);
    return { versions, drops: dropOrders(orphaned) };
  }

  putShare(share: ShareRecord): Promise<void> {
    this.sql(`INSERT INTO shares (owner, name, user, write) VALUES (?, ?, ?, ?)
      ON CONFLICT(owner, name, user) DO UPDATE SET write = excluded.write`).run(share.owner, share.name, share.user, share.write ? 1 : 0);
    return Promise.resolve();
  }

  removeShare(owner: string, name: string, user: string): Promise<boolean> {
    const remove = this.db.transaction((): boolean => {
      const removed = this.sql('DELETE FROM shares WHERE owner = ? AND name = ? AND user = ?').run(owner, name, user).changes > 0;
      this.sql('DELETE FROM share_keys WHERE user = ? AND file_id IN (SELECT file_id FROM files WHERE owner = ? AND name = ?)').run(user, owner, name);
      return removed;
    });
    return Promise.resolve(remove());
  }

  sharesOf(owner: string, name: string): Promise<ShareRecord[]> {
    const rows = this.sql('SELECT owner, name, user, write FROM shares WHERE owner = ? AND name = ? ORDER BY user').all(owner, name) as { owner: string; name: string; user: string; write: number }[];
    return Promise.resolve(rows.map((row) => ({ ...row, write: row.write === 1 })));
  }

  putShareKeys(fileId: FileId, keys: readonly { version: number; user: string; key: string }[]): Promise<void> {
    const put = this.sql('INSERT OR REPLACE INTO share_keys (file_id, version, user, key) SELECT @file, @version, @user, @key WHERE EXISTS (SELECT 1 FROM versions WHERE file_id = @file AND version = @version)');
    this.db.transaction(() => {
      for (const key of keys) put.run({ file: fileId, version: key.version, user: key.user, key: key.key });
    })();
    return Promise.resolve();
  }

  shareKeys(fileId: FileId, user: string): Promise<Map<number, string>> {
    const rows = this.sql('SELECT version, key FROM share_keys WHERE file_id = ? AND user = ?').all(fileId, user) as { version: number; key: string }[];
    return Promise.resolve(new Map(rows.map((row) => [row.version, row.key])));
  }

  nextFence(): Promise<number> {
    const row = this.sql(`INSERT INTO counters (name, value) VALUES ('fence', 1)
      ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value`).get() as { value: number };
    return Promise.resolve(row.value);
  }

  removeFile(owner: string, name: string): Promise<RemovedFile> {
    const remove = this.db.transaction((): RemovedFile => {
      const file = this.sql('SELECT file_id FROM files WHERE owner = ? AND name = ?').get(owner, name) as { file_id: string } | undefined;
      if (!file) return { versions: 0, drops: [] };
      const removed = this.forgetVersions(file.file_id, Number.MAX_SAFE_INTEGER);
      this.sql('DELETE FROM files WHERE file_id = ?').run(file.file_id);
      this.sql('DELETE FROM shares WHERE owner = ? AND name = ?').run(owner, name);
      return removed;
    });
    return Promise.resolve(remove());
  }

  segmentsHeldBy(peer: PeerId): Promise<string[]> {
    const rows = this.sql('SELECT list_hash FROM segment_holders WHERE peer_id = ? ORDER BY list_hash').all(peer) as { list_hash: string }[];
    return Promise.resolve(rows.map((row) => row.list_hash));
  }

  replaceHolder(list: string, from: PeerId, to: PeerId): Promise<boolean> {
    const replace = this.db.transaction((): boolean => {
      const args = { list, from, to };
      const moved = this.sql(`UPDATE OR IGNORE segment_holders SET peer_id = @to WHERE list_hash = @list AND peer_id = @from`).run(args).changes;
      // Unchanged while the row exists: `to` held it already, so `from` just goes.
      const dropped = this.sql('DELETE FROM segment_holders WHERE list_hash = @list AND peer_id = @from').run(args).changes;
      if (moved + dropped === 0) return false;
      this.sql('INSERT OR IGNORE INTO pending_drops (peer_id, list_hash) VALUES (@from, @list)').run(args);
      return true;
    });
    return Promise.resolve(replace());
  }

  removeHolder(list: string, peer: PeerId): Promise<boolean> {
    const remove = this.db.transaction((): boolean => {
      const args = { list, peer };
      if (this.sql('DELETE FROM segment_holders WHERE list_hash = @list AND peer_id = @peer').run(args).changes === 0) return false;
      this.sql('INSERT OR IGNORE INTO pending_drops (peer_id, list_hash) VALUES (@peer, @list)').run(args);
      return true;
    });
    return Promise.resolve(remove());
  }

  addHolder(list: string, peer: PeerId): Promise<boolean> {
    const added = this.sql(`INSERT OR IGNORE INTO segment_holders (list_hash, peer_id, position)
      SELECT @list, @peer, MAX(position) + 1 FROM segment_holders WHERE list_hash = @list HAVING COUNT(*) > 0`).run({ list, peer }).changes;
    return Promise.resolve(added > 0);
  }

  segmentInfo(lists: readonly string[]): Promise<Map<string, SegmentInfo>> {
    return Promise.resolve(this.infoOf('list_hash IN (SELECT value FROM json_each(?))', [JSON.stringify(lists)]));
  }

  segmentsAfter(after: string, limit: number): Promise<[string, SegmentInfo][]> {
    return Promise.resolve([...this.infoOf('list_hash > ?', [after], limit)]);
  }

  /** Segments matching `where` (over the segments table), in list order, with holders and the placement key of their first naming. */
  private infoOf(where: string, args: unknown[], limit = -1): Map<string, SegmentInfo> {
    const rows = this.sql(`SELECT s.list_hash, s.stored_size, s.file_id, s.idx, h.peer_id FROM
        (SELECT g.list_hash, g.stored_size, g.file_id,
           (SELECT MIN(i.idx) FROM segments i WHERE i.list_hash = g.list_hash AND i.file_id = g.file_id) AS idx
         FROM (SELECT list_hash, MAX(stored_size) AS stored_size, MIN(file_id) AS file_id FROM segments
               WHERE ${where} GROUP BY list_hash ORDER BY list_hash LIMIT ${Math.floor(limit)}) g) s
      LEFT JOIN segment_holders h ON h.list_hash = s.list_hash
      ORDER BY s.list_hash, h.position`).all(...args) as SegmentInfoRow[];
    return segmentInfoOf(rows);
  }

  backupCounts(): Promise<BackupCount[]> {
    const rows = this.sql(`SELECT p.peer_id AS primary_id, h.peer_id AS backup_id, COUNT(*) AS segments
      FROM segment_holders p
      JOIN ${FIRST_POSITIONS} f ON f.list_hash = p.list_hash AND f.first = p.position
      JOIN segment_holders h ON h.list_hash = p.list_hash AND h.peer_id <> p.peer_id
      GROUP BY p.peer_id, h.peer_id`).all() as { primary_id: string; backup_id: string; segments: number }[];
    return Promise.resolve(rows.map((row) => ({ primary: asPeerId(row.primary_id), backup: asPeerId(row.backup_id), segments: row.segments })));
  }

  holdingCounts(): Promise<HoldingCount[]> {
    const rows = this.sql(`SELECT h.peer_id, SUM(h.position = f.first) AS primary_count, SUM(h.position <> f.first) AS backup_count
      FROM segment_holders h
      JOIN ${FIRST_POSITIONS} f ON f.list_hash = h.list_hash
      GROUP BY h.peer_id`).all() as { peer_id: string; primary_count: number; backup_count: number }[];
    return Promise.resolve(rows.map((row) => ({ peer: asPeerId(row.peer_id), primary: row.primary_count, backup: row.backup_count })));
  }

  pendingDrops(peer: PeerId): Promise<string[]> {
    const rows = this.sql('SELECT list_hash FROM pending_drops WHERE peer_id = ?').all(peer) as { list_hash: string }[];
    return Promise.resolve(rows.map((row) => row.list_hash));
  }

  clearDrops(peer: PeerId, lists: readonly string[]): Promise<void> {
    this.sql('DELETE FROM pending_drops WHERE peer_id = ? AND list_hash IN (SELECT value FROM json_each(?))').run(peer, JSON.stringify(lists));
    return Promise.resolve();
  }

  rememberPeer(peer: KnownPeer): Promise<void> {
    this.sql(`INSERT INTO peers (id, kind, capacity, label, last_seen) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, capacity = excluded.capacity, label = excluded.label, last_seen = excluded.last_seen`)
      .run(peer.id, peer.kind, peer.capacity, peer.label ?? null, peer.lastSeen);
    return Promise.resolve();
  }

  knownPeers(): Promise<KnownPeer[]> {
    const rows = this.sql('SELECT * FROM peers').all() as PeerRow[];
    return Promise.resolve(rows.map((row) => ({
      id: asPeerId(row.id),
      kind: row.kind as PeerKind,
      capacity: row.capacity,
      label: row.label ?? undefined,
      lastSeen: row.last_seen,
    })));
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }

  /** A prepared statement, prepared once per directory. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Writes one version's row, its segment rows, and adds its holders after each segment's existing ones. */
  private insertVersion(manifest: Manifest): void {
    this.sql(`INSERT INTO versions (file_id, version, owner, name, size, chunk_size, segment_chunks, codec, replication, created_at, sealed)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(manifest.fileId, manifest.version, manifest.owner, manifest.name, manifest.size, manifest.chunkSize, manifest.segmentChunks, manifest.codec ?? null, replicationOf(manifest), manifest.createdAt, manifest.sealed ?? null);
    const addSegment = this.sql('INSERT INTO segments (file_id, version, idx, list_hash, plain_size, stored_size) VALUES (?, ?, ?, ?, ?, ?)');
    const addHolder = this.sql(`INSERT OR IGNORE INTO segment_holders (list_hash, peer_id, position)
      SELECT @list, @peer, COALESCE(MAX(position) + 1, 0) FROM segment_holders WHERE list_hash = @list`);
    manifest.segments.forEach((segment, index) => {
      addSegment.run(manifest.fileId, manifest.version, index, segment.listHash, segment.plainSize, segment.storedSize);
      for (const holder of segment.holders) addHolder.run({ list: segment.listHash, peer: holder });
    });
  }

  /** Whether this is a directory from before schema 1: versions with their manifests as JSON. */
  private isLegacy(): boolean {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    return version === 0 && this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'versions'").get() !== undefined;
  }

  /** Brings the schema to SCHEMA_VERSION; runs inside one transaction, so a failed migration changes nothing. */
  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new StoreError(`the master's directory.db has schema ${version}, newer than this master's ${SCHEMA_VERSION}: run a newer Meshdrive`);
    const legacy = this.isLegacy();
    if (legacy) this.db.exec('ALTER TABLE versions RENAME TO legacy_versions');
    this.db.exec(SCHEMA);
    const columns = this.db.prepare('PRAGMA table_info(versions)').all() as { name: string }[];
    if (!columns.some((column) => column.name === 'sealed')) this.db.exec('ALTER TABLE versions ADD COLUMN sealed TEXT');
    const fileColumns = this.db.prepare('PRAGMA table_info(files)').all() as { name: string }[];
    if (!fileColumns.some((column) => column.name === 'fence')) this.db.exec('ALTER TABLE files ADD COLUMN fence INTEGER NOT NULL DEFAULT 0');
    if (legacy) {
      // Holders join their segments' rows in commit order, as if each version had been committed now.
      const rows = this.db.prepare('SELECT manifest, created_at FROM legacy_versions ORDER BY created_at, file_id, version').all() as { manifest: string; created_at: number }[];
      for (const row of rows) {
        const old = JSON.parse(row.manifest) as Omit<Manifest, 'segments'> & { segments: LegacySegment[] };
        this.insertVersion({
          ...old,
          createdAt: old.createdAt ?? row.created_at,
          segments: old.segments.map((segment) => ({
            listHash: asChunkHash(segment.listHash),
            plainSize: legacySize(segment),
            storedSize: legacySize(segment),
            holders: segment.holders.map(asPeerId),
          })),
        });
      }
      this.db.exec('DROP TABLE legacy_versions; DROP TABLE IF EXISTS segment_lists;');
    }
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }
}

/** A schema-0 segment's size: plain and stored were one then. */
function legacySize(segment: LegacySegment): number {
  if (typeof segment.size !== 'number') throw new StoreError(`directory.db names segment ${segment.listHash.slice(0, 12)}… without a size: it cannot be migrated`);
  return segment.size;
}


