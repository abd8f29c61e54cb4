/**
 * Scrubbing (issue 17): a byte flipped in a chunk on a peer's disk, behind its back, is found by
 * the peer's scrub without anyone reading the file; the peer reports it, the master takes that
 * copy off the segment's holders and has a good holder copy it to another peer, and counts the
 * fault. The file stays readable byte for byte throughout. And a peer whose chunks vanished while
 * it was down is asked on rejoin what it lacks, and the same repair follows.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipInPacks, TestMesh, waitFor, type PeerProcess } from './harness.js';

describe('damaged and lost copies', () => {
  let mesh: TestMesh;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 4 });
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  /** Sends a one-segment file; its first holder is the peer the test then harms. */
  async function sendOne(name: string, size: number): Promise<{ bytes: Buffer; victim: PeerProcess }> {
    const file = mesh.writeFile(size, name);
    const sent = await mesh.cli(['send', file.path]);
    expect(sent.code, sent.stderr).toBe(0);
    const { manifest } = await mesh.locate(name);
    return { bytes: file.bytes, victim: mesh.peer(manifest.segments[0]!.holders[0]!) };
  }

  /** Waits until `name`'s segment has 3 live copies, none on `victim`, then reads it back. */
  async function healedWithout(name: string, victim: PeerProcess, bytes: Buffer): Promise<void> {
    await waitFor(`the copy of ${name} on the harmed peer to be made again elsewhere`, async () => {
      const { manifest, status } = await mesh.locate(name);
      const holders = manifest.segments[0]!.holders;
      return !holders.includes(victim.id) && holders.filter((holder) => status[holder] === 'online').length === 3 ? holders : undefined;
    }, 30_000, () => mesh.describe());
    const out = mesh.outPath(name);
    const received = await mesh.cli(['receive', name, '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  }

  it('a chunk damaged on disk is found by scrubbing, reported, and its segment copied again from a good replica', async () => {
    const { bytes, victim } = await sendOne('rot.bin', 200 * 1024);
    // Stopped cleanly, one byte of the file's 50th KiB flipped in its pack file, started again scrubbing every second.
    await victim.daemon.kill('SIGTERM');
    // Its 50th KiB as the peers hold it: sealed, after the segment's 3 header chunks (200 nonces).
    const needle = (await mesh.sealedSegment('rot.bin', bytes)).subarray(53 * 1024, 54 * 1024);
    expect(flipInPacks(victim.dataDir, needle)).toBe(true);
    await mesh.startPeer(victim.dataDir, '1GiB', ['--scrub-every', '1s']);
    await healedWithout('rot.bin', victim, bytes);
    // Counted per report: scrubbing every second, the peer may report the segment again before the repair lands.
    const fault = (await mesh.state()).repair.faults.find((entry) => entry.peer === victim.id);
    expect(fault?.segments ?? 0).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it('a peer that lost data while it was down is asked on rejoin what it lacks, and the master has it copied again', async () => {
    const { bytes, victim } = await sendOne('lost.bin', 300 * 1024);
    await victim.daemon.kill('SIGKILL');
    // Its chunks are gone (a disk swapped under it); its identity and pins are not.
    for (const name of readdirSync(join(victim.dataDir, 'packs'))) rmSync(join(victim.dataDir, 'packs', name));
    await mesh.startPeer(victim.dataDir);
    await healedWithout('lost.bin', victim, bytes);
  }, 90_000);
});
