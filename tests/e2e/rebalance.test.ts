/**
 * Rebalancing on join (issue 17): a file placed on three peers; two more join and own part of
 * the ring; the master moves copies to them, peer to peer, never leaving a segment with fewer
 * than 3, and the peers that no longer own a copy free it. The file reads back throughout.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestMesh, waitFor } from './harness.js';

const MIB = 1024 * 1024;

describe('peers joining a mesh that holds data', () => {
  let mesh: TestMesh;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3 });
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('receive the copies they now own, and the old holders free theirs', async () => {
    const file = mesh.writeFile(12 * MIB, 'spread.bin');
    const sent = await mesh.cli(['send', file.path]);
    expect(sent.code, sent.stderr).toBe(0);
    const first = mesh.peers.map((peer) => peer.id as string);
    const joined = [await mesh.startPeer(), await mesh.startPeer()];

    let fewest = 3;
    const spread = await waitFor('copies to move onto the new peers', async () => {
      const { manifest, status } = await mesh.locate('spread.bin');
      const live = manifest.segments.map((segment) => segment.holders.filter((holder) => status[holder] === 'online').length);
      fewest = Math.min(fewest, ...live);
      const onNew = manifest.segments.filter((segment) => segment.holders.some((holder) => joined.some((peer) => peer.id === holder))).length;
      return live.every((count) => count === 3) && onNew >= 4 ? manifest : undefined;
    }, 60_000, () => mesh.describe());
    expect(fewest).toBe(3); // never fewer than R copies on the way
    for (const segment of spread.segments) expect(segment.holders).toHaveLength(3);

    // The old peers hold only what they still own: their surplus copies were dropped.
    const held = spread.segments.flatMap((segment) => segment.holders);
    await mesh.waitForState('the old holders to free what moved', (state) => {
      const chunks = (id: string): number => state.peers.find((peer) => peer.id === id)?.chunks ?? 0;
      return first.every((id) => chunks(id) <= (held.filter((holder) => holder === id).length + 1) * 1100) ? state : undefined;
    }, 30_000);

    const out = mesh.outPath('spread.bin');
    const received = await mesh.cli(['receive', 'spread.bin', '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(file.bytes)).toBe(true);
  }, 120_000);
});
