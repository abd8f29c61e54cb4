/**
 * The mesh's join secret through the CLI: a master given none makes one in its data directory,
 * readable by its owner only, and says where; a headless peer without it, or with a wrong one,
 * exits at once with one line saying what to give; with it, the peer joins.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, FAST_TIMINGS, waitFor } from './harness.js';

/** This process's environment without the join secret the harness sets for every other test. */
function envWithout(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.MESHDRIVE_JOIN_SECRET;
  return env;
}

function run(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (data: Buffer) => (text += data.toString()));
  child.stderr.on('data', (data: Buffer) => (text += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

describe('the join secret, through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdrive-join-secret-'));
  const children: ChildProcess[] = [];
  let url: string;
  let masterOutput: () => string;

  beforeAll(async () => {
    const master = run(['master', '--port', '0', '--data', join(dir, 'master'), ...FAST_TIMINGS], envWithout());
    children.push(master.child);
    masterOutput = master.output;
    url = await waitFor('the master to listen', () => /listening on (http:\/\/\S+)/.exec(master.output())?.[1]);
  });

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is made in the master’s data directory, readable by its owner only, and the master says where', async () => {
    const path = join(dir, 'master', 'join-secret');
    await waitFor('the master to say where its secret is', () => (masterOutput().includes(path) ? true : undefined));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
  });

  it('keeps out a peer without it or with a wrong one, in one line, and lets in a peer with it', async () => {
    for (const env of [envWithout(), { ...envWithout(), MESHDRIVE_JOIN_SECRET: 'not the secret of this mesh' }]) {
      const peer = run(['peer', '--signal', url, '--volatile'], env);
      children.push(peer.child);
      expect(await peer.exited).toBe(1);
      const lines = peer.output().trim().split('\n').filter((line) => line.startsWith('meshdrive:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/join secret.*--join-secret or MESHDRIVE_JOIN_SECRET/);
    }
    const secret = readFileSync(join(dir, 'master', 'join-secret'), 'utf8').trim();
    const peer = run(['peer', '--signal', url, '--volatile', '--join-secret', secret], envWithout());
    children.push(peer.child);
    await waitFor('the peer to join', () => (/peer \S+ joined/.test(peer.output()) ? true : undefined), undefined, () => peer.output() + masterOutput());
    const health = (await (await fetch(`${url}/healthz`)).json()) as { peers: number };
    expect(health.peers).toBe(1);
  });
});
