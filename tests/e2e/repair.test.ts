/**
 * Self-healing (issue 17): SIGKILL a segment's primary and its backup at the same moment at
 * R = 3, and the file still reads back; after the dead grace the master has the surviving
 * holders copy every segment the two held to other peers, peer to peer, until each has 3 live
 * copies again. A killed peer that comes back finds its replaced copies dropped, never read.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@meshdrive/core';
import { TestMesh, waitFor, type PeerProcess } from './harness.js';

const MIB = 1024 * 1024;
/** 6 segments of 1 MiB, the last one short. */
const SIZE = 5 * MIB + 4321;

describe('repair after peers die', () => {
  let mesh: TestMesh;
  let bytes: Buffer;
  let killed: PeerProcess[] = [];

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 6 });
    const file = mesh.writeFile(SIZE, 'heal.bin');
    bytes = file.bytes;
    const sent = await mesh.cli(['send', file.path]);
    expect(sent.code, sent.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  /** Waits until every segment has 3 live copies, none of them on `gone`. */
  function healedWithout(gone: ReadonlySet<string>): Promise<{ manifest: Manifest; live: number[] }> {
    return waitFor('every segment back to 3 live copies elsewhere', async () => {
      const now = await copies();
      const elsewhere = now.manifest.segments.every((segment) => segment.holders.every((holder) => !gone.has(holder)));
      return now.live.every((count) => count === 3) && elsewhere ? now : undefined;
    }, 60_000, () => mesh.describe());
  }

  /** Every segment's holders, and whether each is online. */
  async function copies(): Promise<{ manifest: Manifest; live: number[] }> {
    const { manifest, status } = await mesh.locate('heal.bin');
    return { manifest, live: manifest.segments.map((segment) => segment.holders.filter((holder) => status[holder] === 'online').length) };
  }

  it('reads a file whose segment lost its primary and its backup at once, and heals it back to 3 copies', async () => {
    const before = await copies();
    expect(before.live.every((count) => count === 3)).toBe(true);
    const [primary, backup] = before.manifest.segments[0]!.holders;
    killed = [mesh.peer(primary!), mesh.peer(backup!)];
    await Promise.all(killed.map((peer) => peer.daemon.kill('SIGKILL')));

    const out = mesh.outPath('heal.bin');
    const received = await mesh.cli(['receive', 'heal.bin', '--out', out]);
    expect(received.code, `${received.stderr}\n${mesh.describe()}`).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);

    // Dead after the grace (3 s in tests), then repaired: 3 live copies of every segment, none on the dead.
    const dead = new Set(killed.map((peer) => peer.id as string));
    await healedWithout(dead);
    // The master's own account of it, once its next pass has looked.
    const lost = before.manifest.segments.filter((segment) => segment.holders.some((holder) => dead.has(holder))).length;
    const repair = await mesh.waitForState('repair to report it is done', (state) => (state.repair.segments === 0 ? state.repair : undefined));
    expect(repair.copies).toBeGreaterThanOrEqual(lost);
    expect(repair.unavailable).toBe(0);

    // The copies are real: with the file's last original holders gone too, it still reads.
    const again = mesh.outPath('heal-again.bin');
    const receivedAgain = await mesh.cli(['receive', 'heal.bin', '--out', again]);
    expect(receivedAgain.code, receivedAgain.stderr).toBe(0);
    expect(readFileSync(again).equals(bytes)).toBe(true);
  }, 120_000);

  it('a peer frozen past the dead grace comes back on the same socket, is never read from for what was replaced, and drops it', async () => {
    const { manifest } = await mesh.locate('heal.bin');
    const frozenId = manifest.segments[0]!.holders[0]!;
    const frozen = mesh.peer(frozenId);
    frozen.daemon.child.kill('SIGSTOP'); // as a cut network or a paused machine looks: silent, socket still open
    try {
      await mesh.waitForStatus(frozenId, 'dead');
      await healedWithout(new Set([frozenId]));
    } finally {
      frozen.daemon.child.kill('SIGCONT');
    }
    await mesh.waitForStatus(frozenId, 'online');
    // Its old copies are named nowhere, so nothing reads them; the master has it drop them at once.
    await mesh.master.waitForOutput(new RegExp(`peer ${frozenId.slice(0, 8)} dropped \\d+ segments`), 30_000);
    const out = mesh.outPath('heal-after-freeze.bin');
    const received = await mesh.cli(['receive', 'heal.bin', '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  }, 120_000);

  it('a killed peer that comes back drops the copies that were made again elsewhere', async () => {
    const [first] = killed;
    const back = await mesh.startPeer(first!.dataDir);
    expect(back.id).toBe(first!.id);
    // Its old copies are no one's now: the master's queued drops reach it on rejoin, and it frees
    // them. (Rebalancing may then give it fresh copies of what it owns on the ring: those are new.)
    await mesh.waitForStatus(back.id, 'online');
    await mesh.master.waitForOutput(new RegExp(`peer ${back.id.slice(0, 8)} dropped \\d+ segments`), 30_000);
    const out = mesh.outPath('heal-after-return.bin');
    const received = await mesh.cli(['receive', 'heal.bin', '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  }, 60_000);
});
