/**
 * A peer whose disk fills (issue 17): its data directory is a 3 MiB tmpfs while it offers
 * 1 GiB, so its store runs out of disk, not of what it offers. Writes it cannot hold go to other
 * peers (ERR_QUOTA_EXCEEDED, then a fresh placement that passes over it) and the send succeeds
 * with every copy; whatever the master counts it as holding is whole (its scrub finds nothing
 * damaged), and the file reads back.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, TestMesh, type PeerProcess } from './harness.js';

const MIB = 1024 * 1024;

describe('a peer whose disk fills', () => {
  let mesh: TestMesh;
  let small: PeerProcess;
  let mountPoint = '';

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3 });
    mountPoint = join(mesh.root, 'small-disk');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint]);
    small = await mesh.startPeer(join(mountPoint, 'peer'), '1GiB', ['--scrub-every', '1s']);
    await mesh.waitForOnline(mesh.peers.map((peer) => peer.id));
  }, 120_000);

  afterAll(async () => {
    // Detached first (lazily: the peer still has files open on it), so the mesh's cleanup can remove the empty mount point.
    if (mountPoint) execFileSync('umount', ['-l', mountPoint]);
    await mesh?.close();
  });

  it('sends around it, counts it only for what it holds whole, and the file reads back', async () => {
    const file = mesh.writeFile(24 * MIB, 'big.bin');
    const sent = await mesh.cli(['send', file.path]);
    expect(sent.code, `${sent.stderr}\n${mesh.describe()}`).toBe(0);
    expect(sent.stdout).toContain('to 3 replicas');

    const state = await mesh.state();
    expect(state.peers.find((peer) => peer.id === small.id)).toMatchObject({ status: 'online', full: true });
    const { manifest } = await mesh.locate('big.bin');
    for (const segment of manifest.segments) expect(segment.holders).toHaveLength(3);
    // What it is counted for, its scrubs find whole (a few passes at one a second).
    await sleep(3_000);
    expect((await mesh.state()).repair.faults).toEqual([]);

    const out = mesh.outPath('big.bin');
    const received = await mesh.cli(['receive', 'big.bin', '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(file.bytes)).toBe(true);
  }, 120_000);
});
