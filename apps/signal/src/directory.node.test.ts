import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asChunkHash, asFileId, asPeerId, type Manifest } from '@meshdrive/core';
import type { Directory } from './directory.js';
import { MemoryDirectory } from './directory-memory.js';
import { SqliteDirectory } from './directory-sqlite.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdrive-dir-'));
  dirs.push(dir);
  return dir;
};

const manifest = (name: string, fileId: string, lists: string[]): Manifest => ({
  fileId: asFileId(fileId),
  name,
  owner: 'public',
  version: 0,
  size: lists.length,
  chunkSize: 1024,
  segmentChunks: 1024,
  createdAt: 1,
  segments: lists.map((list) => ({ listHash: asChunkHash(list.repeat(64)), plainSize: 1, storedSize: 1, holders: [asPeerId('p1')] })),
});

const factories: [string, () => Directory][] = [
  ['MemoryDirectory', () => new MemoryDirectory()],
  ['SqliteDirectory', () => new SqliteDirectory(tempDir())],
];

for (const [name, create] of factories) {
  describe(name, () => {
    it('commits versions with compare-and-set', async () => {
      const directory = create();
      expect(await directory.commitVersion(manifest('a.txt', 'f1', ['a']), 0)).toBe(true);
      expect(await directory.commitVersion(manifest('a.txt', 'f1', ['b']), 0)).toBe(false);
      expect(await directory.commitVersion(manifest('a.txt', 'f1', ['b']), 1)).toBe(true);
      expect(await directory.commitVersion(manifest('a.txt', 'other', ['c']), 2)).toBe(false);
      expect(await directory.findFile('public', 'a.txt')).toMatchObject({ fileId: 'f1', version: 2 });
      expect((await directory.getManifest(asFileId('f1'), 1))?.segments[0]?.listHash).toBe('a'.repeat(64));
      expect((await directory.getManifest(asFileId('f1'), 2))?.version).toBe(2);
      await directory.close();
    });

    it('removes every version and reports only lists no other file uses', async () => {
      const directory = create();
      await directory.commitVersion(manifest('a', 'f1', ['1', '2']), 0);
      await directory.commitVersion(manifest('a', 'f1', ['1', '3']), 1);
      await directory.commitVersion(manifest('b', 'f2', ['2']), 0);
      const removed = await directory.removeFile('public', 'a');
      expect(removed.versions).toBe(2);
      expect(removed.orphanLists.sort()).toEqual(['1'.repeat(64), '3'.repeat(64)]);
      expect(await directory.findFile('public', 'a')).toBeUndefined();
      expect((await directory.listFiles('public')).map((f) => f.name)).toEqual(['b']);
      expect(await directory.removeFile('public', 'a')).toEqual({ versions: 0, orphanLists: [] });
      await directory.close();
    });

    it('says which segment lists some file version uses', async () => {
      const directory = create();
      await directory.commitVersion(manifest('a', 'f1', ['1']), 0);
      await directory.commitVersion(manifest('a', 'f1', ['2']), 1);
      await directory.commitVersion(manifest('b', 'f2', ['3']), 0);
      const [one, two, three, four] = ['1', '2', '3', '4'].map((digit) => digit.repeat(64));
      expect([...(await directory.usedLists([one!, two!, three!, four!]))].sort()).toEqual([one, two, three]);
      await directory.removeFile('public', 'b');
      expect([...(await directory.usedLists([three!, one!]))]).toEqual([one]);
      expect((await directory.usedLists([])).size).toBe(0);
      await directory.close();
    });

    it('keeps drop orders per peer until they are cleared', async () => {
      const directory = create();
      await directory.queueDrops(asPeerId('p1'), ['a', 'b']);
      await directory.queueDrops(asPeerId('p1'), ['b', 'c']);
      await directory.queueDrops(asPeerId('p2'), ['z']);
      expect((await directory.pendingDrops(asPeerId('p1'))).sort()).toEqual(['a', 'b', 'c']);
      await directory.clearDrops(asPeerId('p1'), ['a', 'c']);
      expect(await directory.pendingDrops(asPeerId('p1'))).toEqual(['b']);
      expect(await directory.pendingDrops(asPeerId('p2'))).toEqual(['z']);
      await directory.close();
    });

    it('remembers peers', async () => {
      const directory = create();
      await directory.rememberPeer({ id: asPeerId('p1'), kind: 'node', capacity: 5, lastSeen: 9 });
      await directory.rememberPeer({ id: asPeerId('p1'), kind: 'node', capacity: 7, lastSeen: 10 });
      expect(await directory.knownPeers()).toEqual([{ id: 'p1', kind: 'node', capacity: 7, lastSeen: 10, label: undefined }]);
      await directory.close();
    });
  });
}

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
