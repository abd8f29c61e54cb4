import { describe, expect, it } from 'vitest';
import { asChunkHash, asFileId, asPeerId, ChunkCorruptError, HashRing, segmentKey, type Manifest, type PeerId, type PeerStatus } from '@meshdrive/core';
import { MemoryDirectory } from '../directory/memory-directory.js';
import { MemorySealReceipts } from '../state/memory-seal-receipts.js';
import type { Member } from '../state/membership.js';
import { Repair, type RepairOptions } from './repair.js';
import { FakeClock, FakeLink, testTickets } from './test-fakes.js';

const list = (digit: string): string => digit.repeat(64);
const SEGMENT = 1024 * 1024;

function manifest(name: string, segments: Record<string, string[]>): Manifest {
  return {
    fileId: asFileId(`id-${name}`),
    name,
    owner: 'alice',
    version: 1,
    size: Object.keys(segments).length * SEGMENT,
    chunkSize: 1024,
    segmentChunks: 1024,
    createdAt: 0,
    segments: Object.entries(segments).map(([digit, holders]) => ({ listHash: asChunkHash(list(digit)), plainSize: SEGMENT, storedSize: SEGMENT, holders: holders.map(asPeerId) })),
  };
}

/** A mesh of peers whose statuses the test sets, their links, and a repair over them. */
async function meshOf(ids: string[], options: Partial<RepairOptions> = {}) {
  const clock = new FakeClock(100_000);
  const directory = new MemoryDirectory();
  const receipts = new MemorySealReceipts();
  const statuses = new Map<string, PeerStatus>(ids.map((id) => [id, 'online']));
  const links = new Map(ids.map((id) => [id, new FakeLink(id)]));
  // A copy succeeds by default: the new holder reports its seal, as a real one does.
  for (const link of links.values()) link.copying = (order) => receipts.record(asPeerId(order.to), order.list, 1024, clock.now());
  const member = (id: string): Member => ({ id: asPeerId(id), kind: 'node', capacity: 0, connected: statuses.get(id) !== 'dead', paused: false, lastSeen: 0, stats: { chunks: 0, bytes: 0 }, status: statuses.get(id)! });
  const logs: string[] = [];
  const dropsTold: PeerId[] = [];
  const ringOf = (): HashRing => new HashRing([...statuses].filter(([, status]) => status === 'online').map(([id]) => ({ id: asPeerId(id), capacity: 1 })));
  const repair = new Repair({
    directory,
    members: () => Promise.resolve([...statuses.keys()].map(member)),
    ringFrom: (key) => ringOf().replicaSet(key, ringOf().size),
    // No rebalancing unless a test asks for it: placement points nowhere new.
    chains: () => Promise.resolve(() => []),
    dropsQueued: (peer) => dropsTold.push(peer),
    link: (peer) => (statuses.get(peer) === 'online' ? links.get(peer) : undefined),
    receipts,
    tickets: await testTickets(clock),
    clock,
    replication: 3,
    startedAt: 0,
    restartGraceMs: 0,
    log: (line) => logs.push(line),
    ...options,
  });
  /** Runs passes until no copy is in flight and nothing more starts. */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) {
      await repair.pass();
      await new Promise((resolve) => setTimeout(resolve, 5));
      clock.time += 3_000;
    }
  };
  const holders = async (digit: string): Promise<PeerId[]> => (await directory.segmentInfo([list(digit)])).get(list(digit))?.holders ?? [];
  return { clock, directory, receipts, statuses, links, repair, settle, holders, logs, dropsTold, ringOf };
}

describe('Repair', () => {
  it('copies every segment a dead peer held from a live holder to a new peer, and only then changes the rows', async () => {
    const mesh = await meshOf(['p1', 'p2', 'p3', 'p4', 'p5']);
    await mesh.directory.commitVersion(manifest('a', { 1: ['p1', 'p2', 'p3'], 2: ['p1', 'p3', 'p4'], 3: ['p2', 'p3', 'p4'] }), 0);
    mesh.statuses.set('p1', 'dead');
    await mesh.settle();
    for (const digit of ['1', '2']) {
      const now = await mesh.holders(digit);
      expect(now).not.toContain('p1');
      expect(now).toHaveLength(3);
    }
    expect(await mesh.holders('3')).toEqual(['p2', 'p3', 'p4']); // p1 held none of it: untouched
    const orders = [...mesh.links.values()].flatMap((link) => link.copyOrders.map((order) => ({ from: link.id, ...order })));
    expect(orders).toHaveLength(2);
    for (const order of orders) {
      expect(order.from).not.toBe('p1'); // never from the dead peer
      expect(order.ticket.client).toBe(order.from); // the holder writes, under a ticket naming it
      expect(order.ticket.chain).toEqual([order.to]);
    }
    expect(await mesh.directory.pendingDrops(asPeerId('p1'))).toEqual(expect.arrayContaining([list('1'), list('2')]));
    expect(mesh.repair.progress()).toMatchObject({ segments: 0, bytes: 0, copies: 2 });
  });

  it('leaves the rows alone while the new holder has not confirmed the copy itself', async () => {
    const mesh = await meshOf(['p1', 'p2', 'p3', 'p4']);
    await mesh.directory.commitVersion(manifest('a', { 1: ['p1', 'p2', 'p3'] }), 0);
    for (const link of mesh.links.values()) link.copying = () => Promise.resolve(); // acknowledged, but no receipt from the target
    mesh.statuses.set('p1', 'dead');
    await mesh.repair.pass();
    await new Promise((resolve) => setTimeout(resolve, 5_500)); // the receipt wait runs out
    expect(await mesh.holders('1')).toEqual(['p1', 'p2', 'p3']);
    expect(mesh.logs.some((line) => /never confirmed/.test(line))).toBe(true);
  }, 10_000);

  it('does nothing for a peer that is only stale, nor before remembered peers had time to rejoin', async () => {
    const mesh = await meshOf(['p1', 'p2', 'p3', 'p4', 'p5'], { startedAt: 100_000, restartGraceMs: 30_000 });
    await mesh.directory.commitVersion(manifest('a', { 1: ['p1', 'p2', 'p3'] }), 0);
    mesh.statuses.set('p1', 'dead'); // remembered from before the master started: never seen since
    mesh.statuses.set('p2', 'stale');
    await mesh.repair.pass();
    await mesh.repair.pass();
    expect([...mesh.links.values()].flatMap((link) => link.copyOrders)).toEqual([]);
    mesh.clock.time += 30_000;
    await mesh.settle();
    expect(await mesh.holders('1')).not.toContain('p1');
    expect(await mesh.holders('1')).toContain('p2'); // stale is not dead: its copy stays
  });

  it('repairs at once, within the restart grace, a peer seen alive since the master started', async () => {
    const mesh = await meshOf(['p1', 'p2', 'p3', 'p4'], { startedAt: 100_000, restartGraceMs: 30_000 });
    await mesh.directory.commitVersion(manifest('a', { 1: ['p1', 'p2', 'p3'] }), 0);
    await mesh.repair.pass(); // p1 seen online
    mesh.statuses.set('p1', 'dead');
    for (let i = 0; i < 5; i++) {
      await mesh.repair.pass();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await mesh.holders('1')).toEqual(['p4', 'p2', 'p3']);
  });

  it('repairs the segments with the fewest live copies first, a few at a time', async () => {
    const mesh = await meshOf(['p1', 'p2', 'p3', 'p4', 'p5', 'p6'], { parallel: 1 });
    await mesh.directory.commitVersion(manifest('a', { 1: ['p1', 'p2', 'p3'], 2: ['p1', 'p2', 'p4'], 3: ['p2', 'p5', 'p6'] }), 0);
    const started: string[] = [];
    for (const link of mesh.links.values()) {
      link.copying = async (order) => {
        started.push(order.list);
        await mesh.receipts.record(asPeerId(order.to), order.list, 1024, mesh.clock.now());
      };
    }
    mesh.statuses.set('p1', 'dead');
    mesh.statuses.set('p3', 'dead');
    await mesh.settle();
    // Segment 1 had one live copy (p2), segment 2 two: 1 first. Segment 3 lost nothing.
    expect(started[0]).toBe(list('1'));
    expect(started.filter((order) => order === list('1'))).toHaveLength(2);
    expect(started.filter((order) => order === list('3'))).toHaveLength(0);
    expect(await mesh.holders('1')).toHaveLength(3);
    expect((await mesh.holders('1')).filter((peer) => peer === 'p1' || peer === 'p3')).toEqual([]);
  });

  it('copies from another holder when one reports its copy corrupt, and to another peer when a copy fails', async () => {
    const mesh = await meshOf(['p1', 'p2', 'p3', 'p4', 'p5']);
    await mesh.directory.commitVersion(manifest('a', { 1: ['p1', 'p2', 'p3'] }), 0);
    mesh.links.get('p2')!.copying = () => Promise.reject(new ChunkCorruptError(list('1'), list('9')));
    mesh.links.get('p3')!.copying = () => Promise.reject(new ChunkCorruptError(list('1'), list('9')));
    mesh.statuses.set('p1', 'dead');
    await mesh.repair.pass();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const first = [...mesh.links.values()].find((link) => link.copyOrders.length > 0)!;
    // The holder that failed is avoided next time: the other one is asked.
    mesh.links.get(first.id === 'p2' ? 'p3' : 'p2')!.copying = (order) => mesh.receipts.record(asPeerId(order.to), order.list, 1024, mesh.clock.now());
    await mesh.settle();
    expect(await mesh.holders('1')).toHaveLength(3);
    expect(await mesh.holders('1')).not.toContain('p1');
    expect(mesh.logs.some((line) => /could not repair/.test(line))).toBe(true);
  });

  it('copies a segment a holder reports damaged from a good holder to another peer, and counts the fault', async () => {
    const mesh = await meshOf(['p1', 'p2', 'p3', 'p4']);
    await mesh.directory.commitVersion(manifest('a', { 1: ['p1', 'p2', 'p3'], 2: ['p2', 'p3', 'p4'] }), 0);
    await mesh.repair.damaged(asPeerId('p1'), [list('1'), list('2')]); // p1 holds no copy of 2: ignored
    expect(await mesh.holders('1')).toEqual(['p2', 'p3']);
    expect(await mesh.directory.pendingDrops(asPeerId('p1'))).toEqual([list('1')]);
    await mesh.settle();
    expect(await mesh.holders('1')).toEqual(['p2', 'p3', 'p4']); // not back to p1, whose copy was bad
    expect(await mesh.holders('2')).toEqual(['p2', 'p3', 'p4']);
    const orders = [...mesh.links.values()].flatMap((link) => link.copyOrders.map((order) => ({ from: link.id, ...order })));
    expect(orders.map((order) => order.from)).not.toContain('p1');
    expect(mesh.repair.progress().faults).toEqual([{ peer: 'p1', segments: 1 }]);
  });

  it('asks a rejoining peer what it lacks of what it is down for, and copies that again', async () => {
    const mesh = await meshOf(['p1', 'p2', 'p3', 'p4']);
    await mesh.directory.commitVersion(manifest('a', { 1: ['p1', 'p2', 'p3'], 2: ['p1', 'p3', 'p4'] }), 0);
    const p1 = mesh.links.get('p1')!;
    p1.lacks.add(list('2')); // lost while it was down
    await mesh.repair.reconcile(p1);
    expect(p1.holdingQuestions).toEqual([[list('1'), list('2')]]);
    await mesh.settle();
    expect(await mesh.holders('1')).toEqual(['p1', 'p2', 'p3']);
    expect(await mesh.holders('2')).toEqual(['p3', 'p4', 'p2']);
  });

  it('moves copies to a peer that joined and owns part of the ring, dropping the old copy only once the new one is confirmed', async () => {
    const mesh = await meshOf(['p1', 'p2', 'p3'], { chains: () => Promise.resolve((key: string) => mesh.ringOf().replicaSet(key, 3)) });
    const segments = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7', '8'].map((digit) => [digit, ['p1', 'p2', 'p3']]));
    await mesh.directory.commitVersion(manifest('a', segments), 0);
    await mesh.settle(); // nothing to move: the ring has only these three
    expect([...mesh.links.values()].flatMap((link) => link.copyOrders)).toEqual([]);

    // Every removal of a holder must leave the segment with R copies still.
    const remove = mesh.directory.removeHolder.bind(mesh.directory);
    let fewest = Number.POSITIVE_INFINITY;
    mesh.directory.removeHolder = async (list, peer) => {
      const before = (await mesh.directory.segmentInfo([list])).get(list)?.holders.length ?? 0;
      fewest = Math.min(fewest, before - 1);
      return remove(list, peer);
    };
    mesh.statuses.set('p4', 'online');
    mesh.links.set('p4', new FakeLink('p4'));
    await mesh.settle();
    const chains = mesh.ringOf();
    let moved = 0;
    for (const digit of Object.keys(segments)) {
      const holders = await mesh.holders(digit);
      expect(holders).toHaveLength(3);
      expect([...holders].sort(), mesh.logs.join('\n')).toEqual([...chains.replicaSet(segmentKey(asFileId('id-a'), Number(digit) - 1), 3)].sort());
      if (holders.includes(asPeerId('p4'))) moved++;
    }
    expect(moved, mesh.logs.join('\n')).toBeGreaterThan(0); // p4 owns a share of the ring now
    expect(fewest).toBe(3);
    expect(mesh.dropsTold.length).toBe(moved);
  });

  it('says which segments cannot be repaired while none of their holders is online', async () => {
    const mesh = await meshOf(['p1', 'p2', 'p3', 'p4']);
    await mesh.directory.commitVersion(manifest('a', { 1: ['p1', 'p2', 'p3'] }), 0);
    for (const id of ['p1', 'p2', 'p3']) mesh.statuses.set(id, 'dead');
    await mesh.repair.pass();
    expect(mesh.repair.progress()).toMatchObject({ segments: 0, unavailable: 1 });
    mesh.statuses.set('p2', 'online'); // one comes back: it is copied from
    await mesh.settle();
    expect(await mesh.holders('1')).toEqual(expect.arrayContaining(['p2', 'p4']));
    expect(mesh.repair.progress()).toMatchObject({ unavailable: 0 });
  });
});
