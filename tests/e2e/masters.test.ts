/**
 * Several masters serving one mesh: three `meshdrive master` processes on one PostgreSQL
 * directory and one Redis (both Debian's, started on sockets in temporary directories), with
 * headless peers spread over them, each given every master's URL, its own first.
 *
 * - A file sent through the first master is received through the third; a user signed up on
 *   one logs in on another; a lock taken through one holds against writes through another.
 * - SIGKILL of the master a client and half the peers are on: they move to another, the send in
 *   flight completes or fails cleanly and succeeds when retried, and every acknowledged file
 *   is still readable.
 * - SIGKILL of the coordinator: another takes over with a larger epoch, and an order made under
 *   the old epoch is refused.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asPeerId, StaleEpochError, type MeshState } from '@meshdrive/core';
import { PgDirectory } from '@meshdrive/signal';
import { startPostgres, startRedis, type LocalPostgres, type LocalServer } from '@meshdrive/signal/local-servers';
import { Daemon, FAST_TIMINGS, runCli, TEST_PASSWORD, TEST_USER, waitFor, type CliResult } from './harness.js';

describe('three masters on one PostgreSQL directory and one Redis', () => {
  let postgres: LocalPostgres;
  let redis: LocalServer;
  let root: string;
  let directoryUrl: string;
  const masters: { daemon: Daemon; url: string }[] = [];
  const peers: { daemon: Daemon; id: string; master: number }[] = [];
  const daemons: Daemon[] = [];

  const cli = (args: string[], master: number, home = join(root, 'home')): Promise<CliResult> =>
    runCli([...args, '--signal', masters[master]!.url], root, undefined, { MESHDRIVE_HOME: home, MESHDRIVE_PASSWORD: TEST_PASSWORD });

  async function startMaster(directory: string, redisUrl: string): Promise<{ daemon: Daemon; url: string }> {
    const daemon = new Daemon(`master ${masters.length + 1}`, ['master', '--port', '0', '--directory', directory, '--redis', redisUrl, ...FAST_TIMINGS], root);
    daemons.push(daemon);
    const [, url] = await daemon.waitForOutput(/master listening on (http:\/\/127\.0\.0\.1:\d+)/);
    return { daemon, url: url! };
  }

  /** Every master's URL, `first`'s first: what peers and clients are given. */
  const signalList = (first: number): string => [first, ...[0, 1, 2].filter((index) => index !== first)].map((index) => masters[index]!.url).join(',');

  async function startPeer(master: number): Promise<void> {
    const dataDir = join(root, `peer-${peers.length + 1}`);
    const daemon = new Daemon(`peer ${peers.length + 1}`, ['peer', '--signal', signalList(master), '--data', dataDir, '--capacity', '1GiB'], root);
    daemons.push(daemon);
    const [, id] = await daemon.waitForOutput(/peer ([A-Za-z0-9_-]{43}) joined/);
    peers.push({ daemon, id: id!, master });
  }

  /** /api/state as master `index` serves it to TEST_USER. */
  async function stateAt(index: number, home = join(root, 'home')): Promise<MeshState> {
    const saved = JSON.parse(readFileSync(join(home, 'credentials.json'), 'utf8')) as { sessions: Record<string, { accessToken: string }> };
    const token = Object.values(saved.sessions)[0]!.accessToken;
    const response = await fetch(`${masters[index]!.url}/api/state`, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`/api/state answered ${response.status}`);
    return (await response.json()) as MeshState;
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'meshdrive-masters-'));
    mkdirSync(join(root, 'home'));
    [postgres, redis] = await Promise.all([startPostgres({ fsync: false }), startRedis()]);
    directoryUrl = await postgres.createDatabase();
    for (let i = 0; i < 3; i++) masters.push(await startMaster(directoryUrl, redis.url));
    const signup = await cli(['signup', '--user', TEST_USER], 0);
    if (signup.code !== 0) throw new Error(`signup failed: ${signup.stderr}`);
    // Six peers, spread: two on each master.
    for (const master of [0, 1, 2, 0, 1, 2]) await startPeer(master);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(daemons.map((daemon) => daemon.kill('SIGKILL')));
    await Promise.all([postgres?.stop(), redis?.stop()]);
    rmSync(root, { recursive: true, force: true });
  });

  it('shows every peer online on every master', async () => {
    for (const index of [0, 1, 2]) {
      await waitFor(`master ${index + 1} to see every peer online`, async () => {
        const state = await stateAt(index);
        return peers.every((peer) => state.peers.some((view) => view.id === peer.id && view.status === 'online')) ? true : undefined;
      }, 20_000, () => daemons.map((daemon) => daemon.describe()).join('\n'));
    }
  });

  it('receives through the third master a file sent through the first, byte-exact; a user signed up on one logs in on another', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const path = join(root, 'sent.bin');
    writeFileSync(path, bytes);
    const sent = await cli(['send', path, '--name', 'across.bin'], 0);
    expect(sent.code, sent.stderr).toBe(0);

    const otherHome = join(root, 'home-third');
    mkdirSync(otherHome);
    const login = await cli(['login', '--user', TEST_USER], 2, otherHome);
    expect(login.code, login.stderr).toBe(0);
    const out = join(root, 'received.bin');
    const received = await cli(['receive', 'across.bin', '--out', out], 2, otherHome);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);

    // The session the third master gave is good on the second: one signing key, kept in the directory.
    const atSecond = await stateAt(1, otherHome);
    expect(atSecond.files).toHaveLength(1);
    expect(atSecond.files[0]!.size).toBeGreaterThanOrEqual(bytes.length);
  });

  it('holds a lock taken through one master against a write through another', async () => {
    const locked = await cli(['lock', 'across.bin', '--ttl', '1m'], 0);
    expect(locked.code, locked.stderr).toBe(0);
    const otherHome = join(root, 'home-third');
    const path = join(root, 'change.bin');
    writeFileSync(path, randomBytes(4096));
    const refused = await cli(['send', path, '--name', 'across.bin'], 2, otherHome);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/"across\.bin" is locked by tester/);
    expect((await cli(['unlock', 'across.bin'], 0)).code).toBe(0);
    const written = await cli(['send', path, '--name', 'across.bin'], 2, otherHome);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toContain('stored "across.bin" v2');
  });

  it('moves a client and the peers of a SIGKILLed master to another: the send in flight completes or fails cleanly and succeeds when retried, and every acknowledged file is still readable', async () => {
    const home = join(root, 'home-moving');
    mkdirSync(home);
    const onSecond = signalList(1);
    const run = (args: string[]): Promise<CliResult> => runCli([...args, '--signal', onSecond], root, undefined, { MESHDRIVE_HOME: home, MESHDRIVE_PASSWORD: TEST_PASSWORD });
    expect((await run(['login', '--user', TEST_USER])).code).toBe(0);
    const acknowledged = new Map<string, Buffer>();
    const before = randomBytes(1024 * 1024);
    writeFileSync(join(root, 'before.bin'), before);
    expect((await run(['send', join(root, 'before.bin')])).code).toBe(0);
    acknowledged.set('before.bin', before);

    const big = randomBytes(24 * 1024 * 1024);
    writeFileSync(join(root, 'inflight.bin'), big);
    const stored = async (): Promise<number> => (await stateAt(0)).peers.reduce((sum, peer) => sum + peer.bytes, 0);
    const baseline = await stored();
    const sending = new Daemon('send in flight', ['send', join(root, 'inflight.bin'), '--signal', onSecond], root, undefined, { MESHDRIVE_HOME: home, MESHDRIVE_PASSWORD: TEST_PASSWORD });
    daemons.push(sending);
    // In flight: the peers hold some of it (their stats come with their heartbeats).
    await waitFor('the send to be under way', async () => ((await stored()) >= baseline + 8 * 1024 * 1024 ? true : undefined), 60_000, () => sending.describe());
    expect(sending.alive, sending.describe()).toBe(true);
    await masters[1]!.daemon.kill('SIGKILL');
    const ended = await sending.exited;
    if (ended.code !== 0) {
      const lines = sending.stderr.trim().split('\n').filter((line) => !/\r|%/.test(line));
      expect(lines.at(-1), sending.stderr).toMatch(/^meshdrive: /);
      const retried = await run(['send', join(root, 'inflight.bin')]);
      expect(retried.code, retried.stderr).toBe(0);
    }
    acknowledged.set('inflight.bin', big);

    // The second master's two peers rejoin another master; the others see them online again.
    await waitFor('every peer online again on the first and third masters', async () => {
      const states = await Promise.all([stateAt(0), stateAt(2)]);
      return states.every((state) => peers.every((peer) => state.peers.some((view) => view.id === peer.id && view.status === 'online'))) ? true : undefined;
    }, 30_000, () => daemons.map((daemon) => daemon.describe()).join('\n'));

    for (const [name, bytes] of acknowledged) {
      const out = join(root, `again-${name}`);
      const received = await run(['receive', name, '--out', out]);
      expect(received.code, received.stderr).toBe(0);
      expect(readFileSync(out).equals(bytes), name).toBe(true);
    }
  }, 180_000);

  it('elects another coordinator with a larger epoch when the coordinator is SIGKILLed, and refuses an order of the old epoch', async () => {
    const alive = masters.filter((master) => master.daemon.alive);
    /** The epoch a master says it coordinates under now, if it does. */
    const epochOf = (master: { daemon: Daemon }): number | undefined => {
      const last = master.daemon.stdout.split('\n').filter((line) => line.includes('coordinates the mesh')).at(-1);
      const match = last === undefined ? null : /^this master coordinates the mesh \(epoch (\d+)\)/.exec(last);
      return match ? Number(match[1]) : undefined;
    };
    const coordinator = await waitFor('a live master to coordinate', () => alive.find((master) => epochOf(master) !== undefined));
    const oldEpoch = epochOf(coordinator)!;
    await coordinator.daemon.kill('SIGKILL');
    const successor = alive.find((master) => master !== coordinator)!;
    const newEpoch = await waitFor('the other live master to take over', () => epochOf(successor), 15_000, () => successor.daemon.describe());
    expect(newEpoch).toBeGreaterThan(oldEpoch);

    // An order the old coordinator might still have been carrying out when it died.
    const directory = await PgDirectory.open(directoryUrl);
    try {
      const [list] = (await directory.segmentsAfter('', 1))[0]!;
      const holders = (await directory.segmentInfo([list])).get(list)!.holders;
      const outsider = peers.map((peer) => asPeerId(peer.id)).find((id) => !holders.includes(id))!;
      await expect(directory.addHolder(list, outsider, oldEpoch)).rejects.toBeInstanceOf(StaleEpochError);
      expect((await directory.segmentInfo([list])).get(list)!.holders).toEqual(holders);
    } finally {
      await directory.close();
    }
  }, 60_000);
});
