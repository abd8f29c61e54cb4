/**
 * A test helper: writes a master's directory.db as the master before schema 1 did (manifests
 * as JSON, holders inside them, segments sized by `size`), to prove that opening such a data
 * directory migrates it. The DDL below is that master's, verbatim: do not change it.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@meshdrive/core';
import { SqliteDirectory, DIRECTORY_FILE } from './sqlite-directory.js';
import type { KnownPeer } from './directory.js';

const LEGACY_DDL = `
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
    `;

/** A manifest as the legacy master stored it: each segment's `size`, and its holders inside. */
export interface LegacyManifest extends Omit<Manifest, 'segments' | 'codec'> {
  segments: { listHash: string; size: number; holders: string[] }[];
}

export interface LegacyDirectory {
  /** Every version of every file; a file's latest version is its highest. */
  manifests: LegacyManifest[];
  peers?: KnownPeer[];
  drops?: { peer: string; lists: string[] }[];
}

function toLegacyManifest(manifest: Manifest): LegacyManifest {
  const { fileId, name, owner, version, size, chunkSize, segmentChunks, createdAt, segments } = manifest;
  return { fileId, name, owner, version, size, chunkSize, segmentChunks, createdAt, segments: segments.map((segment) => ({ listHash: segment.listHash, size: segment.plainSize, holders: [...segment.holders] })) };
}

/** Creates `dataDir`/directory.db in the legacy layout holding `contents`; the file must not exist. */
export function writeLegacyDirectory(dataDir: string, contents: LegacyDirectory): void {
  const db = new Database(join(dataDir, DIRECTORY_FILE));
  try {
    db.pragma('journal_mode = WAL');
    db.exec(LEGACY_DDL);
    db.transaction(() => {
      const latest = new Map<string, LegacyManifest>();
      for (const manifest of contents.manifests) {
        db.prepare('INSERT INTO versions (file_id, version, manifest, created_at) VALUES (?, ?, ?, ?)')
          .run(manifest.fileId, manifest.version, JSON.stringify(manifest), manifest.createdAt);
        for (const segment of manifest.segments) {
          db.prepare('INSERT OR IGNORE INTO segment_lists (list_hash, file_id, version) VALUES (?, ?, ?)').run(segment.listHash, manifest.fileId, manifest.version);
        }
        if ((latest.get(manifest.fileId)?.version ?? 0) < manifest.version) latest.set(manifest.fileId, manifest);
      }
      for (const file of latest.values()) {
        db.prepare('INSERT INTO files (owner, name, file_id, version) VALUES (?, ?, ?, ?)').run(file.owner, file.name, file.fileId, file.version);
      }
      for (const peer of contents.peers ?? []) {
        db.prepare('INSERT INTO peers (id, kind, capacity, label, last_seen) VALUES (?, ?, ?, ?, ?)').run(peer.id, peer.kind, peer.capacity, peer.label ?? null, peer.lastSeen);
      }
      for (const { peer, lists } of contents.drops ?? []) {
        for (const list of lists) db.prepare('INSERT INTO pending_drops (peer_id, list_hash) VALUES (?, ?)').run(peer, list);
      }
    })();
  } finally {
    db.close();
  }
}

/**
 * Rewrites a stopped master's directory in the legacy layout, keeping every file, version,
 * holder, peer and pending drop; returns the manifests it wrote.
 */
export async function rewriteAsLegacyDirectory(dataDir: string): Promise<LegacyManifest[]> {
  const current = new SqliteDirectory(dataDir);
  const manifests: LegacyManifest[] = [];
  const drops: { peer: string; lists: string[] }[] = [];
  let peers: KnownPeer[];
  try {
    for (const file of await current.listFiles()) {
      for (let version = 1; version <= file.version; version++) {
        const manifest = await current.getManifest(file.fileId, version);
        if (manifest) manifests.push(toLegacyManifest(manifest));
      }
    }
    peers = await current.knownPeers();
    for (const peer of peers) drops.push({ peer: peer.id, lists: await current.pendingDrops(peer.id) });
  } finally {
    await current.close();
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, DIRECTORY_FILE + suffix), { force: true });
  writeLegacyDirectory(dataDir, { manifests, peers, drops });
  return manifests;
}
