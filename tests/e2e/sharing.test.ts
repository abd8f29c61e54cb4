/**
 * Sharing between real users with real processes: a shared file shows in the recipient's list
 * and reads back for them, new versions by either side stay readable to the other, write access
 * is needed to write, revoking works at once for new reads, and a third user never sees it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLineError, TEST_PASSWORD, TestMesh } from './harness.js';

const MARKER = 'MESHDRIVE-SHARED-MARKER';

describe('sharing files between users', () => {
  let mesh: TestMesh;
  const as: Record<string, { env: NodeJS.ProcessEnv }> = {};

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3 });
    for (const user of ['bob', 'carol']) {
      const home = join(mesh.root, `home-${user}`);
      mkdirSync(home, { mode: 0o700 });
      as[user] = { env: { MESHDRIVE_HOME: home, MESHDRIVE_PASSWORD: TEST_PASSWORD } };
      const signed = await mesh.cli(['signup', '--user', user], as[user]);
      expect(signed.code, signed.stderr).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  const text = (version: number): Buffer => Buffer.from(`${MARKER} version ${version}\n`.repeat(500));

  it('shows a shared file to its recipient only, reads it back for them through new versions, and needs write access to write', async () => {
    const plan = mesh.writeFile(text(1), 'plan.txt');
    expect((await mesh.cli(['send', plan.path])).code).toBe(0);
    const shared = await mesh.cli(['share', 'plan.txt', '--with', 'bob']);
    expect(shared.code, shared.stderr).toBe(0);
    expect(shared.stdout).toBe('shared "plan.txt" with bob (read only); they see it in meshdrive ls\n');

    const bobList = await mesh.cli(['ls'], as.bob);
    expect(bobList.stdout).toMatch(/^NAME\s+SHARED BY\s+SIZE/m);
    expect(bobList.stdout).toMatch(/^plan\.txt\s+tester \(read only\)\s+/m);
    const out = mesh.outPath('bob-plan.txt');
    const read = await mesh.cli(['receive', 'plan.txt', '--out', out], as.bob);
    expect(read.code, read.stderr).toBe(0);
    expect(readFileSync(out).equals(text(1))).toBe(true);

    // A third user sees nothing of it, by listing or by asking.
    expect((await mesh.cli(['ls', '--json'], as.carol)).stdout.trim()).toBe('[]');
    const carolRead = await mesh.cli(['receive', 'plan.txt', '--owner', 'tester', '--out', mesh.outPath('carol.txt')], as.carol);
    expect(oneLineError(carolRead)).toBe('meshdrive: no file named "plan.txt" in the mesh');

    // The owner's next version is sealed to bob as it is written.
    writeFileSync(plan.path, text(2));
    expect((await mesh.cli(['send', plan.path])).code).toBe(0);
    expect((await mesh.cli(['receive', 'plan.txt', '--owner', 'tester', '--out', out], as.bob)).code).toBe(0);
    expect(readFileSync(out).equals(text(2))).toBe(true);

    // Read only: bob cannot write it, or lock it.
    const bobsEdit = mesh.writeFile(text(3), 'bobs-edit.txt');
    const refused = await mesh.cli(['send', bobsEdit.path, '--name', 'plan.txt', '--owner', 'tester'], as.bob);
    expect(oneLineError(refused)).toBe('meshdrive: tester shared "plan.txt" with you to read, not to write');

    // With write access bob writes a version the owner (and bob) read.
    expect((await mesh.cli(['share', 'plan.txt', '--with', 'bob', '--write'])).code).toBe(0);
    const written = await mesh.cli(['send', bobsEdit.path, '--name', 'plan.txt', '--owner', 'tester'], as.bob);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toContain('stored "plan.txt" v3');
    const ownerOut = mesh.outPath('owner-plan.txt');
    expect((await mesh.cli(['receive', 'plan.txt', '--out', ownerOut])).code).toBe(0);
    expect(readFileSync(ownerOut).equals(text(3))).toBe(true);
    const versions = await mesh.cli(['versions', 'plan.txt']);
    expect(versions.stdout).toMatch(/^v3 .*latest$/m);
    expect((await mesh.cli(['share', 'plan.txt'])).stdout).toMatch(/^bob\s+read and write$/m);
  }, 180_000);

  it('refuses new reads at once after unshare; says so for an unknown user', async () => {
    const notes = mesh.writeFile(text(7), 'notes.txt');
    expect((await mesh.cli(['send', notes.path])).code).toBe(0);
    expect((await mesh.cli(['share', 'notes.txt', '--with', 'carol'])).code).toBe(0);
    expect((await mesh.cli(['receive', 'notes.txt', '--out', mesh.outPath('carol-notes.txt')], as.carol)).code).toBe(0);

    const revoked = await mesh.cli(['unshare', 'notes.txt', '--with', 'carol']);
    expect(revoked.stdout).toBe('stopped sharing "notes.txt" with carol: their next read is refused\n');
    const after = await mesh.cli(['receive', 'notes.txt', '--owner', 'tester', '--out', mesh.outPath('carol-again.txt')], as.carol);
    expect(oneLineError(after)).toBe('meshdrive: no file named "notes.txt" in the mesh');
    expect((JSON.parse((await mesh.cli(['ls', '--json'], as.carol)).stdout) as { name: string }[]).map((file) => file.name)).not.toContain('notes.txt');
    const again = await mesh.cli(['unshare', 'notes.txt', '--with', 'carol']);
    expect(oneLineError(again)).toBe('meshdrive: "notes.txt" is not shared with carol');

    const unknown = await mesh.cli(['share', 'notes.txt', '--with', 'zed']);
    expect(oneLineError(unknown)).toBe('meshdrive: no user named "zed" on this mesh');
  }, 120_000);
});
