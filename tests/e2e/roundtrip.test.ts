/**
 * Byte-exact round trips through a master and three peer processes over real WebRTC, the
 * directory as `ls` and /api/state show it, and differential updates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLineError, sealedChunkCount, TestMesh } from './harness.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const SIZES: [string, number][] = [
  ['0 B', 0],
  ['1 B', 1],
  ['1023 B', 1023],
  ['1024 B', 1024],
  ['1025 B', 1025],
  ['1 MiB + 1', MIB + 1],
  ['20 MiB', 20 * MIB],
];
const STORED = /^stored "(.+)" v(\d+): .*, moved .* \((\d+) of (\d+) chunks new\) to (\d+) replicas/m;

describe('round trips through a master and 3 peers', () => {
  let mesh: TestMesh;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3 });
  });

  afterAll(async () => {
    await mesh?.close();
  });

  it.each(SIZES)('stores and reads back %s byte-exact', async (label, size) => {
    const name = `random-${size}.bin`;
    const { path, bytes } = mesh.writeFile(size, name);
    const sent = await mesh.cli(['send', path]);
    expect(sent.stderr, mesh.describe()).toBe('');
    expect(sent.code).toBe(0);
    const stored = STORED.exec(sent.stdout);
    expect(stored, sent.stdout).not.toBeNull();
    expect(stored![1]).toBe(name);
    // Each segment's chunks and its header chunks of nonces (random data is sealed, not deflated).
    expect(Number(stored![3])).toBe(sealedChunkCount(size));
    expect(Number(stored![4])).toBe(sealedChunkCount(size));
    if (size > 0) expect(Number(stored![5])).toBe(3);

    const out = mesh.outPath(name);
    const received = await mesh.cli(['receive', name, '--out', out]);
    expect(received.stderr, mesh.describe()).toBe('');
    expect(received.code).toBe(0);
    expect(received.stdout).toContain(`received "${name}" v1`);
    const back = readFileSync(out);
    expect(back.length, label).toBe(size);
    expect(back.equals(bytes), `${label} came back different`).toBe(true);
  }, 120_000);

  it('lists every file with its size and version', async () => {
    const ls = await mesh.cli(['ls']);
    expect(ls.code).toBe(0);
    // An empty file has no segments, so it needs no replicas: shown as "-".
    expect(ls.stdout).toMatch(/^random-0\.bin\s+0 B\s+v1\s+-\s/m);
    for (const [, size] of SIZES.filter(([, size]) => size > 0)) {
      expect(ls.stdout).toMatch(new RegExp(`^random-${size}\\.bin\\s+\\S+ \\S+\\s+v1\\s+3/3`, 'm'));
    }
    expect(ls.stdout).toMatch(/^random-1025\.bin\s+1\.00 KiB\s+v1/m);
    expect(ls.stdout).toMatch(/^random-20971520\.bin\s+20\.0 MiB\s+v1/m);

    const json = await mesh.cli(['ls', '--json']);
    expect(json.code).toBe(0);
    const files = JSON.parse(json.stdout) as { name: string; size: number; version: number; replicas: number }[];
    for (const [, size] of SIZES) {
      expect(files).toContainEqual(expect.objectContaining({ name: `random-${size}.bin`, size, version: 1 }));
    }
  });

  it('keeps a name in folders, and receive writes it under its last part', async () => {
    const { path, bytes } = mesh.writeFile(3000, 'beach-local.bin');
    const sent = await mesh.cli(['send', path, '--name', 'photos/2024/beach.bin']);
    expect(sent.code, sent.stderr).toBe(0);
    expect((await mesh.cli(['ls'])).stdout).toMatch(/^photos\/2024\/beach\.bin\s+2\.93 KiB\s+v1/m);
    const received = await mesh.cli(['receive', 'photos/2024/beach.bin']);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(join(mesh.root, 'beach.bin')).equals(bytes)).toBe(true);
  }, 60_000);

  it('reports peers and files on /api/state', async () => {
    const state = await mesh.waitForState('heartbeats reporting the stored chunks', (candidate) =>
      candidate.peers.every((peer) => peer.chunks > 20 * KIB) ? candidate : undefined);
    expect(state.peers).toHaveLength(3);
    const ids = mesh.peers.map((peer) => peer.id);
    for (const peer of state.peers) {
      expect(ids).toContain(peer.id);
      expect(peer).toMatchObject({ kind: 'node', status: 'online' });
      // Its backups are the peers that hold copies of the segments it is primary for.
      expect(peer.backups.length).toBeGreaterThan(0);
      for (const backup of peer.backups) {
        expect(ids).toContain(backup.peer);
        expect(backup.peer).not.toBe(peer.id);
        expect(backup.segments).toBeGreaterThan(0);
      }
      // Every peer holds every chunk (R = 3 of 3), plus one chunk list per segment.
      const dataChunks = SIZES.reduce((sum, [, size]) => sum + Math.ceil(size / KIB), 0);
      expect(peer.chunks).toBeGreaterThanOrEqual(dataChunks);
      expect(peer.bytes).toBeGreaterThanOrEqual(SIZES.reduce((sum, [, size]) => sum + size, 0));
    }
    for (const [, size] of SIZES) {
      expect(state.files).toContainEqual(expect.objectContaining({ name: `random-${size}.bin`, size, version: 1, replicas: size === 0 ? 0 : 3 }));
    }
  });

  it('sends only the changed chunks of an updated file', async () => {
    const name = 'update.bin';
    const { path, bytes } = mesh.writeFile(3 * MIB, name);
    const first = await mesh.cli(['send', path]);
    expect(first.code, first.stderr).toBe(0);
    const firstStored = STORED.exec(first.stdout)!;
    expect(firstStored[2]).toBe('1');
    expect(Number(firstStored[3])).toBe(sealedChunkCount(3 * MIB));

    // Change three bytes: two in the same chunk, one far away in another segment.
    const changed = Buffer.from(bytes);
    changed[10] = changed[10]! ^ 0xff;
    changed[11] = changed[11]! ^ 0xff;
    changed[2 * MIB + 5000] = changed[2 * MIB + 5000]! ^ 0xff;
    mesh.writeFile(changed, name);
    const second = await mesh.cli(['send', path]);
    expect(second.code, second.stderr).toBe(0);
    const secondStored = STORED.exec(second.stdout);
    expect(secondStored, second.stdout).not.toBeNull();
    expect(secondStored![2]).toBe('2');
    // The two changed chunks, and in each of their segments the header chunk holding their nonces.
    expect(Number(secondStored![3])).toBe(4);
    expect(Number(secondStored![4])).toBe(sealedChunkCount(3 * MIB));
    expect(second.stdout).toMatch(/moved 4\.00 KiB/);

    const out = mesh.outPath(name);
    const received = await mesh.cli(['receive', name, '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(received.stdout).toContain(`received "${name}" v2`);
    expect(readFileSync(out).equals(changed)).toBe(true);

    const ls = await mesh.cli(['ls']);
    expect(ls.stdout).toMatch(/^update\.bin\s+3\.00 MiB\s+v2/m);
  }, 120_000);

  it('MESHDRIVE_STATS reports the client\'s own peak RSS, not its parent\'s', async () => {
    const { path } = mesh.writeFile(MIB, 'stats.bin');
    // Linux starts a spawned process's getrusage maxRSS at its parent's RSS: grow the parent
    // (this test process) well past what a client of a 1 MiB send ever uses.
    const ballast = Buffer.alloc(512 * MIB, 1);
    const sent = await mesh.cli(['send', path], { env: { MESHDRIVE_STATS: '1' } });
    // The premise: the parent was that large while the client ran (and held it until now).
    expect(process.memoryUsage().rss).toBeGreaterThan(512 * MIB);
    expect(ballast.at(-1)).toBe(1);
    expect(sent.code, sent.stderr).toBe(0);
    const stats = /^\{.*"peakRssMiB".*\}$/m.exec(sent.stderr);
    expect(stats, sent.stderr).not.toBeNull();
    const { peakRssMiB } = JSON.parse(stats![0]) as { peakRssMiB: number };
    expect(peakRssMiB).toBeGreaterThan(20);
    expect(peakRssMiB).toBeLessThan(300);
  }, 120_000);

  it('two sends of one new name at once: each makes its own version or fails with a version conflict', async () => {
    const name = 'race.bin';
    const contents = [mesh.writeFile(200 * KIB, 'race-a.bin'), mesh.writeFile(200 * KIB, 'race-b.bin')];
    const results = await Promise.all(contents.map(({ path }) => mesh.cli(['send', path, '--name', name])));
    const versions: number[] = [];
    for (const result of results) {
      if (result.code === 0) {
        versions.push(Number(STORED.exec(result.stdout)![2]));
      } else {
        expect(result.code).toBe(1);
        expect(oneLineError(result)).toMatch(/^meshdrive: "race\.bin" changed while you were writing it \(expected version 0, found 1\); send again$/);
      }
    }
    // Compare-and-set on the version: never two writes of version 1.
    expect(versions.sort()).toEqual(versions.length === 2 ? [1, 2] : [1]);
    const winner = results.findIndex((result) => result.stdout.includes(`v${versions.length}:`));
    const out = mesh.outPath(name);
    const received = await mesh.cli(['receive', name, '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(contents[winner]!.bytes)).toBe(true);
  }, 120_000);
});
