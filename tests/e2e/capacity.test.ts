/**
 * `--capacity` on a disk peer: the peer refuses writes past it with ERR_QUOTA_EXCEEDED and
 * says it is full on its next heartbeat; the client retries the refused segments and the master
 * places them on the other peers, so the send still succeeds with every copy.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestMesh, type PeerProcess } from './harness.js';

const MIB = 1024 * 1024;
/**
 * At 1 MiB the small peer has the ring's fewest virtual nodes (8 against 64), so only about one
 * segment in six lists it among 3 replicas of 4 peers: 48 segments make sure some do.
 */
const FILE_MIB = 48;

describe('a peer out of the space it offers', () => {
  let mesh: TestMesh;
  let small: PeerProcess;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3 });
    small = await mesh.startPeer(undefined, '1MiB');
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('stores no more than it offers, and sends are placed around it', async () => {
    const file = mesh.writeFile(FILE_MIB * MIB, 'large.bin');
    const sent = await mesh.cli(['send', file.path]);
    expect(sent.code, `${sent.stderr}\n${JSON.stringify((await mesh.state()).peers)}`).toBe(0);
    expect(sent.stdout).toContain('to 3 replicas');
    const state = await mesh.state();
    const held = state.peers.find((peer) => peer.id === small.id)!;
    expect(held.status).toBe('online');
    expect(held.full).toBe(true);
    expect(state.peers.filter((peer) => peer.full)).toHaveLength(1); // a relayed refusal marks no one else
    expect(held.bytes).toBeLessThan(MIB);
    expect((await mesh.cli(['status'])).stdout).toMatch(new RegExp(`${small.id.slice(0, 8)}\\s+node\\s+online, full`));
    const others = state.peers.filter((peer) => peer.id !== small.id);
    // Every segment has 3 copies; those the small peer could not take went to the other three.
    expect(others.reduce((sum, peer) => sum + peer.bytes, 0) + held.bytes).toBeGreaterThanOrEqual(3 * FILE_MIB * MIB);

    const out = mesh.outPath('large.bin');
    const received = await mesh.cli(['receive', 'large.bin', '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(file.bytes)).toBe(true);
  }, 120_000);
});

describe('a mesh without room for a file', () => {
  let mesh: TestMesh;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 0 });
    for (let i = 0; i < 3; i++) await mesh.startPeer(undefined, '3MiB');
    await mesh.waitForOnline(mesh.peers.map((peer) => peer.id));
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('refuses the send before a byte moves, in one line, and takes a file that fits', async () => {
    const big = mesh.writeFile(4 * MIB, 'too-big.bin'); // 12 MiB with its copies; the peers offer 9
    const refused = await mesh.cli(['send', big.path]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/out of space: the mesh has [\d.]+ MiB free on 3 peers; "too-big.bin" needs 12\.0 MiB/);
    expect((await mesh.state()).peers.every((peer) => peer.chunks === 0)).toBe(true);

    const fits = mesh.writeFile(MIB, 'fits.bin');
    const sent = await mesh.cli(['send', fits.path]);
    expect(sent.code, sent.stderr).toBe(0);
  }, 60_000);
});
