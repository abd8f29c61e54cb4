/**
 * Segments sealed by a send that never committed (its client died between the two) are pinned
 * on their peers, yet no file names them. The master finds them in the peers' reports of old
 * pins and has them dropped, leaving every committed file whole.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeChunkBatch, encodeChunkList, FrameType, toHex, type MeshState, type RpcConnection, type WriteTicket } from '@meshdrive/core';
import { sealedChunkCount, TestMesh } from './harness.js';

/** kept.bin's sealed chunks and its one chunk list, on every peer. */
const KEPT_CHUNKS = sealedChunkCount(300 * 1024) + 1;

const KIB = 1024;
const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();
/** Short enough for a test: the master drops unused segments two seconds after their seal. */
const ABANDON_MS = 2_000;

describe('segments of sends that never committed', () => {
  let mesh: TestMesh;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 2, masterArgs: ['--abandon-ms', String(ABANDON_MS)] });
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  /** Offers, pushes and seals one segment of `count` random chunks on `rpc`'s peer, and commits nothing. */
  async function sealWithoutCommit(rpc: RpcConnection, ticket: WriteTicket, count: number): Promise<void> {
    const chunks = Array.from({ length: count }, () => randomBytes(KIB));
    const hashes = chunks.map(sha256);
    const listBytes = encodeChunkList(hashes);
    const request = { list: toHex(sha256(listBytes)), next: [] };
    await rpc.request(FrameType.Offer, { ...request, ticket }, listBytes);
    await rpc.notify(FrameType.Push, request, encodeChunkBatch(chunks.map((bytes, i) => ({ hash: hashes[i]!, bytes }))));
    await rpc.request(FrameType.Seal, request);
  }

  it('are dropped from their peer, while a committed file stays whole', async () => {
    const kept = mesh.writeFile(300 * KIB, 'kept.bin');
    expect((await mesh.cli(['send', kept.path])).code).toBe(0);
    await mesh.waitForState('the kept file on both peers', (state) => (state.peers.every((peer) => peer.chunks === KEPT_CHUNKS) ? state : undefined));

    const target = mesh.peers[0]!;
    const { rpc, master } = await mesh.dialPeer(target.id);
    const [ticket] = await mesh.writeTickets(master, 1);
    await sealWithoutCommit(rpc, ticket!, 40);
    const chunksOf = (state: MeshState): number | undefined => state.peers.find((peer) => peer.id === target.id)?.chunks;
    // The heartbeat shows the sealed segment (its list and 40 chunks) before it is judged.
    await mesh.waitForState('the sealed segment on its peer', (state) => (chunksOf(state) === KEPT_CHUNKS + 41 ? state : undefined));
    master.close();

    await mesh.waitForState('the abandoned segment dropped', (state) => (chunksOf(state) === KEPT_CHUNKS ? state : undefined), 30_000);
    await mesh.master.waitForOutput(/dropping 1 segments of sends that never committed/);

    const out = mesh.outPath('kept.bin');
    const received = await mesh.cli(['receive', 'kept.bin', '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(kept.bytes)).toBe(true);
    expect((await mesh.state()).peers.map((peer) => peer.chunks)).toEqual([KEPT_CHUNKS, KEPT_CHUNKS]);
  }, 120_000);
});
