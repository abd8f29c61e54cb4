/**
 * Accounts through the real CLI against a master and three peers: signup, login, logout and
 * whoami, the credentials file readable by its owner only, one-line errors for every refusal,
 * and a second user who cannot list, read, overwrite or delete the first one's files.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLineError, TEST_USER, TestMesh } from './harness.js';

describe('accounts', () => {
  let mesh: TestMesh;
  /** The second user's CLI: its own MESHDRIVE_HOME and password. */
  const asBob = (args: string[]) => mesh.cli(args, { env: { MESHDRIVE_HOME: join(mesh.root, 'bob-home'), MESHDRIVE_PASSWORD: 'bob password 1' } });

  beforeAll(async () => {
    mesh = await TestMesh.start();
  }, 60_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('keeps the session in a file only its owner can read, and whoami says who', async () => {
    const credentials = join(mesh.home, 'credentials.json');
    expect(statSync(credentials).mode & 0o777).toBe(0o600);
    expect(statSync(mesh.home).mode & 0o777).toBe(0o700);
    expect(readFileSync(credentials, 'utf8')).not.toContain('correct horse');
    const whoami = await mesh.cli(['whoami']);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toBe(`${TEST_USER} on ${mesh.url}\n`);
  });

  it('refuses a taken name, a wrong password and a bad name, each in one line', async () => {
    const taken = await mesh.cli(['signup', '--user', TEST_USER]);
    expect(taken.code).toBe(1);
    expect(oneLineError(taken)).toMatch(/the user name "tester" is taken/);
    const wrong = await mesh.cli(['login', '--user', TEST_USER], { env: { MESHDRIVE_PASSWORD: 'not the password' } });
    expect(wrong.code).toBe(1);
    expect(oneLineError(wrong)).toBe('meshdrive: wrong user name or password');
    const bad = await mesh.cli(['signup', '--user', 'Ada Lovelace']);
    expect(bad.code).toBe(2);
    expect(oneLineError(bad)).toMatch(/is not a valid user name/);
    const noPassword = await mesh.cli(['login', '--user', TEST_USER], { env: { MESHDRIVE_PASSWORD: undefined } });
    expect(noPassword.code).toBe(2);
    expect(oneLineError(noPassword)).toMatch(/set MESHDRIVE_PASSWORD/);
  });

  it('upgrades an account made before encryption at its first log-in: the password is replaced by the derived key', async () => {
    // As the master's endpoint took it then: the password itself, no keys.
    const post = (path: string, body: unknown) => fetch(`${mesh.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/api/signup', { user: 'old-timer', password: 'an old password' })).status).toBe(200);
    const asOldTimer = (args: string[], home = 'old-home') => mesh.cli(args, { env: { MESHDRIVE_HOME: join(mesh.root, home), MESHDRIVE_PASSWORD: 'an old password' } });
    const login = await asOldTimer(['login', '--user', 'old-timer']);
    expect(login.code, login.stderr).toBe(0);
    // The master no longer takes the password itself, only the key derived from it.
    expect((await post('/api/login', { user: 'old-timer', password: 'an old password' })).status).toBe(401);
    const { path, bytes } = mesh.writeFile(3000, 'letters.txt');
    expect((await asOldTimer(['send', path])).code).toBe(0);
    // Another machine logs in the new way and reads it.
    const out = join(mesh.root, 'letters-back.txt');
    expect((await asOldTimer(['login', '--user', 'old-timer'], 'another-home')).code).toBe(0);
    const received = await asOldTimer(['receive', 'letters.txt', '--out', out], 'another-home');
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  }, 60_000);

  it('lets nobody but the owner list, read, overwrite or delete a file', async () => {
    const { path, bytes } = mesh.writeFile(5000, 'diary.txt');
    expect((await mesh.cli(['send', path])).code).toBe(0);
    expect((await asBob(['signup', '--user', 'bob'])).code).toBe(0);

    expect((await asBob(['ls'])).stdout).not.toContain('diary.txt');
    const read = await asBob(['receive', 'diary.txt', '--out', join(mesh.root, 'stolen.txt')]);
    expect(read.code).toBe(1);
    expect(oneLineError(read)).toMatch(/no file named "diary.txt"/);
    const removed = await asBob(['rm', 'diary.txt']);
    expect(removed.code).toBe(1);
    // Bob's "diary.txt" is his own file; the owner's stays at version 1, byte for byte.
    const other = mesh.writeFile(100, 'bobs-diary.txt');
    expect((await asBob(['send', other.path, '--name', 'diary.txt'])).code).toBe(0);
    expect((await mesh.cli(['ls'])).stdout).toMatch(/^diary\.txt\s+4\.88 KiB\s+v1/m);
    const out = mesh.outPath('diary.txt');
    expect((await mesh.cli(['receive', 'diary.txt', '--out', out])).code).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect((await mesh.state()).files.map((file) => `${file.owner}:${file.name}`)).toEqual([`${TEST_USER}:diary.txt`]);
  }, 60_000);

  it('logs out: commands then ask to log in, in one line', async () => {
    const home = { MESHDRIVE_HOME: join(mesh.root, 'carol-home'), MESHDRIVE_PASSWORD: 'carol password' };
    expect((await mesh.cli(['signup', '--user', 'carol'], { env: home })).code).toBe(0);
    const out = await mesh.cli(['logout'], { env: home });
    expect(out.stdout).toBe(`logged out carol from ${mesh.url}\n`);
    const ls = await mesh.cli(['ls'], { env: home });
    expect(ls.code).toBe(1);
    expect(oneLineError(ls)).toMatch(/sign in first.*meshdrive login --user NAME/);
    expect((await mesh.cli(['whoami'], { env: home })).code).toBe(1);
  });

  it('lists the account commands in --help', async () => {
    const help = await mesh.cli(['--help'], { signal: false });
    for (const command of ['signup', 'login', 'logout', 'whoami']) expect(help.stdout).toContain(`meshdrive ${command}`);
  });
});
