/**
 * Scrubbing (issue 17): a byte flipped in a chunk on a peer's disk, behind its back, is found by
 * the peer's scrub without anyone reading the file; the peer reports it, the master takes that
 * copy off the segment's holders and has a good holder copy it to another peer, and counts the
 * fault. The file stays readable byte for byte throughout. And a peer whose chunks vanished while
 * it was down is asked on rejoin what it lacks, and the same repair follows.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestMesh, waitFor } from './harness.js';

describe('a chunk damaged on disk', () => {
  let mesh: TestMesh;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 4 });
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('is found by scrubbing, reported, and its segment copied again from a good replica', async () => {
    const file = mesh.writeFile(200 * 1024, 'rot.bin');
    const sent = await mesh.cli(['send', file.path]);
    expect(sent.code, sent.stderr).toBe(0);
    const { manifest } = await mesh.locate('rot.bin');
    const [victimId] = manifest.segments[0]!.holders;
    const victim = mesh.peer(victimId!);

    // Stopped cleanly, one byte of the file's 50th KiB flipped in its pack file, started again scrubbing every second.
    await victim.daemon.kill('SIGTERM');
    const packs = join(victim.dataDir, 'packs');
    const needle = file.bytes.subarray(50 * 1024, 51 * 1024);
    const damaged = readdirSync(packs).some((name) => {
      const pack = readFileSync(join(packs, name));
      const at = pack.indexOf(needle);
      if (at < 0) return false;
      pack[at + 100] = pack[at + 100]! ^ 0x01;
      writeFileSync(join(packs, name), pack);
      return true;
    });
    expect(damaged).toBe(true);
    await mesh.startPeer(victim.dataDir, '1GiB', ['--scrub-every', '1s']);

    const healed = await waitFor('the damaged copy to be replaced', async () => {
      const { manifest: now, status } = await mesh.locate('rot.bin');
      const holders = now.segments[0]!.holders;
      return !holders.includes(victimId!) && holders.filter((holder) => status[holder] === 'online').length === 3 ? holders : undefined;
    }, 30_000, () => mesh.describe());
    expect(healed).toHaveLength(3);
    const state = await mesh.state();
    expect(state.repair.faults).toContainEqual({ peer: victimId, segments: 1 });

    const out = mesh.outPath('rot.bin');
    const received = await mesh.cli(['receive', 'rot.bin', '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(file.bytes)).toBe(true);
  }, 90_000);
});

describe('a peer that lost data while it was down', () => {
  let mesh: TestMesh;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 4 });
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('is asked on rejoin what it lacks, and the master has it copied again elsewhere', async () => {
    const file = mesh.writeFile(300 * 1024, 'lost.bin');
    const sent = await mesh.cli(['send', file.path]);
    expect(sent.code, sent.stderr).toBe(0);
    const { manifest } = await mesh.locate('lost.bin');
    const [victimId] = manifest.segments[0]!.holders;
    const victim = mesh.peer(victimId!);
    await victim.daemon.kill('SIGKILL');
    // Its chunks are gone (a disk swapped under it); its identity and pins are not.
    for (const name of readdirSync(join(victim.dataDir, 'packs'))) rmSync(join(victim.dataDir, 'packs', name));
    await mesh.startPeer(victim.dataDir);

    await waitFor('the lost copy to be made again on another peer', async () => {
      const { manifest: now, status } = await mesh.locate('lost.bin');
      const holders = now.segments[0]!.holders;
      return !holders.includes(victimId!) && holders.filter((holder) => status[holder] === 'online').length === 3 ? holders : undefined;
    }, 30_000, () => mesh.describe());
    const out = mesh.outPath('lost.bin');
    const received = await mesh.cli(['receive', 'lost.bin', '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(file.bytes)).toBe(true);
  }, 90_000);
});
