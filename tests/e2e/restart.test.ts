/**
 * Restarts: a disk peer comes back as the same peer with the same chunks (after SIGTERM and
 * after SIGKILL), a mesh with every replica down fails cleanly and recovers, and a master
 * killed with SIGKILL comes back on the same data directory and port with every file, while
 * the peers rejoin by themselves.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLineError, sealedChunkCount, TestMesh } from './harness.js';

const MIB = 1024 * 1024;
const FILE_SIZE = 2 * MIB + 7;
/** 2 MiB + 7 B in 1 KiB chunks, plus one chunk list per segment. */
const FILE_CHUNKS = sealedChunkCount(FILE_SIZE) + 3;
/** Generous: a few connection attempts that each fail on the master's first answer. */
const RECEIVE_FAILS_WITHIN_MS = 15_000;

describe('restarts', () => {
  let mesh: TestMesh;
  let original: Buffer;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3 });
    const file = mesh.writeFile(FILE_SIZE, 'keep.bin');
    original = file.bytes;
    const sent = await mesh.cli(['send', file.path]);
    expect(sent.code, sent.stderr).toBe(0);
    await mesh.waitForState('every peer reporting the file\'s chunks', (state) =>
      state.peers.every((peer) => peer.chunks === FILE_CHUNKS) ? state : undefined);
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  async function expectReceives(what: string): Promise<void> {
    const out = mesh.outPath('keep.bin');
    const received = await mesh.cli(['receive', 'keep.bin', '--out', out]);
    expect(received.code, `${what}: ${received.stderr}\n${mesh.describe()}`).toBe(0);
    expect(readFileSync(out).equals(original), `${what}: keep.bin came back different`).toBe(true);
  }

  it('a peer stopped with SIGTERM exits cleanly and comes back with the same id and chunks', async () => {
    const peer = mesh.peers[0]!;
    await peer.daemon.kill('SIGTERM');
    expect(await peer.daemon.exited).toEqual({ code: 0, signal: null });
    await mesh.waitForState(`peer ${peer.id.slice(0, 8)} to leave`, (state) =>
      state.peers.some((known) => known.id === peer.id && known.status !== 'online') ? state : undefined);

    const again = await mesh.startPeer(peer.dataDir);
    expect(again.id).toBe(peer.id);
    expect(again.daemon.stdout).toContain(`storing in ${peer.dataDir}`);
    const state = await mesh.waitForState('the restarted peer to report its chunks', (candidate) =>
      candidate.peers.find((known) => known.id === peer.id && known.status === 'online' && known.chunks === FILE_CHUNKS) ? candidate : undefined);
    expect(state.peers).toHaveLength(3);
  }, 60_000);

  it('a peer killed with SIGKILL comes back with the same id and alone serves the file', async () => {
    const [survivor, ...others] = mesh.peers as [typeof mesh.peers[0], ...typeof mesh.peers];
    await survivor.daemon.kill('SIGKILL');
    const again = await mesh.startPeer(survivor.dataDir);
    expect(again.id).toBe(survivor.id);
    await mesh.waitForState('the restarted peer to report its chunks', (state) =>
      state.peers.find((known) => known.id === survivor.id && known.status === 'online' && known.chunks === FILE_CHUNKS) ? state : undefined);
    expect((await mesh.state()).peers).toHaveLength(3);

    // With the other replicas gone, every byte must come from the restarted peer's disk.
    for (const other of others) await other.daemon.kill('SIGKILL');
    await expectReceives('only the restarted peer online');

    for (const other of others) expect((await mesh.startPeer(other.dataDir)).id).toBe(other.id);
    await mesh.waitForOnline(mesh.peers.map((peer) => peer.id));
  }, 90_000);

  it('with every replica down, receive and send fail with one clear line, then recover', async () => {
    for (const peer of mesh.peers) await peer.daemon.kill('SIGKILL');
    await mesh.waitForState('no peer online', (state) => (state.peers.every((peer) => peer.status !== 'online') ? state : undefined));

    const out = mesh.outPath('keep.bin');
    const started = Date.now();
    const received = await mesh.cli(['receive', 'keep.bin', '--out', out]);
    // Dialing a peer the master knows is gone must fail at once, not after connect timeouts.
    expect(Date.now() - started, 'receive with no replica online should fail fast').toBeLessThan(RECEIVE_FAILS_WITHIN_MS);
    expect(received.code).toBe(1);
    expect(oneLineError(received)).toMatch(/^meshdrive: every replica of segment \d+ of "keep\.bin" failed/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(mesh.filesDir).filter((name) => name.includes('partial'))).toEqual([]);

    const file = mesh.writeFile(100, 'nowhere.bin');
    const sent = await mesh.cli(['send', file.path]);
    expect(sent.code).toBe(1);
    expect(oneLineError(sent)).toMatch(/^meshdrive: no storage peers are online/);

    for (const peer of [...mesh.peers]) expect((await mesh.startPeer(peer.dataDir)).id).toBe(peer.id);
    await mesh.waitForOnline(mesh.peers.map((peer) => peer.id));
    await expectReceives('after every peer restarted');
  }, 90_000);

  it('a master killed with SIGKILL restarts on its data directory and port; peers rejoin by themselves', async () => {
    const port = mesh.port;
    const peerIds = mesh.peers.map((peer) => peer.id);
    const joinsBefore = mesh.peers.map((peer) => peer.daemon.stdout.match(/ joined /g)?.length ?? 0);
    await mesh.master.kill('SIGKILL');
    for (const peer of mesh.peers) await peer.daemon.waitForOutput(/lost the master; reconnecting/);

    await mesh.startMaster(port);
    expect(mesh.port).toBe(port);
    const state = await mesh.waitForOnline(peerIds);
    expect(state.peers.map((peer) => peer.id).sort()).toEqual([...peerIds].sort());
    mesh.peers.forEach((peer, i) => {
      expect(peer.daemon.alive).toBe(true);
      expect(peer.daemon.stdout.match(/ joined /g)?.length, 'peers rejoined without a restart').toBeGreaterThan(joinsBefore[i]!);
    });
    await mesh.waitForState('keep.bin listed with 3 live replicas', (candidate) =>
      candidate.files.find((file) => file.name === 'keep.bin' && file.size === FILE_SIZE && file.version === 1 && file.replicas === 3));

    const ls = await mesh.cli(['ls']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^keep\.bin\s+2\.00 MiB\s+v1\s+3\/3/m);
    await expectReceives('after the master restarted');

    // The directory still knows versions: sending the name again makes version 2.
    const changed = Buffer.from(original);
    changed[0] = changed[0]! ^ 1;
    const file = mesh.writeFile(changed, 'keep.bin');
    const sent = await mesh.cli(['send', file.path]);
    expect(sent.code, sent.stderr).toBe(0);
    // The changed chunk and the header chunk holding its nonce.
    expect(sent.stdout).toMatch(new RegExp(`^stored "keep\\.bin" v2: .*\\(2 of ${sealedChunkCount(FILE_SIZE)} chunks new\\)`, 'm'));
    original = changed;
    await expectReceives('version 2 after the master restarted');
  }, 90_000);
});
