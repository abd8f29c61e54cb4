import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { asChunkHash, asFileId, asPeerId, type Manifest } from '@meshdrive/core';
import { runDirectoryTests } from './directory-acceptance.js';
import { writeLegacyDirectory, type LegacyManifest } from './legacy-layout.js';
import { MemoryDirectory } from './memory-directory.js';
import { SqliteDirectory } from './sqlite-directory.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdrive-dir-'));
  dirs.push(dir);
  return dir;
};

runDirectoryTests('MemoryDirectory', () => new MemoryDirectory());
runDirectoryTests('SqliteDirectory', () => new SqliteDirectory(tempDir()));

const manifest = (name: string, fileId: string, lists: string[], holders = ['p1', 'p2', 'p3']): Manifest => ({
  fileId: asFileId(fileId),
  name,
  owner: 'public',
  version: 0,
  size: lists.length,
  chunkSize: 1024,
  segmentChunks: 1024,
  createdAt: 1,
  segments: lists.map((list) => ({ listHash: asChunkHash(list.padEnd(64, '0')), plainSize: 1, storedSize: 1, holders: holders.map(asPeerId) })),
});

describe('SqliteDirectory persistence', () => {
  it('survives a restart on the same data directory', async () => {
    const dir = tempDir();
    const first = new SqliteDirectory(dir);
    await first.commitVersion(manifest('kept.bin', 'f9', ['9']), 0);
    await first.close();
    const second = new SqliteDirectory(dir);
    expect(await second.findFile('public', 'kept.bin')).toMatchObject({ fileId: 'f9', version: 1 });
    await second.close();
  });
});

/**
 * Counts the statements a directory runs by wrapping better-sqlite3's Statement methods: every
 * query goes through one of them, so a count that grows with the data would be an N+1.
 */
describe('SqliteDirectory statement counts', () => {
  afterEach(() => vi.restoreAllMocks());

  async function statementsRun(operation: () => Promise<unknown>): Promise<number> {
    const probe = new Database(':memory:');
    const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<'run' | 'get' | 'all' | 'iterate', (...args: unknown[]) => unknown>;
    probe.close();
    const spies = (['run', 'get', 'all', 'iterate'] as const).map((method) => vi.spyOn(statement, method));
    try {
      await operation();
      return spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
  }

  async function directoryWith(files: number, versions: number): Promise<SqliteDirectory> {
    const directory = new SqliteDirectory(tempDir());
    for (let file = 0; file < files; file++) {
      for (let version = 0; version < versions; version++) {
        await directory.commitVersion(manifest(`file-${file}`, `f${file}`, [`${file}a${version}e`, `${file}b`, 'shared']), version);
      }
    }
    return directory;
  }

  it('lists N files, with their summaries, in a constant number of statements', async () => {
    const counts: number[] = [];
    for (const files of [1, 5, 40]) {
      const directory = await directoryWith(files, 2);
      counts.push(await statementsRun(async () => {
        const listed = await directory.listFiles('public');
        expect(listed).toHaveLength(files);
        expect(listed.every((file) => file.holders.length === 3)).toBe(true);
      }));
      counts.push(await statementsRun(() => directory.listFiles()));
      await directory.close();
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(new Set(counts.filter((_, i) => i % 2 === 0)).size).toBe(1);
    expect(new Set(counts.filter((_, i) => i % 2 === 1)).size).toBe(1);
  });

  it('removes a file with V versions in a constant number of statements', async () => {
    const counts: number[] = [];
    for (const versions of [1, 4, 30]) {
      const directory = await directoryWith(2, versions);
      counts.push(await statementsRun(async () => {
        const removed = await directory.removeFile('public', 'file-0');
        expect(removed.versions).toBe(versions);
        expect(removed.drops).toHaveLength(3);
        expect(removed.drops[0]!.lists).toHaveLength(versions + 1);
      }));
      await directory.close();
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(new Set(counts).size).toBe(1);
  });
});

describe('SqliteDirectory migration', () => {
  const holders = ['peer-a', 'peer-b', 'peer-c'];
  const legacy = (name: string, fileId: string, version: number, lists: string[], size: number): LegacyManifest => ({
    fileId: asFileId(fileId),
    name,
    owner: 'public',
    version,
    size,
    chunkSize: 1024,
    segmentChunks: 1024,
    createdAt: 1000 + version,
    segments: lists.map((list, index) => ({ listHash: list.repeat(64), size: Math.min(1024 * 1024, size - index * 1024 * 1024), holders: index === 1 ? [...holders].reverse() : holders })),
  });

  it('opening a data directory written by today\'s master keeps every file listed and readable', async () => {
    const dir = tempDir();
    const bigSize = 2 * 1024 * 1024 + 7;
    writeLegacyDirectory(dir, {
      manifests: [
        legacy('big.bin', 'f1', 1, ['1', '2', '3'], bigSize),
        legacy('big.bin', 'f1', 2, ['1', '2', '4'], bigSize),
        legacy('small.txt', 'f2', 1, ['5'], 12),
        legacy('empty', 'f3', 1, [], 0),
      ],
      peers: [{ id: asPeerId('peer-a'), kind: 'node', capacity: 5, label: 'a', lastSeen: 7 }],
      drops: [{ peer: 'peer-c', lists: ['9'.repeat(64)] }],
    });

    const directory = new SqliteDirectory(dir);
    // The directory as it was stays beside it, for a master of the old layout to open.
    const backup = new Database(join(dir, 'directory.db.schema0.bak'), { readonly: true });
    expect(backup.pragma('user_version', { simple: true })).toBe(0);
    expect(backup.prepare('SELECT COUNT(*) FROM versions').pluck().get()).toBe(4);
    backup.close();
    expect((await directory.listFiles('public')).map(({ name, version, size, createdAt, wanted, holders: held }) => ({ name, version, size, createdAt, wanted, segments: held.length }))).toEqual([
      { name: 'big.bin', version: 2, size: bigSize, createdAt: 1002, wanted: holders.length, segments: 3 },
      { name: 'empty', version: 1, size: 0, createdAt: 1001, wanted: 0, segments: 0 },
      { name: 'small.txt', version: 1, size: 12, createdAt: 1001, wanted: holders.length, segments: 1 },
    ]);
    const v1 = await directory.getManifest(asFileId('f1'), 1);
    expect(v1).toEqual({
      fileId: 'f1', name: 'big.bin', owner: 'public', version: 1, size: bigSize, chunkSize: 1024, segmentChunks: 1024, createdAt: 1001,
      segments: [
        { listHash: '1'.repeat(64), plainSize: 1024 * 1024, storedSize: 1024 * 1024, holders },
        { listHash: '2'.repeat(64), plainSize: 1024 * 1024, storedSize: 1024 * 1024, holders: [...holders].reverse() },
        { listHash: '3'.repeat(64), plainSize: 7, storedSize: 7, holders },
      ],
    });
    expect((await directory.getManifest(asFileId('f1'), 2))?.segments.map((segment) => segment.listHash[0])).toEqual(['1', '2', '4']);
    expect((await directory.getManifest(asFileId('f2'), 1))?.segments).toEqual([{ listHash: '5'.repeat(64), plainSize: 12, storedSize: 12, holders }]);
    expect(await directory.segmentsHeldBy(asPeerId('peer-b'))).toEqual(['1', '2', '3', '4', '5'].map((digit) => digit.repeat(64)));
    expect(await directory.knownPeers()).toEqual([{ id: 'peer-a', kind: 'node', capacity: 5, label: 'a', lastSeen: 7 }]);
    expect(await directory.pendingDrops(asPeerId('peer-c'))).toEqual(['9'.repeat(64)]);
    // The migrated directory works as any other: a new version, then removal of the file.
    expect(await directory.commitVersion({ ...manifest('big.bin', 'f1', ['6']), size: 1 }, 2)).toBe(true);
    expect((await directory.removeFile('public', 'big.bin')).versions).toBe(3);
    await directory.close();

    // Opening it again migrates nothing twice.
    const again = new SqliteDirectory(dir);
    expect((await again.listFiles()).map((file) => file.name)).toEqual(['empty', 'small.txt']);
    await again.close();
  });

  it('refuses a directory written by a newer master', () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'directory.db'));
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteDirectory(dir)).toThrow(/newer/);
  });
});
