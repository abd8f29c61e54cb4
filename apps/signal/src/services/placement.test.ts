import { describe, expect, it } from 'vitest';
import {
  asFileId,
  asPeerId,
  FileLockedError,
  LockLapsedError,
  segmentKey,
  SendExpiredError,
  UnconfirmedSegmentError,
  ValidationError,
  VersionConflictError,
  VersionNotFoundError,
  type CommitRequest,
  type PeerId,
} from '@meshdrive/core';
import { MemoryDirectory } from '../directory/memory-directory.js';
import { MemoryMembership } from '../state/memory-membership.js';
import { MemorySealReceipts } from '../state/memory-seal-receipts.js';
import { MemorySendLeases } from '../state/memory-send-leases.js';
import { MemoryLocks } from '../state/memory-locks.js';
import { LockService } from './lock-service.js';
import { PeerRegistry } from './peer-registry.js';
import { Placement } from './placement.js';
import { FakeClock, FakeLink, testTickets } from './test-fakes.js';

const GRACE_MS = 1_000;
const CLIENT = asPeerId('client');
const layout = { chunkSize: 1024, segmentChunks: 4 };
/** Four segments of 4 KiB. */
const SIZE = 4 * 4096;
/** Versions kept per file. */
const KEEP = 3;

async function setUp(peers: string[], replication = 3) {
  const clock = new FakeClock(1_000);
  const directory = new MemoryDirectory();
  const registry = new PeerRegistry({
    membership: new MemoryMembership({ staleAfterMs: 1_000, deadAfterMs: 5_000 }),
    directory,
    clock,
    isConnected: () => true,
    announce: () => undefined,
    log: () => undefined,
  });
  for (const id of peers) await registry.joined({ id: asPeerId(id), kind: 'node', capacity: 1024 ** 3 });
  const leases = new MemorySendLeases({ graceMs: GRACE_MS, maxOpenMs: 10_000 });
  const lines: string[] = [];
  const receipts = new MemorySealReceipts();
  const locks = new LockService({ locks: new MemoryLocks(() => directory.nextFence()), clock, log: () => undefined });
  const dropsFor: string[] = [];
  const placement = new Placement({ directory, registry, leases, clock, replication, receipts, tickets: await testTickets(clock), receiptWaitMs: 0, locks, keepVersions: KEEP, dropsQueued: (peer) => dropsFor.push(peer), log: (line) => lines.push(line) });
  return { clock, directory, registry, leases, placement, lines, receipts, locks, dropsFor };
}

/** Every holder of every segment tells the master it sealed it, as real peers do. */
async function sealed(receipts: MemorySealReceipts, segments: PeerId[][], chunks = 4): Promise<void> {
  for (const [index, holders] of segments.entries()) {
    for (const holder of holders) await receipts.record(holder, String(index).repeat(64), chunks, 0);
  }
}

function commitOf(fileId: string, segments: PeerId[][], baseVersion = 0, name = 'a.bin'): CommitRequest {
  return {
    fileId, name, baseVersion, size: SIZE, ...layout,
    segments: segments.map((holders, index) => ({ listHash: String(index).repeat(64), plainSize: 4096, storedSize: 4096, holders })),
  };
}

describe('Placement', () => {
  it('keeps a copy of every segment on a durable peer while one is online, whatever the ring says', async () => {
    const { registry, placement } = await setUp([]);
    for (const id of ['tab-1', 'tab-2', 'tab-3']) await registry.joined({ id: asPeerId(id), kind: 'browser', capacity: 1024 ** 3 });
    await registry.joined({ id: asPeerId('memory'), kind: 'node', capacity: 1024 ** 3, volatile: true });
    await registry.joined({ id: asPeerId('disk'), kind: 'node', capacity: 1024 ** 3 });
    const { segments } = await placement.place(CLIENT, 'public', { name: 'a.bin', size: 64 * 4096, ...layout });
    expect(segments).toHaveLength(64);
    for (const chain of segments) {
      expect(chain).toHaveLength(3);
      expect(new Set(chain).size).toBe(3);
      expect(chain).toContain('disk');
    }
    // Without a durable peer online the ring alone decides.
    const tabsOnly = await setUp([]);
    for (const id of ['tab-1', 'tab-2', 'tab-3']) await tabsOnly.registry.joined({ id: asPeerId(id), kind: 'browser', capacity: 1024 ** 3 });
    const { segments: bare } = await tabsOnly.placement.place(CLIENT, 'public', { name: 'b.bin', size: SIZE, ...layout });
    expect(bare.every((chain) => chain.length === 3 && new Set(chain).size === 3)).toBe(true);
  });

  it('places each segment on R distinct online peers, primary first, as the ring says', async () => {
    const { placement, registry } = await setUp(['p1', 'p2', 'p3', 'p4']);
    const placed = await placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, ...layout });
    expect(placed).toMatchObject({ baseVersion: 0, replication: 3 });
    expect(placed.segments).toHaveLength(4);
    placed.segments.forEach((replicas, index) => {
      expect(new Set(replicas).size).toBe(3);
      expect(replicas).toEqual(registry.currentRing().replicaSet(segmentKey(placed.fileId, index), 3));
    });
  });

  it('places on fewer replicas when fewer peers are online, and on none without peers', async () => {
    expect((await (await setUp(['p1', 'p2'])).placement.place(CLIENT, 'public', { name: 'a', size: 1, ...layout })).replication).toBe(2);
    const empty = await (await setUp([])).placement.place(CLIENT, 'public', { name: 'a', size: SIZE, ...layout });
    expect(empty).toMatchObject({ replication: 0, segments: [[], [], [], []] });
  });

  it('passes over a full peer while enough others are online, and uses it when they are not', async () => {
    const { placement, registry, clock } = await setUp(['p1', 'p2', 'p3', 'p4']);
    const full = new FakeLink('p1');
    full.stats = { chunks: 1, bytes: 1, full: true };
    const others = ['p2', 'p3', 'p4'].map((id) => new FakeLink(id));
    clock.time += 10;
    await registry.heartbeat([full, ...others]);
    const placed = await placement.place(CLIENT, 'public', { name: 'big.bin', size: 64 * 4096, ...layout });
    expect(placed.segments.flat()).not.toContain('p1');
    expect(placed.segments.every((replicas) => replicas.length === 3)).toBe(true);

    const tight = await setUp(['p1', 'p2', 'p3']);
    const fullAgain = new FakeLink('p1');
    fullAgain.stats = { chunks: 1, bytes: 1, full: true };
    await tight.registry.heartbeat([fullAgain, new FakeLink('p2'), new FakeLink('p3')]);
    const crowded = await tight.placement.place(CLIENT, 'public', { name: 'big.bin', size: 64 * 4096, ...layout });
    expect(crowded.segments.every((replicas) => replicas.length === 3)).toBe(true);
  });

  it('commits a version built on the placed one, and the next write builds on it', async () => {
    const { placement, directory, clock, lines, receipts } = await setUp(['p1', 'p2', 'p3']);
    const placed = await placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, ...layout });
    await sealed(receipts, placed.segments);
    clock.time = 2_345;
    const summary = await placement.commit(CLIENT, 'public', commitOf(placed.fileId, placed.segments));
    expect(summary).toEqual({ fileId: placed.fileId, name: 'a.bin', size: SIZE, version: 1, createdAt: 2_345, replicas: 3, wanted: 3 });
    expect(lines).toEqual([`stored "a.bin" v1 (${SIZE} bytes)`]);
    expect((await directory.getManifest(placed.fileId, 1))?.segments.map((segment) => segment.holders)).toEqual(placed.segments);

    const again = await placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, ...layout });
    expect(again).toMatchObject({ fileId: placed.fileId, baseVersion: 1 });
    await expect(placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, fileId: 'someone-else', ...layout })).rejects.toMatchObject({ code: VersionConflictError.code });
  });

  it('refuses a commit with the wrong number of segments, or built on a stale version', async () => {
    const { placement, receipts } = await setUp(['p1', 'p2', 'p3']);
    const placed = await placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, ...layout });
    await sealed(receipts, placed.segments);
    await expect(placement.commit(CLIENT, 'public', commitOf(placed.fileId, placed.segments.slice(1)))).rejects.toMatchObject({ code: ValidationError.code });
    await placement.commit(CLIENT, 'public', commitOf(placed.fileId, placed.segments));
    await placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, fileId: placed.fileId, ...layout });
    await expect(placement.commit(CLIENT, 'public', commitOf(placed.fileId, placed.segments, 0))).rejects.toMatchObject({ code: VersionConflictError.code });
  });

  it('refuses holders that never confirmed a seal, a chunk count they did not report, and forged sizes', async () => {
    const { placement, receipts } = await setUp(['p1', 'p2', 'p3']);
    const placed = await placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, ...layout });
    await expect(placement.commit(CLIENT, 'public', commitOf(placed.fileId, placed.segments))).rejects.toMatchObject({ code: UnconfirmedSegmentError.code });
    await sealed(receipts, placed.segments, 3);
    await expect(placement.commit(CLIENT, 'public', commitOf(placed.fileId, placed.segments))).rejects.toThrow(/with 3 chunks, not the 4/);
    await sealed(receipts, placed.segments);
    const ghost = placed.segments.map((holders, index) => (index === 0 ? [...holders.slice(0, 2), asPeerId('nobody')] : holders));
    await expect(placement.commit(CLIENT, 'public', commitOf(placed.fileId, ghost))).rejects.toThrow(/peer nobody never confirmed storing segment 0/);
    const forged = commitOf(placed.fileId, placed.segments);
    forged.segments[0]!.plainSize = 300 * 1024;
    await expect(placement.commit(CLIENT, 'public', forged)).rejects.toMatchObject({ code: ValidationError.code });
    await expect(placement.commit(CLIENT, 'public', commitOf(placed.fileId, placed.segments))).resolves.toMatchObject({ version: 1 });
  });

  it('refuses a write to a file someone else has locked, before and after the bytes move, and takes one under the lock', async () => {
    const { placement, receipts, locks, directory } = await setUp(['p1', 'p2', 'p3']);
    const placed = await placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, ...layout });
    await sealed(receipts, placed.segments);
    const grant = await locks.lock('public', { user: 'public', device: 'laptop', client: 'other' }, { name: 'a.bin', ttlMs: 5_000 });
    await expect(placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, ...layout })).rejects.toThrow(/"a\.bin" is locked by public \(laptop\) until/);
    await expect(placement.commit(CLIENT, 'public', commitOf(placed.fileId, placed.segments))).rejects.toMatchObject({ code: FileLockedError.code });
    await expect(placement.commit(CLIENT, 'public', { ...commitOf(placed.fileId, placed.segments), lock: grant.token + 1 })).rejects.toMatchObject({ code: LockLapsedError.code });
    await expect(placement.commit(CLIENT, 'public', { ...commitOf(placed.fileId, placed.segments), lock: grant.token })).resolves.toMatchObject({ version: 1 });
    expect((await directory.findFile('public', 'a.bin'))?.fence).toBe(grant.token);
  });

  it('refuses a commit under a lease that lapsed, even after the next holder wrote (the directory checks the fencing token)', async () => {
    const { placement, receipts, locks, clock } = await setUp(['p1', 'p2', 'p3']);
    const first = await locks.lock('public', { user: 'public', device: 'a', client: 'a' }, { name: 'a.bin', ttlMs: 1_000 });
    const late = await placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, ...layout, lock: first.token });
    await sealed(receipts, late.segments);
    clock.time += 1_000; // the first holder's lease lapses
    await locks.tick();
    const second = await locks.lock('public', { user: 'public', device: 'b', client: 'b' }, { name: 'a.bin', ttlMs: 1_000 });
    expect(second.token).toBeGreaterThan(first.token);
    await expect(placement.commit(CLIENT, 'public', { ...commitOf(late.fileId, late.segments), lock: first.token })).rejects.toMatchObject({ code: LockLapsedError.code });
    const next = await placement.place(asPeerId('b'), 'public', { name: 'a.bin', size: SIZE, ...layout, lock: second.token });
    await placement.commit(asPeerId('b'), 'public', { ...commitOf(next.fileId, next.segments), lock: second.token });
  });

  it('keeps the newest versions, has the holders of segments only older ones named drop them, and restores a kept version without moving a byte', async () => {
    const { placement, receipts, directory, dropsFor } = await setUp(['p1', 'p2', 'p3']);
    const placed = await placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, ...layout });
    // Version v names segment lists v, v, v, v+4 ... : each version has one list of its own (index 3).
    for (let version = 1; version <= KEEP + 2; version++) {
      const commit = commitOf(placed.fileId, placed.segments, version - 1);
      commit.segments[3]!.listHash = String.fromCharCode(96 + version).repeat(64);
      for (const holder of placed.segments[3]!) await receipts.record(holder, commit.segments[3]!.listHash, 4, 0);
      await sealed(receipts, placed.segments);
      await placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, ...layout, fileId: placed.fileId });
      await placement.commit(CLIENT, 'public', commit);
    }
    const kept = (await directory.listVersions(asFileId(placed.fileId))).map((version) => version.version);
    expect(kept).toEqual([5, 4, 3]);
    // Versions 1 and 2 each named one list nothing else names: their holders are told to drop them.
    expect(new Set(dropsFor)).toEqual(new Set(placed.segments[3]));
    expect(await directory.pendingDrops(placed.segments[3]![0]!)).toEqual(expect.arrayContaining(['a'.repeat(64), 'b'.repeat(64)]));

    const restored = await placement.restore('public', { name: 'a.bin', version: 3, baseVersion: 5 });
    expect(restored.version).toBe(6);
    expect((await directory.getManifest(asFileId(placed.fileId), 6))?.segments[3]?.listHash).toBe('c'.repeat(64));
    await expect(placement.restore('public', { name: 'a.bin', version: 1, baseVersion: 6 })).rejects.toMatchObject({ code: VersionNotFoundError.code });
    await expect(placement.restore('public', { name: 'a.bin', version: 4, baseVersion: 5 })).rejects.toMatchObject({ code: VersionConflictError.code });
  });

  it('refuses the commit of a send that expired while its client was gone', async () => {
    const { placement, leases, clock, receipts } = await setUp(['p1', 'p2', 'p3']);
    const placed = await placement.place(CLIENT, 'public', { name: 'a.bin', size: SIZE, ...layout });
    await sealed(receipts, placed.segments);
    await placement.clientDisconnected(CLIENT);
    clock.time += GRACE_MS;
    await leases.oldestOpenSend(clock.now()); // the sweep finds it over its time
    await placement.clientConnected(CLIENT);
    await expect(placement.commit(CLIENT, 'public', commitOf(placed.fileId, placed.segments))).rejects.toMatchObject({ code: SendExpiredError.code });
  });

  it('hands the disconnect and connect of a rejoin to a slow lease store in the order they happened', async () => {
    const { directory, registry, clock } = await setUp(['a']);
    const order: string[] = [];
    const slow = new MemorySendLeases({ graceMs: GRACE_MS, maxOpenMs: 10_000 });
    // A shared store (issue 20) answers later; here the disconnect is the slower of the two.
    const leases = Object.assign(Object.create(slow) as MemorySendLeases, {
      disconnected: async (client: string, now: number) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push('disconnected');
        return slow.disconnected(client, now);
      },
      connected: async (client: string) => {
        order.push('connected');
        return slow.connected(client);
      },
    });
    const locks = new LockService({ locks: new MemoryLocks(() => directory.nextFence()), clock, log: () => undefined });
    const placement = new Placement({ directory, registry, leases, clock, replication: 3, receipts: new MemorySealReceipts(), tickets: await testTickets(clock), locks, keepVersions: KEEP, dropsQueued: () => undefined, log: () => undefined });
    await Promise.all([placement.clientDisconnected(CLIENT), placement.clientConnected(CLIENT)]);
    expect(order).toEqual(['disconnected', 'connected']);
  });
});

