/**
 * Versions and the client cache with real processes: versions are listed, older ones read back
 * byte-exact, a restore makes a new version without moving data, pruning past the mesh's K
 * frees chunks on the peers; receiving an unchanged file moves nothing, and after a change only
 * the changed chunks move. Also `ls PATTERN` with its sort options.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLineError, sealedChunkCount, TestMesh } from './harness.js';

const KIB = 1024;
const KEEP = 3;

describe('versions, the client cache and search', () => {
  let mesh: TestMesh;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3, masterArgs: ['--keep-versions', String(KEEP)] });
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('lists kept versions, reads an older one byte-exact, restores one as a new version, and frees the chunks of versions past K on the peers', async () => {
    // Five versions of 64 KiB, each random: each has chunks of its own.
    const contents = Array.from({ length: KEEP + 2 }, (_, index) => mesh.writeFile(64 * KIB, `v${index + 1}.bin`));
    // One segment a version: its sealed chunks and one chunk list, on each of the 3 peers.
    const perVersion = sealedChunkCount(64 * KIB) + 1;
    for (const [index, { path }] of contents.entries()) {
      const sent = await mesh.cli(['send', path, '--name', 'doc.bin']);
      expect(sent.stdout, sent.stderr).toContain(`stored "doc.bin" v${index + 1}`);
    }
    const listed = await mesh.cli(['versions', 'doc.bin']);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = listed.stdout.split('\n').filter((line) => /^v\d/.test(line)).map((line) => line.split(/\s{2,}/).slice(0, 2));
    expect(rows).toEqual([['v5', '64.0 KiB'], ['v4', '64.0 KiB'], ['v3', '64.0 KiB']]);
    expect(listed.stdout).toMatch(/^v5 .*latest$/m);

    // Only the kept versions' chunks stay: the pruned ones were dropped by every holder.
    await mesh.waitForState('the peers to hold the kept versions only', (state) => (state.peers.every((peer) => peer.chunks === KEEP * perVersion) ? state : undefined));

    const out = mesh.outPath('doc-v3.bin');
    const old = await mesh.cli(['receive', 'doc.bin', '--version', '3', '--out', out]);
    expect(old.code, old.stderr).toBe(0);
    expect(readFileSync(out).equals(contents[2]!.bytes)).toBe(true);
    const gone = await mesh.cli(['receive', 'doc.bin', '--version', '1', '--out', mesh.outPath('doc-v1.bin')]);
    expect(oneLineError(gone)).toBe('meshdrive: "doc.bin" has no version 1 (see meshdrive versions NAME for the versions kept)');

    const restored = await mesh.cli(['restore', 'doc.bin', '--version', '3']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toBe('restored "doc.bin" v3 as v6 (64.0 KiB; no data moved)\n');
    const json = JSON.parse((await mesh.cli(['versions', 'doc.bin', '--json'])).stdout) as { version: number; size: number }[];
    expect(json.map((version) => [version.version, version.size])).toEqual([[6, 64 * KIB], [5, 64 * KIB], [4, 64 * KIB]]);
    // v3 was pruned as a version, but v6 names its data: none of it is dropped.
    await mesh.waitForState('the peers to hold v4, v5 and v6 (v3\'s data)', (state) => (state.peers.every((peer) => peer.chunks === KEEP * perVersion) ? state : undefined));
    const latest = mesh.outPath('doc-latest.bin');
    expect((await mesh.cli(['receive', 'doc.bin', '--out', latest])).code).toBe(0);
    expect(readFileSync(latest).equals(contents[2]!.bytes)).toBe(true);
  }, 180_000);

  it('moves nothing to receive an unchanged file, and after a change only the changed chunks', async () => {
    const original = mesh.writeFile(3 * 1024 * KIB + 100, 'cached.bin');
    expect((await mesh.cli(['send', original.path])).code).toBe(0);
    const out = mesh.outPath('cached.bin');
    const first = await mesh.cli(['receive', 'cached.bin', '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^received "cached\.bin" v1: 3\.00 MiB to .* in [\d.]+s\n$/);

    const again = await mesh.cli(['receive', 'cached.bin', '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`"cached.bin" v1 is up to date at ${out}: nothing moved\n`);

    // One byte changed in the middle of segment 1 (of 4): its nonce header chunk, the changed chunk and its list move.
    const edited = Buffer.from(original.bytes);
    edited[1024 * KIB + 5000] = edited[1024 * KIB + 5000]! ^ 0xff;
    writeFileSync(original.path, edited);
    const resent = await mesh.cli(['send', original.path]);
    expect(resent.stdout).toContain('(2 of ');
    const update = await mesh.cli(['receive', 'cached.bin', '--out', out]);
    expect(update.code, update.stderr).toBe(0);
    const moved = /moved ([\d.]+) KiB: the rest was here already/.exec(update.stdout);
    expect(moved, update.stdout).not.toBeNull();
    // 2 chunks of 1 KiB and one segment's list (1037 chunks × 32 bytes): under 35 KiB of 3 MiB.
    expect(Number(moved![1])).toBeGreaterThan(2);
    expect(Number(moved![1])).toBeLessThan(36);
    expect(readFileSync(out).equals(edited)).toBe(true);

    // A file edited here is not up to date: it is read again, reusing what still matches.
    writeFileSync(out, Buffer.concat([edited.subarray(0, 10), Buffer.from('local edit'), edited.subarray(20)]));
    const repaired = await mesh.cli(['receive', 'cached.bin', '--out', out]);
    expect(repaired.stdout).toMatch(/received "cached\.bin" v2: .* moved [\d.]+ KiB: the rest was here already/);
    expect(readFileSync(out).equals(edited)).toBe(true);
  }, 180_000);

  it('lists files matching a glob or part of a name, sorted by name, size or date', async () => {
    for (const [name, size] of [['notes/today.txt', 3 * KIB], ['notes/2024/plan.txt', 9 * KIB], ['photo.jpg', 20 * KIB]] as const) {
      expect((await mesh.cli(['send', mesh.writeFile(size, 'search.bin').path, '--name', name])).code).toBe(0);
    }
    const names = async (...args: string[]): Promise<string[]> => (JSON.parse((await mesh.cli(['ls', ...args, '--json'])).stdout) as { name: string }[]).map((file) => file.name);
    expect(await names('*.txt')).toEqual(['notes/2024/plan.txt', 'notes/today.txt']);
    expect(await names('notes/*')).toEqual(['notes/today.txt']);
    expect(await names('notes/**', '--sort', 'size')).toEqual(['notes/2024/plan.txt', 'notes/today.txt']);
    expect(await names('PHOTO')).toEqual(['photo.jpg']);
    expect((await names('--sort', 'date')).slice(0, 3)).toEqual(['photo.jpg', 'notes/2024/plan.txt', 'notes/today.txt']);
    const none = await mesh.cli(['ls', '*.pdf']);
    expect(none.stdout).toBe('no files match "*.pdf"\n');
    const bad = await mesh.cli(['ls', '--sort', 'colour']);
    expect(oneLineError(bad)).toBe('meshdrive: --sort takes name, size, date, not "colour"');
  }, 120_000);
});
