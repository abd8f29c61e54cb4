/**
 * `meshdrive rm`: the file leaves the listing and its chunks leave the peers, including a peer
 * that was down when the file was removed (the master keeps the order until it rejoins), while
 * chunks another file still uses stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealedChunkCount, TestMesh } from './harness.js';

/** Each file's sealed chunks and its one chunk list. */
const KEPT_CHUNKS = sealedChunkCount(300 * 1024) + 1;
const DOOMED_CHUNKS = sealedChunkCount(500 * 1024) + 1;

const KIB = 1024;

describe('removing files', () => {
  let mesh: TestMesh;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3 });
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  const chunkCounts = async (): Promise<number[]> => (await mesh.state()).peers.filter((peer) => peer.status === 'online').map((peer) => peer.chunks).sort();

  it('frees the chunks of a removed file on every replica, even one that was down at the time', async () => {
    const kept = mesh.writeFile(300 * KIB, 'kept.bin');
    expect((await mesh.cli(['send', kept.path])).code).toBe(0);
    // One chunk list plus 300 chunks on each of the 3 peers.
    const baseline = await mesh.waitForState('the kept file on every peer', (state) => (state.peers.every((peer) => peer.chunks === KEPT_CHUNKS) ? state : undefined));
    expect(baseline.peers).toHaveLength(3);

    const doomed = mesh.writeFile(500 * KIB, 'doomed.bin');
    expect((await mesh.cli(['send', doomed.path])).code).toBe(0);
    await mesh.waitForState('the doomed file on every peer', (state) => (state.peers.every((peer) => peer.chunks === KEPT_CHUNKS + DOOMED_CHUNKS) ? state : undefined));

    const absent = mesh.peers[0]!;
    await absent.daemon.kill('SIGKILL');
    const removed = await mesh.cli(['rm', 'doomed.bin']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('removed "doomed.bin" (1 version)');
    const listed = await mesh.cli(['ls', '--json']);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((file) => file.name)).toEqual(['kept.bin']);
    await mesh.waitForState('the live peers back to the kept file only', async () => {
      const counts = await chunkCounts();
      return counts.length === 2 && counts.every((count) => count === KEPT_CHUNKS) ? counts : undefined;
    });

    const back = await mesh.startPeer(absent.dataDir);
    expect(back.id).toBe(absent.id);
    await mesh.waitForState('the returning peer to drop its copy', (state) =>
      state.peers.find((peer) => peer.id === absent.id && peer.status === 'online' && peer.chunks === KEPT_CHUNKS) ? state : undefined);

    const out = mesh.outPath('kept.bin');
    expect((await mesh.cli(['receive', 'kept.bin', '--out', out])).code).toBe(0);
    const again = await mesh.cli(['receive', 'doomed.bin', '--out', mesh.outPath('doomed.bin')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no file named "doomed.bin"');
  }, 120_000);
});
