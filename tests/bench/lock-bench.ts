/**
 * Locks under contention, for the bench table (issue 19): a master process (SQLite directory)
 * and 100 clients over socket.io, 10 to a file. With locks each client takes its file's lock
 * (waiting its turn), commits a version under it and releases it; the grant latency counts the
 * wait. Without locks each commits on the version it placed and tries again on a conflict.
 * Versions are of empty files: no peers, no bytes, so the figures are the master's own
 * (placement, the lock service, the directory's commit).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ephemeralIdentity, isErrorOf, MasterConnection, nodeCryptoSuite, signUp, VersionConflictError } from '@meshdrive/core';
import type { Row } from './stats.js';

const CLIENTS = Number(process.env.BENCH_LOCK_CLIENTS ?? 100);
const FILES = 10;
const ROUNDS = Number(process.env.BENCH_LOCK_ROUNDS ?? 10);
const UNCONTENDED_ROUNDS = 200;
const LAYOUT = { chunkSize: 1024, segmentChunks: 1024 };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN;
}

/** One commit of an empty version of `name` on whatever version is there, under `lock` if given. */
async function commitEmpty(master: MasterConnection, name: string, lock?: number): Promise<void> {
  const placed = await master.place({ name, size: 0, ...LAYOUT, ...(lock === undefined ? {} : { lock }) });
  await master.commit({ fileId: placed.fileId, name, baseVersion: placed.baseVersion, size: 0, ...LAYOUT, segments: [], ...(lock === undefined ? {} : { lock }) });
}

export async function runLockBench(cli: string): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'meshdrive-lock-bench-'));
  const master = spawn(process.execPath, [cli, 'master', '--port', '0', '--data', join(dir, 'master')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const connections: MasterConnection[] = [];
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      master.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(text);
        if (match) resolve(match[1]!);
      });
      master.once('exit', (code) => reject(new Error(`the lock bench's master exited (${code}): ${text}`)));
    });
    const post = async <T>(path: string, body: unknown): Promise<T> => (await (await fetch(new URL(path, url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as T;
    const { accessToken } = await signUp(nodeCryptoSuite, post, 'lockbench', 'lock bench password');
    for (let i = 0; i < CLIENTS; i++) connections.push(new MasterConnection(url, { role: 'client', identity: await ephemeralIdentity(), kind: 'node', token: accessToken }));
    await Promise.all(connections.map((connection) => connection.ready(20_000)));

    // Uncontended: one client, its own file.
    const alone: number[] = [];
    for (let round = 0; round < UNCONTENDED_ROUNDS; round++) {
      const asked = performance.now();
      const grant = await connections[0]!.lock({ name: 'alone.txt', ttlMs: 10_000, wait: true });
      alone.push(performance.now() - asked);
      await connections[0]!.unlock({ name: 'alone.txt', token: grant.token });
    }

    // With locks: every client, ROUNDS times, waits its turn on its file, commits, releases.
    const grants: number[] = [];
    const lockedStarted = performance.now();
    await Promise.all(connections.map(async (connection, i) => {
      const name = `file-${i % FILES}.txt`;
      for (let round = 0; round < ROUNDS; round++) {
        const asked = performance.now();
        const grant = await connection.lock({ name, ttlMs: 10_000, wait: true });
        grants.push(performance.now() - asked);
        await commitEmpty(connection, name, grant.token);
        await connection.unlock({ name, token: grant.token });
      }
    }));
    const lockedSeconds = (performance.now() - lockedStarted) / 1000;

    // Without locks: the same commits, compare-and-set, a conflict tried again.
    let conflicts = 0;
    const freeStarted = performance.now();
    await Promise.all(connections.map(async (connection, i) => {
      const name = `free-${i % FILES}.txt`;
      for (let round = 0; round < ROUNDS; round++) {
        for (;;) {
          try {
            await commitEmpty(connection, name);
            break;
          } catch (error) {
            if (!isErrorOf(error, VersionConflictError)) throw error;
            conflicts++;
          }
        }
      }
    }));
    const freeSeconds = (performance.now() - freeStarted) / 1000;

    const commits = CLIENTS * ROUNDS;
    const locked = commits / lockedSeconds;
    const free = commits / freeSeconds;
    const ms = (value: number): string => `${value.toFixed(1)} ms`;
    return [
      { metric: 'lock grant, uncontended (p50 / p99)', value: `${ms(percentile(alone, 0.5))} / ${ms(percentile(alone, 0.99))}` },
      { metric: `lock grant, ${CLIENTS} clients on ${FILES} files, waiting included (p50 / p99)`, value: `${ms(percentile(grants, 0.5))} / ${ms(percentile(grants, 0.99))}` },
      {
        metric: `commits/s, ${CLIENTS} clients on ${FILES} files: with locks / without (${conflicts} conflicts retried)`,
        value: `${locked.toFixed(0)} / ${free.toFixed(0)}`,
        ratio: (locked / free).toFixed(2),
      },
    ];
  } finally {
    for (const connection of connections) connection.close();
    master.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
