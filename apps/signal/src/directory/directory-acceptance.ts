/**
 * The acceptance suite every Directory passes: memory and SQLite here, PostgreSQL later. It
 * depends on the Directory interface alone. Call it from a test file:
 *
 * @example
 * runDirectoryTests('SqliteDirectory', () => new SqliteDirectory(tempDir()));
 */
import { describe, expect, it } from 'vitest';
import { asChunkHash, asFileId, asPeerId, segmentKey, type Manifest } from '@meshdrive/core';
import type { Directory } from './directory.js';

export type DirectoryFactory = () => Directory | Promise<Directory>;

/** A list hash made of one repeated character. */
const list = (digit: string): string => digit.repeat(64);

/** A manifest of `lists` (one segment each), every segment held by `holders`. */
function manifest(name: string, fileId: string, lists: string[], holders: string[] = ['p1'], owner = 'public'): Manifest {
  return {
    fileId: asFileId(fileId),
    name,
    owner,
    version: 0,
    size: lists.length,
    chunkSize: 1024,
    segmentChunks: 1024,
    createdAt: 1,
    segments: lists.map((digit) => ({ listHash: asChunkHash(list(digit)), plainSize: 1, storedSize: 1, holders: holders.map(asPeerId) })),
  };
}

export function runDirectoryTests(name: string, factory: DirectoryFactory): void {
  describe(`${name} (directory acceptance)`, () => {
    async function withDirectory(test: (directory: Directory) => Promise<void>): Promise<void> {
      const directory = await factory();
      try {
        await test(directory);
      } finally {
        await directory.close();
      }
    }

    it('commits versions with compare-and-set', () => withDirectory(async (directory) => {
      expect(await directory.commitVersion(manifest('a.txt', 'f1', ['a']), 0)).toBe(true);
      expect(await directory.commitVersion(manifest('a.txt', 'f1', ['b']), 0)).toBe(false);
      expect(await directory.commitVersion(manifest('a.txt', 'f1', ['b']), 1)).toBe(true);
      expect(await directory.commitVersion(manifest('a.txt', 'other', ['c']), 2)).toBe(false);
      expect(await directory.findFile('public', 'a.txt')).toMatchObject({ fileId: 'f1', version: 2 });
      expect((await directory.getManifest(asFileId('f1'), 1))?.segments[0]?.listHash).toBe('a'.repeat(64));
      expect((await directory.getManifest(asFileId('f1'), 2))?.version).toBe(2);
      expect(await directory.getManifest(asFileId('f1'), 3)).toBeUndefined();
    }));

    it('gives back a manifest as committed: layout, codec, plain and stored sizes, holders primary first', () => withDirectory(async (directory) => {
      const written: Manifest = {
        ...manifest('c.bin', 'f1', []),
        size: 3000,
        chunkSize: 512,
        segmentChunks: 4,
        createdAt: 1234,
        codec: 'zstd',
        segments: [
          { listHash: asChunkHash(list('1')), plainSize: 2048, storedSize: 1500, holders: [asPeerId('p2'), asPeerId('p1'), asPeerId('p3')] },
          { listHash: asChunkHash(list('2')), plainSize: 952, storedSize: 952, holders: [asPeerId('p3'), asPeerId('p2')] },
        ],
      };
      expect(await directory.commitVersion(written, 0)).toBe(true);
      expect(await directory.getManifest(asFileId('f1'), 1)).toEqual({ ...written, version: 1 });
      const plain = { ...manifest('d.bin', 'f2', ['3']) };
      await directory.commitVersion(plain, 0);
      expect(await directory.getManifest(asFileId('f2'), 1)).not.toHaveProperty('codec');
    }));

    it('lists files with their latest version\'s size, time and holders, per owner or all', () => withDirectory(async (directory) => {
      await directory.commitVersion(manifest('b', 'f2', ['1', '2'], ['p1', 'p2']), 0);
      await directory.commitVersion({ ...manifest('a', 'f1', ['3']), size: 10, createdAt: 5 }, 0);
      await directory.commitVersion({ ...manifest('a', 'f1', ['4', '5', '6'], ['p3']), size: 20, createdAt: 7 }, 1);
      await directory.commitVersion(manifest('z', 'f3', [], [], 'alice'), 0);
      expect(await directory.listFiles('public')).toEqual([
        { fileId: 'f1', name: 'a', owner: 'public', version: 2, fence: 0, size: 20, createdAt: 7, wanted: 1, holders: [['p3'], ['p3'], ['p3']] },
        { fileId: 'f2', name: 'b', owner: 'public', version: 1, fence: 0, size: 2, createdAt: 1, wanted: 2, holders: [['p1', 'p2'], ['p1', 'p2']] },
      ]);
      expect((await directory.listFiles()).map((file) => `${file.owner}/${file.name}`)).toEqual(['alice/z', 'public/a', 'public/b']);
      expect((await directory.listFiles('alice'))[0]).toMatchObject({ name: 'z', holders: [] });
      expect(await directory.listFiles('nobody')).toEqual([]);
    }));

    it('keeps one row per holder of a segment, shared by every version that names it', () => withDirectory(async (directory) => {
      await directory.commitVersion(manifest('a', 'f1', ['1', '2'], ['p1', 'p2']), 0);
      // Version 2 keeps segment 1 but found it on p3 and p1 (the ring changed): p3 joins its holders.
      await directory.commitVersion(manifest('a', 'f1', ['1', '3'], ['p3', 'p1']), 1);
      const holders = async (version: number) => (await directory.getManifest(asFileId('f1'), version))?.segments.map((segment) => segment.holders);
      expect(await holders(1)).toEqual([['p1', 'p2', 'p3'], ['p1', 'p2']]);
      expect(await holders(2)).toEqual([['p1', 'p2', 'p3'], ['p3', 'p1']]);
      expect(await directory.segmentsHeldBy(asPeerId('p1'))).toEqual([list('1'), list('2'), list('3')]);
      expect(await directory.segmentsHeldBy(asPeerId('p3'))).toEqual([list('1'), list('3')]);
      expect(await directory.segmentsHeldBy(asPeerId('nobody'))).toEqual([]);
    }));

    it('replaces one holder of a segment in place, in every version that names it', () => withDirectory(async (directory) => {
      await directory.commitVersion(manifest('a', 'f1', ['1', '2'], ['p1', 'p2', 'p3']), 0);
      await directory.commitVersion(manifest('b', 'f2', ['1'], ['p1', 'p2', 'p3']), 0);
      expect(await directory.replaceHolder(list('1'), asPeerId('p1'), asPeerId('p4'))).toBe(true);
      expect((await directory.getManifest(asFileId('f1'), 1))?.segments.map((segment) => segment.holders)).toEqual([['p4', 'p2', 'p3'], ['p1', 'p2', 'p3']]);
      expect((await directory.getManifest(asFileId('f2'), 1))?.segments[0]?.holders).toEqual(['p4', 'p2', 'p3']);
      expect(await directory.segmentsHeldBy(asPeerId('p1'))).toEqual([list('2')]);
      expect(await directory.segmentsHeldBy(asPeerId('p4'))).toEqual([list('1')]);
      // A peer that does not hold the segment cannot be replaced; one that holds it already is not added twice.
      expect(await directory.replaceHolder(list('1'), asPeerId('p1'), asPeerId('p5'))).toBe(false);
      expect(await directory.replaceHolder(list('2'), asPeerId('p3'), asPeerId('p1'))).toBe(true);
      expect((await directory.getManifest(asFileId('f1'), 1))?.segments[1]?.holders).toEqual(['p1', 'p2']);
      expect((await directory.listFiles()).map((file) => file.holders)).toEqual([[['p4', 'p2', 'p3'], ['p1', 'p2']], [['p4', 'p2', 'p3']]]);
    }));

    it('queues a replaced holder to drop its copy, adds a holder last, and tells repair each segment\'s holders and size', () => withDirectory(async (directory) => {
      await directory.commitVersion(manifest('a', 'f1', ['1', '2'], ['p1', 'p2', 'p3']), 0);
      await directory.replaceHolder(list('1'), asPeerId('p1'), asPeerId('p4'));
      expect(await directory.pendingDrops(asPeerId('p1'))).toEqual([list('1')]);
      expect(await directory.pendingDrops(asPeerId('p4'))).toEqual([]);
      expect(await directory.removeHolder(list('2'), asPeerId('p3'))).toBe(true);
      expect(await directory.removeHolder(list('2'), asPeerId('p3'))).toBe(false);
      expect(await directory.pendingDrops(asPeerId('p3'))).toEqual([list('2')]);
      expect(await directory.addHolder(list('2'), asPeerId('p3'))).toBe(true);
      expect(await directory.addHolder(list('2'), asPeerId('p5'))).toBe(true);
      expect(await directory.addHolder(list('2'), asPeerId('p5'))).toBe(false);
      expect(await directory.addHolder(list('9'), asPeerId('p5'))).toBe(false); // no such segment
      const info = await directory.segmentInfo([list('1'), list('2'), list('9')]);
      expect(info.get(list('1'))?.holders).toEqual(['p4', 'p2', 'p3']);
      expect(info.get(list('2'))?.holders).toEqual(['p1', 'p2', 'p3', 'p5']); // p3 back, last
      expect(info.get(list('1'))?.storedSize).toBeGreaterThan(0);
      expect(info.has(list('9'))).toBe(false);
    }));

    it('keeps the replicas each version was written with, however many peers share its segments', () => withDirectory(async (directory) => {
      // v2 keeps segment 1 but is placed after the ring changed; another file holds the same bytes elsewhere.
      await directory.commitVersion(manifest('a', 'f1', ['1'], ['p1', 'p2', 'p3']), 0);
      await directory.commitVersion(manifest('a', 'f1', ['1', '2'], ['p4', 'p2', 'p3']), 1);
      await directory.commitVersion(manifest('b', 'f2', ['1'], ['p5', 'p6']), 0);
      const [a, b] = await directory.listFiles('public');
      expect(a).toMatchObject({ name: 'a', version: 2, wanted: 3 });
      expect(b).toMatchObject({ name: 'b', wanted: 2 });
      // Every peer holding segment 1 is a holder, for reads and repair.
      expect(a!.holders[0]).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    }));

    it('counts, for each primary, the segments each other holder keeps a copy of', () => withDirectory(async (directory) => {
      await directory.commitVersion(manifest('a', 'f1', ['1', '2'], ['p1', 'p2', 'p3']), 0);
      await directory.commitVersion(manifest('b', 'f2', ['3'], ['p2', 'p1']), 0);
      await directory.commitVersion(manifest('c', 'f3', ['1'], ['p3', 'p1']), 0); // segment 1 again: p1 stays its primary
      const counts = (await directory.backupCounts()).sort((a, b) => `${a.primary}${a.backup}`.localeCompare(`${b.primary}${b.backup}`));
      expect(counts).toEqual([
        { primary: 'p1', backup: 'p2', segments: 2 },
        { primary: 'p1', backup: 'p3', segments: 2 },
        { primary: 'p2', backup: 'p1', segments: 1 },
      ]);
    }));

    it('counts, for every peer, the segments it is primary of and those it backs up, each segment once', () => withDirectory(async (directory) => {
      await directory.commitVersion(manifest('a', 'f1', ['1', '2'], ['p1', 'p2', 'p3']), 0);
      await directory.commitVersion(manifest('b', 'f2', ['3'], ['p2', 'p1']), 0);
      await directory.commitVersion(manifest('c', 'f3', ['1'], ['p3', 'p4']), 0); // segment 1 again: p1 stays its primary, p4 joins
      // p2 leaves segment 3 to p1, which held it second: p1 is its primary now, from the second position.
      await directory.replaceHolder(list('3'), asPeerId('p2'), asPeerId('p1'));
      // p1 leaves segment 2 to p5, which takes its place as primary.
      await directory.replaceHolder(list('2'), asPeerId('p1'), asPeerId('p5'));
      const counts = (await directory.holdingCounts()).sort((a, b) => a.peer.localeCompare(b.peer));
      expect(counts).toEqual([
        { peer: 'p1', primary: 2, backup: 0 },
        { peer: 'p2', primary: 0, backup: 2 },
        { peer: 'p3', primary: 0, backup: 2 },
        { peer: 'p4', primary: 0, backup: 1 },
        { peer: 'p5', primary: 1, backup: 0 },
      ]);
      await directory.removeFile('public', 'b');
      expect((await directory.holdingCounts()).find((count) => count.peer === 'p1')).toEqual({ peer: 'p1', primary: 1, backup: 0 });
    }));

    it('removes every version and orders drops only of lists no other file uses, from every holder', () => withDirectory(async (directory) => {
      await directory.commitVersion(manifest('a', 'f1', ['1', '2'], ['p1', 'p2']), 0);
      await directory.commitVersion(manifest('a', 'f1', ['1', '3'], ['p3']), 1);
      await directory.commitVersion(manifest('b', 'f2', ['2'], ['p1']), 0);
      const removed = await directory.removeFile('public', 'a');
      expect(removed.versions).toBe(2);
      expect([...new Set(removed.drops.flatMap((drop) => drop.lists))].sort()).toEqual(['1'.repeat(64), '3'.repeat(64)]);
      const plan = Object.fromEntries(removed.drops.map((drop) => [drop.peer, [...drop.lists].sort()]));
      expect(plan).toEqual({ p1: [list('1')], p2: [list('1')], p3: [list('1'), list('3')] });
      expect(await directory.findFile('public', 'a')).toBeUndefined();
      expect((await directory.listFiles('public')).map((f) => f.name)).toEqual(['b']);
      expect(await directory.getManifest(asFileId('f1'), 1)).toBeUndefined();
      // The lists still used keep their holders; the dropped ones have none left.
      expect(await directory.segmentsHeldBy(asPeerId('p1'))).toEqual([list('2')]);
      expect(await directory.segmentsHeldBy(asPeerId('p3'))).toEqual([]);
      expect(await directory.removeFile('public', 'a')).toEqual({ versions: 0, drops: [] });
    }));

    it('walks every segment in list order, each with the placement key of its first naming', () => withDirectory(async (directory) => {
      await directory.commitVersion(manifest('b', 'f2', ['3', '1'], ['p2']), 0);
      await directory.commitVersion(manifest('a', 'f1', ['1', '2'], ['p1']), 0);
      const first = await directory.segmentsAfter('', 2);
      expect(first.map(([list]) => list)).toEqual([list('1'), list('2')]);
      // Segment 1 is named by f1 (index 0) and f2 (index 1): f1 comes first.
      expect(first[0]![1]).toMatchObject({ key: segmentKey(asFileId('f1'), 0), holders: ['p2', 'p1'] });
      expect((await directory.segmentsAfter(list('2'), 2)).map(([segment, info]) => [segment, info.key])).toEqual([[list('3'), segmentKey(asFileId('f2'), 0)]]);
      expect(await directory.segmentsAfter(list('3'), 2)).toEqual([]);
    }));

    it('knows only the segments some file version uses', () => withDirectory(async (directory) => {
      await directory.commitVersion(manifest('a', 'f1', ['1']), 0);
      await directory.commitVersion(manifest('a', 'f1', ['2']), 1);
      await directory.commitVersion(manifest('b', 'f2', ['3']), 0);
      const [one, two, three, four] = ['1', '2', '3', '4'].map((digit) => digit.repeat(64));
      expect([...(await directory.segmentInfo([one!, two!, three!, four!])).keys()].sort()).toEqual([one, two, three]);
      await directory.removeFile('public', 'b');
      expect([...(await directory.segmentInfo([three!, one!])).keys()]).toEqual([one]);
      expect((await directory.segmentInfo([])).size).toBe(0);
    }));

    it('keeps drop orders per peer until they are cleared', () => withDirectory(async (directory) => {
      await directory.commitVersion(manifest('a', 'f1', ['a', 'b'], ['p1']), 0);
      await directory.commitVersion(manifest('b', 'f2', ['c'], ['p1']), 0);
      await directory.commitVersion(manifest('z', 'f3', ['z'], ['p2']), 0);
      await directory.removeFile('public', 'a');
      await directory.removeFile('public', 'b');
      await directory.removeFile('public', 'z');
      const [a, b, c, z] = ['a', 'b', 'c', 'z'].map(list);
      expect((await directory.pendingDrops(asPeerId('p1'))).sort()).toEqual([a, b, c]);
      await directory.clearDrops(asPeerId('p1'), [a!, c!]);
      expect(await directory.pendingDrops(asPeerId('p1'))).toEqual([b]);
      expect(await directory.pendingDrops(asPeerId('p2'))).toEqual([z]);
      await directory.clearDrops(asPeerId('p2'), []);
      expect(await directory.pendingDrops(asPeerId('p2'))).toEqual([z]);
      expect(await directory.pendingDrops(asPeerId('p3'))).toEqual([]);
    }));

    it('refuses a commit whose lock fencing token is older than one a commit already carried', () => withDirectory(async (directory) => {
      expect(await directory.commitVersion(manifest('a', 'f1', ['a']), 0, 5)).toBe(true);
      expect((await directory.findFile('public', 'a'))?.fence).toBe(5);
      // A writer whose lease lapsed (token 4) after the next holder (5) committed: refused.
      expect(await directory.commitVersion(manifest('a', 'f1', ['b']), 1, 4)).toBe(false);
      // Without a lock the fence is kept; with a newer token it grows.
      expect(await directory.commitVersion(manifest('a', 'f1', ['b']), 1)).toBe(true);
      expect(await directory.commitVersion(manifest('a', 'f1', ['c']), 2, 9)).toBe(true);
      expect(await directory.findFile('public', 'a')).toMatchObject({ version: 3, fence: 9 });
    }));

    it('gives fencing tokens that only grow', () => withDirectory(async (directory) => {
      const tokens = [await directory.nextFence(), await directory.nextFence(), await directory.nextFence()];
      expect(tokens[0]).toBeGreaterThan(0);
      expect(tokens[1]).toBeGreaterThan(tokens[0]!);
      expect(tokens[2]).toBeGreaterThan(tokens[1]!);
    }));

    it('lists kept versions newest first, and prunes all but the newest K, dropping only segments no kept version names', () => withDirectory(async (directory) => {
      // Versions 1-4 of one file: 'a' is in every version, 'b' only in 1, 'c' in 2 and 3, 'd' in 4; 'b' also in another file.
      await directory.commitVersion({ ...manifest('f', 'f1', ['a', 'b'], ['p1', 'p2']), createdAt: 10 }, 0);
      await directory.commitVersion({ ...manifest('f', 'f1', ['a', 'c'], ['p1', 'p2']), createdAt: 20 }, 1);
      await directory.commitVersion({ ...manifest('f', 'f1', ['a', 'c'], ['p1']), createdAt: 30, sealed: 'abc' }, 2);
      await directory.commitVersion({ ...manifest('f', 'f1', ['a', 'd', 'e'], ['p3']), createdAt: 40 }, 3);
      await directory.commitVersion(manifest('g', 'f2', ['b'], ['p1']), 0);
      expect(await directory.listVersions(asFileId('f1'))).toEqual([
        { version: 4, size: 3, createdAt: 40 },
        { version: 3, size: 2, createdAt: 30, sealed: 'abc' },
        { version: 2, size: 2, createdAt: 20 },
        { version: 1, size: 2, createdAt: 10 },
      ]);
      expect(await directory.pruneVersions(asFileId('f1'), 4)).toEqual({ versions: 0, drops: [] });
      const pruned = await directory.pruneVersions(asFileId('f1'), 2);
      expect(pruned.versions).toBe(2);
      // 'c' is still named by version 3, 'b' by file g, 'a' by 3 and 4: nothing to drop yet.
      expect(pruned.drops).toEqual([]);
      expect((await directory.listVersions(asFileId('f1'))).map((version) => version.version)).toEqual([4, 3]);
      expect(await directory.getManifest(asFileId('f1'), 1)).toBeUndefined();
      const last = await directory.pruneVersions(asFileId('f1'), 1);
      expect(last.versions).toBe(1);
      expect(last.drops.map((drop) => ({ ...drop, lists: [...drop.lists].sort() })).sort((x, y) => (x.peer < y.peer ? -1 : 1))).toEqual([
        { peer: 'p1', lists: [list('c')] },
        { peer: 'p2', lists: [list('c')] },
      ]);
      expect((await directory.pendingDrops(asPeerId('p2')))).toEqual([list('c')]);
      expect((await directory.getManifest(asFileId('f1'), 4))?.segments.map((segment) => segment.holders)).toEqual([['p1', 'p2', 'p3'], ['p3'], ['p3']]);
      expect((await directory.findFile('public', 'f'))?.version).toBe(4);
      expect((await directory.segmentInfo([list('c')])).size).toBe(0);
    }));

    it('shares a file with users, lists it for them with their file key, and forgets shares and keys with the share, the version or the file', () => withDirectory(async (directory) => {
      await directory.commitVersion(manifest('doc', 'f1', ['a'], ['p1'], 'ada'), 0);
      await directory.commitVersion(manifest('doc', 'f1', ['b'], ['p1'], 'ada'), 1);
      await directory.commitVersion(manifest('other', 'f2', ['c'], ['p1'], 'ada'), 0);
      await directory.putShare({ owner: 'ada', name: 'doc', user: 'bob', write: false });
      await directory.putShare({ owner: 'ada', name: 'doc', user: 'cy', write: true });
      await directory.putShare({ owner: 'ada', name: 'doc', user: 'bob', write: true }); // access changed
      await directory.putShareKeys(asFileId('f1'), [{ version: 1, user: 'bob', key: 'k1-bob' }, { version: 2, user: 'bob', key: 'k2-bob' }, { version: 2, user: 'cy', key: 'k2-cy' }, { version: 9, user: 'bob', key: 'no-such-version' }, { version: 2, user: 'ada', key: 'k2-ada' }]);
      // Version 2 as if a user it is shared with wrote it: its owner's listing carries the key sealed to them.
      expect((await directory.listFiles('ada')).find((file) => file.name === 'doc')?.ownerKey).toBe('k2-ada');
      expect((await directory.listFiles('ada')).find((file) => file.name === 'other')?.ownerKey).toBeUndefined();
      expect(await directory.sharesOf('ada', 'doc')).toEqual([{ owner: 'ada', name: 'doc', user: 'bob', write: true }, { owner: 'ada', name: 'doc', user: 'cy', write: true }]);
      expect(await directory.shareKeys(asFileId('f1'), 'bob')).toEqual(new Map([[1, 'k1-bob'], [2, 'k2-bob']]));
      const shared = await directory.sharedWith('bob');
      expect(shared).toHaveLength(1);
      expect(shared[0]).toMatchObject({ owner: 'ada', name: 'doc', version: 2, write: true, shareKey: 'k2-bob', holders: [['p1']] });
      expect(await directory.sharedWith('dan')).toEqual([]);
      expect(await directory.listFiles('bob')).toEqual([]);

      await directory.pruneVersions(asFileId('f1'), 1);
      expect(await directory.shareKeys(asFileId('f1'), 'bob')).toEqual(new Map([[2, 'k2-bob']]));
      expect(await directory.removeShare('ada', 'doc', 'bob')).toBe(true);
      expect(await directory.removeShare('ada', 'doc', 'bob')).toBe(false);
      expect(await directory.sharedWith('bob')).toEqual([]);
      expect((await directory.shareKeys(asFileId('f1'), 'bob')).size).toBe(0);
      expect(await directory.shareKeys(asFileId('f1'), 'cy')).toEqual(new Map([[2, 'k2-cy']]));

      await directory.removeFile('ada', 'doc');
      expect(await directory.sharesOf('ada', 'doc')).toEqual([]);
      expect(await directory.sharedWith('cy')).toEqual([]);
      // A new file of the same name is not shared.
      await directory.commitVersion(manifest('doc', 'f3', ['d'], ['p1'], 'ada'), 0);
      expect(await directory.sharedWith('cy')).toEqual([]);
      expect((await directory.shareKeys(asFileId('f1'), 'cy')).size).toBe(0);
    }));

    it('remembers peers', () => withDirectory(async (directory) => {
      await directory.rememberPeer({ id: asPeerId('p1'), kind: 'node', capacity: 5, lastSeen: 9 });
      await directory.rememberPeer({ id: asPeerId('p1'), kind: 'node', capacity: 7, lastSeen: 10 });
      expect(await directory.knownPeers()).toEqual([{ id: 'p1', kind: 'node', capacity: 7, lastSeen: 10, label: undefined }]);
      await directory.rememberPeer({ id: asPeerId('p2'), kind: 'browser', capacity: 1, label: 'tab', lastSeen: 11 });
      expect((await directory.knownPeers()).find((peer) => peer.id === 'p2')).toEqual({ id: 'p2', kind: 'browser', capacity: 1, label: 'tab', lastSeen: 11 });
    }));
  });
}
