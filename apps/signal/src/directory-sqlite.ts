/**
 * The directory in SQLite under the master's data directory, so a restarted master knows every
 * file, version and peer. Manifests are stored as JSON (one row per version): the master holds
 * O(files + segments), never a row per chunk.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { asFileId, asPeerId, type FileId, type Manifest, type PeerId, type PeerKind } from '@meshdrive/core';
import type { Directory, FileRecord, KnownPeer } from './directory.js';

interface FileRow { file_id: string; name: string; owner: string; version: number }
interface PeerRow { id: string; kind: string; capacity: number; label: string | null; last_seen: number }

export class SqliteDirectory implements Directory {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'directory.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS files (
        owner TEXT NOT NULL, name TEXT NOT NULL, file_id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL,
        PRIMARY KEY (owner, name));
      CREATE TABLE IF NOT EXISTS versions (
        file_id TEXT NOT NULL, version INTEGER NOT NULL, manifest TEXT NOT NULL, created_at INTEGER NOT NULL,
        PRIMARY KEY (file_id, version));
      CREATE TABLE IF NOT EXISTS segment_lists (
        list_hash TEXT NOT NULL, file_id TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (list_hash, file_id, version));
      CREATE INDEX IF NOT EXISTS segment_lists_by_file ON segment_lists (file_id);
      CREATE TABLE IF NOT EXISTS pending_drops (
        peer_id TEXT NOT NULL, list_hash TEXT NOT NULL, PRIMARY KEY (peer_id, list_hash));
      CREATE TABLE IF NOT EXISTS peers (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, capacity INTEGER NOT NULL, label TEXT, last_seen INTEGER NOT NULL);
    `);
  }

  findFile(owner: string, name: string): Promise<FileRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM files WHERE owner = ? AND name = ?').get(owner, name) as FileRow | undefined;
    return Promise.resolve(row && toFile(row));
  }

  listFiles(owner: string): Promise<FileRecord[]> {
    const rows = this.db.prepare('SELECT * FROM files WHERE owner = ? ORDER BY name').all(owner) as FileRow[];
    return Promise.resolve(rows.map(toFile));
  }

  allFiles(): Promise<FileRecord[]> {
    const rows = this.db.prepare('SELECT * FROM files ORDER BY owner, name').all() as FileRow[];
    return Promise.resolve(rows.map(toFile));
  }

  getManifest(fileId: FileId, version: number): Promise<Manifest | undefined> {
    const json = this.db.prepare('SELECT manifest FROM versions WHERE file_id = ? AND version = ?').pluck().get(fileId, version) as string | undefined;
    return Promise.resolve(json === undefined ? undefined : (JSON.parse(json) as Manifest));
  }

  commitVersion(manifest: Manifest, baseVersion: number): Promise<boolean> {
    const commit = this.db.transaction((): boolean => {
      const current = this.db.prepare('SELECT * FROM files WHERE owner = ? AND name = ?').get(manifest.owner, manifest.name) as FileRow | undefined;
      if ((current?.version ?? 0) !== baseVersion) return false;
      if (current && current.file_id !== manifest.fileId) return false;
      const version = baseVersion + 1;
      if (current) this.db.prepare('UPDATE files SET version = ? WHERE file_id = ?').run(version, manifest.fileId);
      else this.db.prepare('INSERT INTO files (owner, name, file_id, version) VALUES (?, ?, ?, ?)').run(manifest.owner, manifest.name, manifest.fileId, version);
      this.db.prepare('INSERT INTO versions (file_id, version, manifest, created_at) VALUES (?, ?, ?, ?)')
        .run(manifest.fileId, version, JSON.stringify({ ...manifest, version }), manifest.createdAt);
      const addList = this.db.prepare('INSERT OR IGNORE INTO segment_lists (list_hash, file_id, version) VALUES (?, ?, ?)');
      for (const segment of manifest.segments) addList.run(segment.listHash, manifest.fileId, version);
      return true;
    });
    return Promise.resolve(commit());
  }

  removeFile(owner: string, name: string): Promise<{ versions: number; orphanLists: string[] }> {
    const remove = this.db.transaction(() => {
      const file = this.db.prepare('SELECT * FROM files WHERE owner = ? AND name = ?').get(owner, name) as FileRow | undefined;
      if (!file) return { versions: 0, orphanLists: [] };
      const lists = this.db.prepare('SELECT DISTINCT list_hash FROM segment_lists WHERE file_id = ?').pluck().all(file.file_id) as string[];
      const versions = this.db.prepare('DELETE FROM versions WHERE file_id = ?').run(file.file_id).changes;
      this.db.prepare('DELETE FROM segment_lists WHERE file_id = ?').run(file.file_id);
      this.db.prepare('DELETE FROM files WHERE file_id = ?').run(file.file_id);
      const stillUsed = this.db.prepare('SELECT 1 FROM segment_lists WHERE list_hash = ? LIMIT 1').pluck();
      return { versions, orphanLists: lists.filter((list) => stillUsed.get(list) === undefined) };
    });
    return Promise.resolve(remove());
  }

  usedLists(lists: readonly string[]): Promise<Set<string>> {
    const used = this.db.prepare('SELECT 1 FROM segment_lists WHERE list_hash = ? LIMIT 1').pluck();
    return Promise.resolve(new Set(lists.filter((list) => used.get(list) !== undefined)));
  }

  queueDrops(peer: PeerId, lists: readonly string[]): Promise<void> {
    const insert = this.db.prepare('INSERT OR IGNORE INTO pending_drops (peer_id, list_hash) VALUES (?, ?)');
    this.db.transaction(() => lists.forEach((list) => insert.run(peer, list)))();
    return Promise.resolve();
  }

  pendingDrops(peer: PeerId): Promise<string[]> {
    return Promise.resolve(this.db.prepare('SELECT list_hash FROM pending_drops WHERE peer_id = ?').pluck().all(peer) as string[]);
  }

  clearDrops(peer: PeerId, lists: readonly string[]): Promise<void> {
    const remove = this.db.prepare('DELETE FROM pending_drops WHERE peer_id = ? AND list_hash = ?');
    this.db.transaction(() => lists.forEach((list) => remove.run(peer, list)))();
    return Promise.resolve();
  }

  rememberPeer(peer: KnownPeer): Promise<void> {
    this.db.prepare(`INSERT INTO peers (id, kind, capacity, label, last_seen) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, capacity = excluded.capacity, label = excluded.label, last_seen = excluded.last_seen`)
      .run(peer.id, peer.kind, peer.capacity, peer.label ?? null, peer.lastSeen);
    return Promise.resolve();
  }

  knownPeers(): Promise<KnownPeer[]> {
    const rows = this.db.prepare('SELECT * FROM peers').all() as PeerRow[];
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
}

function toFile(row: FileRow): FileRecord {
  return { fileId: asFileId(row.file_id), name: row.name, owner: row.owner, version: row.version };
}
