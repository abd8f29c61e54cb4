/**
 * A master upgraded in place: files sent through a real mesh, the master stopped, its
 * directory.db rewritten in the layout the master before holder rows wrote (manifests as JSON
 * with their holders inside), and a new master started on the same data directory keeps every
 * file listed and readable, byte for byte, with every version and holder.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewriteAsLegacyDirectory } from '@meshdrive/signal/testing';
import { bytesSource, connectClient } from '@meshdrive/core';
import { TestMesh } from './harness.js';

const MIB = 1024 * 1024;

describe('opening a data directory written by the master before holder rows', () => {
  let mesh: TestMesh;
  const files = new Map<string, Buffer>();

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3 });
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('keeps every file listed and readable', async () => {
    // Written as clients did then: in clear, under their names (today's CLI seals everything).
    const old = await connectClient({ signalUrl: mesh.url, token: mesh.token });
    for (const [name, size] of [['multi.bin', 2 * MIB + 7], ['small.txt', 100], ['empty.bin', 0]] as const) {
      const file = mesh.writeFile(size, name);
      await old.client.store(name, bytesSource(file.bytes));
      files.set(name, file.bytes);
    }
    // A second version of the large file: its unchanged segments are shared by both versions.
    const changed = Buffer.from(files.get('multi.bin')!);
    changed[5] = changed[5]! ^ 1;
    await old.client.store('multi.bin', bytesSource(changed));
    old.close();
    files.set('multi.bin', changed);
    const before = await mesh.locate('multi.bin');
    const listedBefore = (await mesh.state()).files;

    const port = mesh.port;
    await mesh.master.kill('SIGTERM');
    const legacy = await rewriteAsLegacyDirectory(mesh.masterDir);
    expect(legacy.map((manifest) => `${manifest.name}@${manifest.version}`).sort()).toEqual(['empty.bin@1', 'multi.bin@1', 'multi.bin@2', 'small.txt@1']);
    const db = new Database(join(mesh.masterDir, 'directory.db'), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    const manifests = db.prepare('SELECT manifest FROM versions').pluck().all() as string[];
    expect(manifests.filter((json) => json.includes('"holders"') && json.includes('"size"'))).toHaveLength(3);
    db.close();

    await mesh.startMaster(port);
    const state = await mesh.waitForOnline(mesh.peers.map((peer) => peer.id));
    const summary = (list: typeof listedBefore) => list.map(({ name, size, version, createdAt, wanted }) => ({ name, size, version, createdAt, wanted })).sort((a, b) => a.name.localeCompare(b.name));
    expect(summary(state.files)).toEqual(summary(listedBefore));
    const after = await mesh.locate('multi.bin');
    expect(after.manifest).toEqual(before.manifest);

    const ls = await mesh.cli(['ls', '--json']);
    expect((JSON.parse(ls.stdout) as { name: string }[]).map((file) => file.name).sort()).toEqual(['empty.bin', 'multi.bin', 'small.txt']);
    for (const [name, bytes] of files) {
      const out = mesh.outPath(name);
      const received = await mesh.cli(['receive', name, '--out', out]);
      expect(received.code, `${name}: ${received.stderr}\n${mesh.describe()}`).toBe(0);
      expect(readFileSync(out).equals(bytes), `${name} came back different`).toBe(true);
    }
  }, 180_000);
});
