/**
 * Many clients, one file, with real processes: locks refuse others' writes and say who holds
 * them; waiters get a lock in the order they asked; a killed holder's lease lapses and the next
 * waiter gets a larger fencing token; a frozen holder that wakes after its lease lapsed has its
 * commit refused; and without locks, of two writers racing for one version exactly one wins
 * while readers see one whole version or the other.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesSource, memorySink, VersionConflictError, type ByteSource } from '@meshdrive/core';
import { oneLineError, sleep, TestMesh, waitFor } from './harness.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const LOCKED = /^locked "(.+)" until \d\d:\d\d:\d\d UTC \(fencing token (\d+)\)/m;
const tokenOf = (stdout: string): number => Number(LOCKED.exec(stdout)?.[2] ?? NaN);

describe('locks and concurrent writers', () => {
  let mesh: TestMesh;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3 });
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('refuses others\' writes and locks at once saying who holds the lock and until when; the holder writes under it; unlock frees it', async () => {
    const laptop = mesh.otherMachine();
    const desktop = mesh.otherMachine();
    const onLaptop = { env: { MESHDRIVE_HOME: laptop } };
    const onDesktop = { env: { MESHDRIVE_HOME: desktop } };
    const first = mesh.writeFile(20 * KIB, 'report.txt');
    expect((await mesh.cli(['send', first.path], onLaptop)).code).toBe(0);

    const locked = await mesh.cli(['lock', 'report.txt', '--ttl', '1m'], onLaptop);
    expect(locked.code, locked.stderr).toBe(0);
    expect(locked.stdout).toMatch(LOCKED);

    const edit = mesh.writeFile(20 * KIB, 'edit.bin');
    const refused = await mesh.cli(['send', edit.path, '--name', 'report.txt'], onDesktop);
    expect(refused.code).toBe(1);
    expect(oneLineError(refused)).toMatch(/^meshdrive: "report\.txt" is locked by tester \(the command line on .+\) until \d\d:\d\d:\d\d UTC; wait for it with --wait$/);
    const lockedToo = await mesh.cli(['lock', 'report.txt'], onDesktop);
    expect(lockedToo.code).toBe(1);
    expect(oneLineError(lockedToo)).toMatch(/is locked by tester/);
    const listed = await mesh.cli(['ls'], onDesktop);
    expect(listed.stdout).toMatch(/LOCKED BY[\s\S]*report\.txt.*tester \(the command line on .+\) until/);

    // The holder's machine writes under its lock.
    const mine = mesh.writeFile(20 * KIB, 'mine.bin');
    const sent = await mesh.cli(['send', mine.path, '--name', 'report.txt'], onLaptop);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain('stored "report.txt" v2');

    expect((await mesh.cli(['unlock', 'report.txt'], onLaptop)).stdout).toBe('unlocked "report.txt"\n');
    const again = await mesh.cli(['unlock', 'report.txt'], onLaptop);
    expect(oneLineError(again)).toBe('meshdrive: you hold no lock on "report.txt"');
    const after = await mesh.cli(['send', edit.path, '--name', 'report.txt'], onDesktop);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain('stored "report.txt" v3');
  }, 120_000);

  it('hands the lock to five waiters in the order they asked, each with a larger fencing token', async () => {
    const holder = mesh.otherMachine();
    const held = await mesh.cli(['lock', 'queue.txt', '--ttl', '1m'], { env: { MESHDRIVE_HOME: holder } });
    expect(held.code, held.stderr).toBe(0);
    const homes = Array.from({ length: 5 }, () => mesh.otherMachine());
    const waiters = [];
    for (const [index, home] of homes.entries()) {
      const waiter = mesh.spawnCli(`waiter ${index + 1}`, ['lock', 'queue.txt', '--ttl', '1m', '--wait'], home);
      // Queued before the next one asks.
      await waiter.waitForStderr(/is locked by tester .* waiting for it/);
      await sleep(200);
      waiters.push(waiter);
    }
    const tokens = [tokenOf(held.stdout)];
    let releasing = holder;
    for (const [index, waiter] of waiters.entries()) {
      expect((await mesh.cli(['unlock', 'queue.txt'], { env: { MESHDRIVE_HOME: releasing } })).code).toBe(0);
      const { code } = await waiter.exited;
      expect(code, waiter.describe()).toBe(0);
      // Only this waiter has it: the ones behind it still wait.
      for (const behind of waiters.slice(index + 1)) expect(behind.alive).toBe(true);
      tokens.push(tokenOf(waiter.stdout));
      releasing = homes[index]!;
    }
    expect(tokens.every((token, i) => i === 0 || token > tokens[i - 1]!), tokens.join(' ')).toBe(true);
    expect((await mesh.cli(['unlock', 'queue.txt'], { env: { MESHDRIVE_HOME: releasing } })).code).toBe(0);
  }, 120_000);

  it('lets a SIGKILLed holder\'s lease lapse: the next waiter gets the lock with a larger fencing token', async () => {
    expect((await mesh.cli(['send', mesh.writeFile(10 * KIB, 'big.bin').path])).code).toBe(0);
    const expiry = async (): Promise<number | undefined> => (JSON.parse((await mesh.cli(['ls', 'big.bin', '--json'])).stdout) as { lock?: { expiresAt: number } }[])[0]?.lock?.expiresAt;
    const holder = mesh.otherMachine();
    const held = await mesh.cli(['lock', 'big.bin', '--ttl', '10s'], { env: { MESHDRIVE_HOME: holder } });
    expect(held.code, held.stderr).toBe(0);
    const firstExpiry = (await expiry())!;
    // The holder sends under its lock, renewing it as it writes, and is killed halfway.
    const big = mesh.writeFile(48 * MIB, 'big.bin');
    const sending = mesh.spawnCli('holder', ['send', big.path], holder);
    const waiterHome = mesh.otherMachine();
    const waiter = mesh.spawnCli('waiter', ['lock', 'big.bin', '--ttl', '1m', '--wait'], waiterHome);
    await waiter.waitForStderr(/waiting for it/);
    await waitFor('the send to renew the lock', async () => ((await expiry())! > firstExpiry ? true : undefined), 15_000);
    expect(sending.alive, sending.describe()).toBe(true);
    expect(waiter.alive).toBe(true);
    await sending.kill('SIGKILL');
    const killedAt = Date.now();
    const { code } = await waiter.exited;
    expect(code, waiter.describe()).toBe(0);
    // No longer than one lease (10 s) after the kill, and the master's release pass.
    expect(Date.now() - killedAt).toBeLessThan(10_000 + 3_000);
    expect(tokenOf(waiter.stdout)).toBeGreaterThan(tokenOf(held.stdout));
    expect((await mesh.cli(['unlock', 'big.bin'], { env: { MESHDRIVE_HOME: waiterHome } })).code).toBe(0);
  }, 120_000);

  it('refuses the commit of a holder that froze past its lease and woke after the next holder wrote; readers see the next holder\'s version', async () => {
    const first = mesh.writeFile(20 * KIB, 'fenced.bin');
    expect((await mesh.cli(['send', first.path])).code).toBe(0);
    const frozenHome = mesh.otherMachine();
    expect((await mesh.cli(['lock', 'fenced.bin', '--ttl', '8s'], { env: { MESHDRIVE_HOME: frozenHome } })).code).toBe(0);
    const expiry = async (): Promise<number> => (JSON.parse((await mesh.cli(['ls', 'fenced.bin', '--json'])).stdout) as { lock?: { expiresAt: number } }[])[0]?.lock?.expiresAt ?? 0;
    const firstExpiry = await expiry();
    const stale = mesh.writeFile(48 * MIB, 'stale.bin');
    const frozen = mesh.spawnCli('frozen writer', ['send', stale.path, '--name', 'fenced.bin'], frozenHome);
    // Writing under the lock: the send has renewed it.
    await waitFor('the send to renew its lock', async () => ((await expiry()) > firstExpiry ? true : undefined), 15_000, () => `first expiry ${firstExpiry}\n${frozen.describe()}`);
    expect(frozen.alive, frozen.describe()).toBe(true);
    frozen.child.kill('SIGSTOP'); // a long pause: no renewals, its lease lapses
    const next = mesh.writeFile(20 * KIB, 'next.bin');
    try {
      const nextHome = mesh.otherMachine();
      const written = await mesh.cli(['send', next.path, '--name', 'fenced.bin', '--wait'], { env: { MESHDRIVE_HOME: nextHome } });
      expect(written.code, written.stderr).toBe(0);
      expect(written.stdout).toContain('stored "fenced.bin" v2');
    } finally {
      frozen.child.kill('SIGCONT');
    }
    const { code } = await frozen.exited;
    expect(code, frozen.describe()).toBe(1);
    expect(frozen.stderr).toMatch(/meshdrive: your lock on "fenced\.bin" \(fencing token \d+\) lapsed before the write: lock it again and send again/);
    const out = mesh.outPath('fenced.bin');
    expect((await mesh.cli(['receive', 'fenced.bin', '--out', out])).code).toBe(0);
    expect(readFileSync(out).equals(next.bytes)).toBe(true);
  }, 180_000);

  it('of two writers racing for the same version exactly one wins and the other gets a conflict; readers see one whole version or the other', async () => {
    const [writerA, writerB, reader] = [await mesh.client(), await mesh.client(), await mesh.client()];
    const base = new Uint8Array(256 * KIB).fill(1);
    await writerA.store('race.bin', bytesSource(base));
    const contents = [new Uint8Array(256 * KIB).fill(2), new Uint8Array(256 * KIB).fill(3)];
    // Both place (on version 1) before either writes a byte: a true race for version 2.
    let placed = 0;
    let bothPlaced!: () => void;
    const barrier = new Promise<void>((resolve) => (bothPlaced = resolve));
    const onPlaced = (): void => {
      if (++placed === 2) bothPlaced();
    };
    const gated = (bytes: Uint8Array): ByteSource => ({ size: bytes.length, read: async (offset, length) => (await barrier, bytes.subarray(offset, offset + length)) });
    let racing = true;
    const seen: Uint8Array[] = [];
    const reading = (async () => {
      while (racing) {
        const sink = memorySink();
        await reader.read('race.bin', sink);
        seen.push(sink.bytes());
      }
    })();
    const results = await Promise.allSettled([writerA.store('race.bin', gated(contents[0]!), { onPlaced }), writerB.store('race.bin', gated(contents[1]!), { onPlaced })]);
    racing = false;
    await reading;
    const won = results.findIndex((result) => result.status === 'fulfilled');
    const lost = results.findIndex((result) => result.status === 'rejected');
    expect([won, lost].sort()).toEqual([0, 1]);
    expect((results[won] as PromiseFulfilledResult<{ summary: { version: number } }>).value.summary.version).toBe(2);
    const failure = (results[lost] as PromiseRejectedResult).reason as Error & { code: string };
    expect(failure.code).toBe(VersionConflictError.code);
    expect(failure.message).toBe('"race.bin" changed while you were writing it (expected version 1, found 2); send again');
    expect(seen.length).toBeGreaterThan(0);
    for (const bytes of seen) expect([base, contents[won]].some((whole) => Buffer.from(whole!).equals(bytes))).toBe(true);
    const final = memorySink();
    await reader.read('race.bin', final);
    expect(Buffer.from(final.bytes()).equals(contents[won]!)).toBe(true);
  }, 120_000);
});
