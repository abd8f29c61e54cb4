import { describe, expect, it } from 'vitest';
import { asChunkHash, asFileId, asPeerId, FileNotFoundError,
  VersionNotFoundError, MAX_HELD_FILES, MAX_HELD_SEGMENT_INDICES, ringPosition, segmentKey, type Manifest, type PeerId } from '@meshdrive/core';
import { MemoryDirectory } from '../directory/memory-directory.js';
import { MemoryMembership } from '../state/memory-membership.js';
import { atRiskByPeer, Catalogue, heldFilesByPeer, segmentPositions, summarize } from './catalogue.js';
import { PeerRegistry } from './peer-registry.js';
import { FakeClock, FakeLink, testTickets } from './test-fakes.js';

const STALE_MS = 1_000;
const DEAD_MS = 5_000;
const list = (digit: string): string => digit.repeat(64);

function manifest(name: string, fileId: string, segments: [string, string[]][], createdAt = 7): Manifest {
  return {
    fileId: asFileId(fileId), name, owner: 'public', version: 0, size: segments.length * 10, chunkSize: 1024, segmentChunks: 1024, createdAt,
    segments: segments.map(([digit, holders]) => ({ listHash: asChunkHash(list(digit)), plainSize: 10, storedSize: 10, holders: holders.map(asPeerId) })),
  };
}

async function setUp() {
  const clock = new FakeClock(0);
  const directory = new MemoryDirectory();
  const registry = new PeerRegistry({
    membership: new MemoryMembership({ staleAfterMs: STALE_MS, deadAfterMs: DEAD_MS }),
    directory,
    clock,
    isConnected: () => true,
    announce: () => undefined,
    log: () => undefined,
  });
  for (const id of ['p1', 'p2', 'p3']) await registry.joined({ id: asPeerId(id), kind: 'node', capacity: 1 });
  const lines: string[] = [];
  const catalogue = new Catalogue({ directory, registry, tickets: await testTickets(clock), log: (line) => lines.push(line) });
  return { clock, directory, registry, catalogue, lines };
}

describe('Catalogue', () => {
  it('lists files with the fewest live holders over their segments', async () => {
    const { catalogue, directory, registry, clock } = await setUp();
    await directory.commitVersion(manifest('a', 'f1', [['1', ['p1', 'p2', 'p3']], ['2', ['p2', 'p3']]]), 0);
    await directory.commitVersion(manifest('empty', 'f2', []), 0);
    expect(await catalogue.list('public')).toEqual([
      { fileId: 'f1', name: 'a', owner: 'public', size: 20, version: 1, createdAt: 7, replicas: 2, wanted: 3 },
      { fileId: 'f2', name: 'empty', owner: 'public', size: 0, version: 1, createdAt: 7, replicas: 0, wanted: 0 },
    ]);
    // p3 falls silent: stale still counts, dead does not.
    const answering = [new FakeLink('p1'), new FakeLink('p2')];
    clock.time = STALE_MS;
    await registry.heartbeat(answering);
    expect((await catalogue.list())[0]).toMatchObject({ replicas: 2, wanted: 3 });
    clock.time = DEAD_MS;
    await registry.heartbeat(answering);
    expect((await catalogue.list())[0]).toMatchObject({ replicas: 1, wanted: 3 });
    expect(await catalogue.list('nobody')).toEqual([]);
  });

  it('locates a version with the status of every holder', async () => {
    const { catalogue, directory } = await setUp();
    await directory.commitVersion(manifest('a', 'f1', [['1', ['p1', 'gone']]]), 0);
    await directory.commitVersion(manifest('a', 'f1', [['2', ['p2']]]), 1);
    const latest = await catalogue.locate(asPeerId('client'), 'public', { name: 'a' });
    expect(latest.manifest).toMatchObject({ version: 2, segments: [{ listHash: list('2'), holders: ['p2'] }] });
    expect(latest.status).toEqual({ p2: 'online' });
    expect((await catalogue.locate(asPeerId('client'), 'public', { name: 'a', version: 1 })).status).toEqual({ p1: 'online', gone: 'dead' });
    await expect(catalogue.locate(asPeerId('client'), 'public', { name: 'b' })).rejects.toMatchObject({ code: FileNotFoundError.code });
    await expect(catalogue.locate(asPeerId('client'), 'public', { name: 'a', version: 3 })).rejects.toMatchObject({ code: VersionNotFoundError.code, message: expect.stringContaining('"a" has no version 3') as unknown });
  });

  it('removes a file with a drop plan for the segments no other file uses', async () => {
    const { catalogue, directory, lines } = await setUp();
    await directory.commitVersion(manifest('a', 'f1', [['1', ['p1', 'p2']], ['2', ['p2', 'p3']]]), 0);
    await directory.commitVersion(manifest('a', 'f1', [['1', ['p1', 'p2']], ['3', ['p3']]]), 1);
    await directory.commitVersion(manifest('b', 'f2', [['2', ['p2', 'p3']]]), 0);
    const { removed, drops } = await catalogue.remove('public', 'a');
    expect(removed).toBe(2);
    expect(Object.fromEntries(drops.map((drop) => [drop.peer, [...drop.lists].sort()]))).toEqual({ p1: [list('1')], p2: [list('1')], p3: [list('3')] });
    expect(lines).toEqual(['removed "a" (2 versions)']);
    await expect(catalogue.remove('public', 'a')).rejects.toMatchObject({ code: FileNotFoundError.code });
  });

  it('keeps a peer\'s drops queued until it confirms them', async () => {
    const { catalogue, directory } = await setUp();
    await directory.commitVersion(manifest('a', 'f1', [['1', ['p1']]]), 0);
    await catalogue.remove('public', 'a');
    const peer = new FakeLink('p1');
    await catalogue.deliverDrops(peer.id, undefined); // offline: nothing sent, still queued
    peer.confirms = false;
    await catalogue.deliverDrops(peer.id, peer);
    expect(await directory.pendingDrops(peer.id)).toEqual([list('1')]);
    peer.confirms = true;
    await catalogue.deliverDrops(peer.id, peer);
    expect(peer.dropOrders).toEqual([[list('1')], [list('1')]]);
    expect(await directory.pendingDrops(peer.id)).toEqual([]);
    await catalogue.deliverDrops(peer.id, peer);
    expect(peer.dropOrders).toHaveLength(2);
  });

  it('counts a segment placed on more peers than the file was written for as healthy, not more', () => {
    const file = { fileId: asFileId('f1'), name: 'a', version: 2, size: 1, createdAt: 1, wanted: 3, holders: [[asPeerId('p1'), asPeerId('p2'), asPeerId('p3'), asPeerId('p4')], [asPeerId('p1'), asPeerId('p2')]] };
    expect(summarize(file, () => 'online')).toMatchObject({ replicas: 2, wanted: 3 });
    expect(summarize({ ...file, holders: [file.holders[0]!] }, () => 'online')).toMatchObject({ replicas: 3, wanted: 3 });
  });

  it('counts, per peer, the files its leaving would put below their replicas and those it alone keeps a segment of', () => {
    const [p1, p2, p3, p4] = ['p1', 'p2', 'p3', 'p4'].map(asPeerId) as [PeerId, PeerId, PeerId, PeerId];
    const file = (name: string, wanted: number, holders: PeerId[][]) => ({ fileId: asFileId(name), name, version: 1, size: 1, createdAt: 1, wanted, holders });
    const dead = new Set([p4]);
    const risk = atRiskByPeer(
      [
        file('healthy', 3, [[p1, p2, p3]]), // at R: any one leaving lowers it
        file('spare', 2, [[p1, p2, p3]]), // one more than wanted: nobody's leaving lowers it
        file('alone', 3, [[p1, p4], [p2, p3, p1]]), // p4 dead: p1 holds segment 0 alone
      ],
      (peer) => (dead.has(peer) ? 'dead' : 'online'),
    );
    expect(risk.get(p1)).toEqual({ files: 2, soleCopies: 1 });
    expect(risk.get(p2)).toEqual({ files: 2, soleCopies: 0 });
    expect(risk.get(p4)).toBeUndefined();
  });

  it('lists, per peer, the files it holds segments of, most first, with their segment numbers, within bounds', () => {
    const [p1, p2] = ['p1', 'p2'].map(asPeerId) as [PeerId, PeerId];
    const file = (name: string, holders: PeerId[][]) => ({ name, holders });
    const many = Array.from({ length: MAX_HELD_SEGMENT_INDICES + 8 }, () => [p1]);
    const held = heldFilesByPeer([file('b.txt', [[p1, p2], [p2, p1], [p2]]), file('a.txt', [[p2]]), file('big.iso', many)]);
    expect(held.get(p2)).toEqual({
      files: [{ name: 'b.txt', segments: 3, indices: [0, 1, 2] }, { name: 'a.txt', segments: 1, indices: [0] }],
      moreFiles: 0,
    });
    const p1Files = held.get(p1)!.files;
    expect(p1Files.map((entry) => [entry.name, entry.segments])).toEqual([['big.iso', MAX_HELD_SEGMENT_INDICES + 8], ['b.txt', 2]]);
    expect(p1Files[0]!.indices).toHaveLength(MAX_HELD_SEGMENT_INDICES);
    expect(held.has(asPeerId('p3'))).toBe(false);

    const crowd = heldFilesByPeer(Array.from({ length: MAX_HELD_FILES + 3 }, (_, i) => file(`f${String(i).padStart(2, '0')}`, [[p1]])));
    expect(crowd.get(p1)!.files).toHaveLength(MAX_HELD_FILES);
    expect(crowd.get(p1)!.moreFiles).toBe(3);
  });

  it('puts each segment on the ring at its placement key, thinned evenly beyond the bound', () => {
    const file = (fileId: string, segments: number) => ({ fileId: asFileId(fileId), holders: Array.from({ length: segments }, () => [asPeerId('p1')]) });
    expect(segmentPositions([file('f1', 2), file('f2', 1)])).toEqual([
      ringPosition(segmentKey('f1', 0)), ringPosition(segmentKey('f1', 1)), ringPosition(segmentKey('f2', 0)),
    ]);
    const thinned = segmentPositions([file('f1', 25)], 10);
    expect(thinned).toHaveLength(9); // every third of 25
    expect(thinned[1]).toBe(ringPosition(segmentKey('f1', 3)));
  });

  it('gives the mesh view, per peer, the viewer\'s files it holds and where their segments sit', async () => {
    const { catalogue, directory } = await setUp();
    await directory.commitVersion(manifest('mine.txt', 'f1', [['1', ['p1', 'p2']]]), 0);
    await directory.commitVersion({ ...manifest('theirs.txt', 'f2', [['2', ['p1']]]), owner: 'alice' }, 0);
    const overview = await catalogue.overview('public');
    expect(overview.heldFiles.get(asPeerId('p1'))?.files.map((entry) => entry.name)).toEqual(['mine.txt']);
    expect(overview.segmentPositions).toEqual([ringPosition(segmentKey('f1', 0))]);
    // What alice's file puts at risk still counts: p1 alone holds it.
    expect(overview.atRisk.get(asPeerId('p1'))).toMatchObject({ soleCopies: 1 });
  });
});
