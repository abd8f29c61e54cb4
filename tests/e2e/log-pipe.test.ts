/**
 * A daemon whose log pipes close (the terminal, the `| tee`, or the supervisor that read them
 * went away) keeps serving, and does not spin: it used to report the EPIPE of a log line as an
 * unexpected error, on stderr, which failed the same way, and so on: 2 s of CPU in 2 s idle.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_PATH, FAST_TIMINGS, sleep, waitFor } from './harness.js';

const CLOCK_TICKS_PER_SECOND = 100;
/** CPU seconds the master may use while idle for IDLE_MS; the loop took all 2 of them. */
const IDLE_CPU_LIMIT_S = 0.2;
const IDLE_MS = 2_000;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('a daemon whose log pipes close', () => {
  it('keeps serving, without spinning on the errors of writing its log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshdrive-log-pipe-'));
    const master = spawn(process.execPath, [CLI_PATH, 'master', '--port', '0', '--data', join(dir, 'master'), ...FAST_TIMINGS], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => {
      master.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    let text = '';
    master.stdout.on('data', (data: Buffer) => (text += data.toString()));
    const url = await waitFor('the master to listen', () => /listening on (http:\/\/\S+)/.exec(text)?.[1]);
    master.stdout.destroy();
    master.stderr.destroy();

    // A peer joining and then dying makes the master log its status changes into the closed pipes.
    const peer = spawn(process.execPath, [CLI_PATH, 'peer', '--signal', url, '--volatile'], { stdio: 'ignore' });
    cleanups.push(() => peer.kill('SIGKILL'));
    const peersOnline = async (): Promise<number> => ((await (await fetch(`${url}/healthz`)).json()) as { peers: number }).peers;
    await waitFor('the peer to join', async () => ((await peersOnline()) === 1 ? true : undefined));
    peer.kill('SIGKILL');
    await waitFor('the master to stop counting the peer', async () => ((await peersOnline()) === 0 ? true : undefined));

    const before = cpuSeconds(master.pid!);
    await sleep(IDLE_MS);
    expect(cpuSeconds(master.pid!) - before).toBeLessThan(IDLE_CPU_LIMIT_S);
    expect(master.exitCode).toBeNull();
    expect(await peersOnline()).toBe(0);
  });
});
