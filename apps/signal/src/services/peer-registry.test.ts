import { describe, expect, it } from 'vitest';
import { asChunkHash, asFileId, asPeerId, type PeerId } from '@meshdrive/core';
import { MemoryDirectory } from '../directory/memory-directory.js';
import { MemoryMembership } from '../state/memory-membership.js';
import { PeerRegistry, type PeerStatusEvent } from './peer-registry.js';
import { FakeClock, FakeLink } from './test-fakes.js';

const STALE_MS = 1_000;
const DEAD_MS = 5_000;
const info = (id: string, capacity = 1024 ** 3) => ({ id: asPeerId(id), kind: 'node' as const, capacity });

function setUp() {
  const clock = new FakeClock(100);
  const directory = new MemoryDirectory();
  const events: PeerStatusEvent[] = [];
  const connected = new Set<PeerId>();
  const registry = new PeerRegistry({
    membership: new MemoryMembership({ staleAfterMs: STALE_MS, deadAfterMs: DEAD_MS }),
    directory,
    clock,
    isConnected: (peer) => connected.has(peer),
    announce: (event) => events.push(event),
    log: () => undefined,
  });
  return { clock, directory, events, connected, registry };
}

describe('PeerRegistry', () => {
  it('lists the peers an earlier run knew as dead until they rejoin', async () => {
    const { directory, registry, events } = setUp();
    await directory.rememberPeer({ ...info('old'), lastSeen: 1 });
    await registry.restore();
    expect((await registry.peerViews(new Map(), new Map())).map((peer) => [peer.id, peer.status])).toEqual([['old', 'dead']]);
    await registry.joined(info('old'));
    expect(events).toEqual([{ id: 'old', status: 'online', connected: false }]);
  });

  it('announces a join, remembers the peer, and builds the ring of online peers', async () => {
    const { registry, events, connected, directory } = setUp();
    connected.add(asPeerId('a'));
    await registry.joined(info('a'));
    await registry.joined(info('b'));
    expect(events).toEqual([{ id: 'a', status: 'online', connected: true }, { id: 'b', status: 'online', connected: false }]);
    expect(registry.currentRing().members.map((member) => member.id)).toEqual(['a', 'b']);
    expect((await directory.knownPeers()).map((peer) => [peer.id, peer.lastSeen])).toEqual([['a', 100], ['b', 100]]);
  });

  it('tells everyone at once that a peer\'s socket closed, then that it is stale', async () => {
    const { registry, events } = setUp();
    await registry.joined(info('a'));
    events.length = 0;
    await registry.disconnected(asPeerId('a'));
    expect(events).toEqual([{ id: 'a', status: 'online', connected: false }, { id: 'a', status: 'stale', connected: false }]);
    expect(registry.currentRing().size).toBe(0);
  });

  it('applies a rejoin after the old socket\'s disconnect, in the order they were asked for', async () => {
    const { registry, events } = setUp();
    await registry.joined(info('a'));
    events.length = 0;
    // What the gateway does when the same id joins on a new socket: all three asked at once.
    const done = Promise.all([registry.disconnected(asPeerId('a')), registry.replaced(asPeerId('a')), registry.joined(info('a'))]);
    await done;
    expect(events.map((event) => `${event.status}/${event.connected}`)).toEqual(['online/false', 'stale/false', 'stale/false', 'online/false']);
    expect((await registry.statuses())(asPeerId('a'))).toBe('online');
  });

  it('runs heartbeat rounds on a fake clock: silence turns a peer stale then dead, an answer brings it back', async () => {
    const { registry, clock, events } = setUp();
    await registry.joined(info('a'));
    const link = new FakeLink('a');
    link.stats = { chunks: 3, bytes: 3072, full: true };
    await registry.heartbeat([link]);
    expect((await registry.peerViews(new Map(), new Map()))[0]).toMatchObject({ chunks: 3, bytes: 3072, full: true, lastSeen: 100 });

    link.stats = undefined;
    events.length = 0;
    clock.time = 100 + STALE_MS;
    await registry.heartbeat([link]);
    clock.time = 100 + DEAD_MS;
    await registry.heartbeat([link]);
    expect(events.map((event) => event.status)).toEqual(['stale', 'dead']);
    expect(registry.currentRing().size).toBe(0);

    link.stats = { chunks: 3, bytes: 3072 };
    await registry.heartbeat([link]);
    await registry.heartbeat([]);
    expect(events.map((event) => event.status)).toEqual(['stale', 'dead', 'online']);
    expect(link.beats).toEqual([1, 2, 3, 4]);
  });

  it('shows as each peer\'s backups the peers that hold copies of the segments it is primary for', async () => {
    const { registry, directory } = setUp();
    for (const id of ['a', 'b', 'c']) await registry.joined(info(id));
    const segment = (digit: string, holders: string[]) => ({ listHash: asChunkHash(digit.repeat(64)), plainSize: 1, storedSize: 1, holders: holders.map(asPeerId) });
    await directory.commitVersion({
      fileId: asFileId('f'), name: 'f', owner: 'public', version: 0, size: 3, chunkSize: 1024, segmentChunks: 1, createdAt: 0,
      segments: [segment('1', ['a', 'b', 'c']), segment('2', ['a', 'c']), segment('3', ['b', 'a'])],
    }, 0);
    const backups = Object.fromEntries((await registry.peerViews(new Map(), new Map())).map((peer) => [peer.id, peer.backups]));
    expect(backups).toEqual({
      a: [{ peer: 'c', segments: 2 }, { peer: 'b', segments: 1 }],
      b: [{ peer: 'a', segments: 1 }],
      c: [],
    });
  });

  it('shows what each peer holds: segments as primary and as backup, and the files the catalogue found on it', async () => {
    const { registry, directory } = setUp();
    for (const id of ['a', 'b']) await registry.joined(info(id));
    const segment = (digit: string, holders: string[]) => ({ listHash: asChunkHash(digit.repeat(64)), plainSize: 1, storedSize: 1, holders: holders.map(asPeerId) });
    await directory.commitVersion({
      fileId: asFileId('f'), name: 'f', owner: 'public', version: 0, size: 2, chunkSize: 1024, segmentChunks: 1, createdAt: 0,
      segments: [segment('1', ['a', 'b']), segment('2', ['a'])],
    }, 0);
    const heldFiles = new Map([[asPeerId('a'), { files: [{ name: 'f', segments: 2, indices: [0, 1] }], moreFiles: 0 }]]);
    const holds = Object.fromEntries((await registry.peerViews(new Map(), heldFiles)).map((peer) => [peer.id, peer.holds]));
    expect(holds).toEqual({
      a: { primary: 2, backup: 0, files: [{ name: 'f', segments: 2, indices: [0, 1] }], moreFiles: 0 },
      b: { primary: 0, backup: 1, files: [], moreFiles: 0 },
    });
  });

  it('shows a peer\'s new name from its heartbeat, without a rejoin, and what it runs on from its join', async () => {
    const { registry } = setUp();
    await registry.joined({ ...info('tab'), kind: 'browser', device: 'Chromium on Linux' });
    const link = new FakeLink('tab');
    link.stats = { chunks: 0, bytes: 0, label: 'Kitchen laptop' };
    await registry.heartbeat([link]);
    expect((await registry.peerViews(new Map(), new Map()))[0]).toMatchObject({ label: 'Kitchen laptop', device: 'Chromium on Linux' });
  });
});
