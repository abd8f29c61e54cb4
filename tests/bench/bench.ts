/**
 * `npm run bench`: throughput and memory of the mesh against a ceiling measured in the same run.
 * Starts a master and three disk-backed peers as real processes, measures raw node-to-node
 * data-channel MiB/s (the ceiling), then sends and receives a 64 MiB file with R = 3 and a
 * 1 GiB file for peak RSS, and prints a table. BENCH_LARGE_MIB=0 skips the large file.
 * The ceiling and the 64 MiB transfers take turns, BENCH_RUNS rounds (5), and report the median
 * with the range: on two cores a dropped UDP datagram can stall one run for seconds (see the UDP
 * row), and the machine's own speed drifts.
 * Browser numbers come from browser-bench.ts (BENCH_BROWSER=0 skips them), the disk stores'
 * own costs from store-bench.ts (BENCH_STORE_MIB, 256), locks under contention from
 * lock-bench.ts (BENCH_LOCKS=0 skips them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { runBrowserBench } from './browser-bench.js';
import { runStoreBench } from './store-bench.js';
import { runLockBench } from './lock-bench.js';
import { logIn, nodeCryptoSuite, type MeshState } from '@meshdrive/core';
import { repeat, RUNS, spread, type Row } from './stats.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'apps/cli/bin/meshdrive.js');
/**
 * TypeScript helpers run in one process (node --import tsx): the tsx command would put a
 * wrapper in front, and SIGKILL on the wrapper left the real process running, holding this
 * process's pipes open so the bench never exited.
 */
const TS_NODE = [process.execPath, '--import', 'tsx'] as const;
const MEDIUM_MIB = Number(process.env.BENCH_MEDIUM_MIB ?? 64);
const LARGE_MIB = Number(process.env.BENCH_LARGE_MIB ?? 1024);
const CEILING_MIB = Number(process.env.BENCH_CEILING_MIB ?? 256);
const STORE_MIB = Number(process.env.BENCH_STORE_MIB ?? 256);
/** What the peer that dies holds in the repair measurement (BENCH_REPAIR_MIB, 0 skips it). */
const REPAIR_MIB = Number(process.env.BENCH_REPAIR_MIB ?? 256);
/** Repair as a share of the ceiling (issue 17). */
const REPAIR_TARGET = 0.5;
const PEERS = 3;
const RSS_LIMIT_MIB = 150;
const TARGET_RATIO = 0.7;
/** Tickets cost at most 5% of a transfer's speed (issue 16). */
const TICKETS_TARGET = 0.95;
/** Durable seals cost at most 10% of a send's speed (issue 17). */
const SYNC_TARGET = 0.9;
/** Issue 18: send and receive with encryption at least this share of the same without it; text moves at most this share of its size. */
const SEALING_TARGET = 0.85;
const TEXT_TARGET = 0.5;
const TEXT_MIB = Number(process.env.BENCH_TEXT_MIB ?? 16);
const BENCH_USER = 'bench';
/** A throwaway account on the bench's own throwaway master. */
const BENCH_PASSWORD = 'bench password';

const work = mkdtempSync(join(tmpdir(), 'meshdrive-bench-'));
// The master and headless peers the bench starts inherit the mesh's join secret.
process.env.MESHDRIVE_JOIN_SECRET = randomBytes(24).toString('base64url');
const children: ChildProcess[] = [];

async function digest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function start(command: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; line(pattern: RegExp): Promise<RegExpMatchArray>; output(): string } {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  let text = '';
  const waiters: { pattern: RegExp; resolve(match: RegExpMatchArray): void }[] = [];
  const scan = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const waiter of [...waiters]) {
      const match = text.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  };
  child.stdout.on('data', scan);
  child.stderr.on('data', scan);
  return {
    child,
    output: () => text,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const match = text.match(pattern);
        if (match) return resolve(match);
        waiters.push({ pattern, resolve });
        child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before printing ${pattern}:\n${text}`)));
      }),
  };
}

/**
 * MiB/s through bare data channels (tests/bench/raw-channel.ts): `senders` processes each send
 * mib / senders MiB through `relays` forwarding processes into one receiver.
 */
async function rawChannel(url: string, relays: number, senders: number, mib: number): Promise<number> {
  const script = join(ROOT, 'tests/bench/raw-channel.ts');
  const started: ReturnType<typeof start>[] = [];
  // Each run logs in afresh: an access token lives 15 minutes, the bench longer.
  const token = await accessToken(url);
  const startHelper = (args: string[]): ReturnType<typeof start> => start(TS_NODE[0], [...TS_NODE.slice(1), script, ...args], { MESHDRIVE_TOKEN: token });
  try {
    const receiver = startHelper(['receive', url, String(senders)]);
    started.push(receiver);
    let next = (await receiver.line(/ready (\S+)/))[1]!;
    for (let i = 0; i < relays; i++) {
      const relay = startHelper(['relay', url, next]);
      started.push(relay);
      next = (await relay.line(/ready (\S+)/))[1]!;
    }
    const each = Array.from({ length: senders }, () => startHelper(['send', url, next, String(mib / senders)]));
    started.push(...each);
    await Promise.all(each.map((sender) => sender.line(/sent (\S+)/)));
    const [, bytes, ms] = await receiver.line(/received (\d+) (\d+)/);
    return Number(bytes) / 1024 / 1024 / (Number(ms) / 1000);
  } finally {
    for (const run of started) run.child.kill('SIGKILL');
  }
}

async function writeRandomFile(path: string, mib: number): Promise<void> {
  const stream = createWriteStream(path);
  for (let i = 0; i < mib; i++) if (!stream.write(randomBytes(1024 * 1024))) await once(stream, 'drain');
  stream.end();
  await once(stream, 'finish');
}

/** `mib` MiB of a server log: timestamps, levels, peers, numbers, and a few messages repeating as logs do. */
async function writeTextFile(path: string, mib: number): Promise<void> {
  const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
  const messages = ['segment sealed', 'peer joined', 'heartbeat late', 'copy ordered', 'read served', 'ticket checked', 'pack compacted'];
  const stream = createWriteStream(path);
  let written = 0;
  for (let line = 0; written < mib * 1024 * 1024; line++) {
    const random = randomBytes(8);
    const text = `2026-12-02T${String(line % 24).padStart(2, '0')}:${String(random[0]! % 60).padStart(2, '0')}:${String(random[1]! % 60).padStart(2, '0')}.${random.readUInt16LE(2) % 1000} ${levels[random[4]! % levels.length]} peer=${random.readUInt32LE(4).toString(36)} ${messages[line % messages.length]} bytes=${random.readUInt16LE(2)} took=${random[5]! % 200}ms\n`;
    written += text.length;
    if (!stream.write(text)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * UDP datagrams received and dropped because a socket's receive buffer was full, over IPv4 and
 * IPv6. Per network namespace: inside the bench's own namespace these are the mesh's alone.
 */
function udpCounters(): { received: number; dropped: number } {
  const read = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return ''; // not Linux, or IPv6 off
    }
  };
  const v6 = read('/proc/net/snmp6');
  const field6 = (name: string): number => Number(new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(v6)?.[1] ?? 0);
  const [header, values] = read('/proc/net/snmp').split('\n').filter((line) => line.startsWith('Udp:'));
  const v4 = Object.fromEntries((header ?? '').split(/\s+/).map((name, i) => [name, Number((values ?? '').split(/\s+/)[i])]));
  return { received: field6('Udp6InDatagrams') + (v4.InDatagrams ?? 0), dropped: field6('Udp6RcvbufErrors') + (v4.RcvbufErrors ?? 0) };
}

const rows: Row[] = [];

interface Mesh {
  url: string;
  peers: ReturnType<typeof start>[];
  /** The environment of a CLI run as the mesh's bench user. */
  account: Record<string, string>;
}

/** The meshes of a run: the product, and the same lacking one cost to measure it (variant-mesh.ts). */
const VARIANTS = { mesh: [], unticketed: ['no-tickets'], unsynced: ['no-sync'] } as const;

/** A master, PEERS disk-backed peers and a signed-up bench user, in `work/<name>`: the CLI's daemons, or a variant's. */
async function startMesh(name: keyof typeof VARIANTS): Promise<Mesh> {
  const dir = join(work, name);
  const variant = (args: string[]): ReturnType<typeof start> => start(TS_NODE[0], [...TS_NODE.slice(1), join(ROOT, 'tests/bench/variant-mesh.ts'), ...args, ...VARIANTS[name]]);
  const master = name === 'mesh' ? start(process.execPath, [CLI, 'master', '--port', '0', '--data', join(dir, 'master')]) : variant(['master', join(dir, 'master')]);
  const url = (await master.line(/listening on (http:\/\/\S+)/))[1]!;
  const peers = Array.from({ length: PEERS }, (_, i) =>
    name === 'mesh' ? start(process.execPath, [CLI, 'peer', '--signal', url, '--data', join(dir, `peer-${i}`)]) : variant(['peer', url, join(dir, `peer-${i}`)]),
  );
  await Promise.all(peers.map((peer) => peer.line(/joined/)));
  const account = { MESHDRIVE_HOME: join(dir, 'home'), MESHDRIVE_PASSWORD: BENCH_PASSWORD };
  const signup = start(CLI, ['signup', '--user', BENCH_USER, '--signal', url], account);
  if ((await once(signup.child, 'exit'))[0] !== 0) throw new Error(`signup on ${name} failed: ${signup.output()}`);
  return { url, peers, account };
}

/** Runs the real CLI against `mesh`; MESHDRIVE_STATS=1 makes it print its transfer time and peak RSS. */
async function cli(mesh: Mesh, args: string[]): Promise<{ seconds: number; peakRssMiB: number; peakAnonMiB: number; stdout: string }> {
  // Executed as users run it (`meshdrive ...`), so its shebang's Node flags apply.
  const run = start(CLI, [...args, '--signal', mesh.url], { MESHDRIVE_STATS: '1', ...mesh.account });
  const [code] = (await once(run.child, 'exit')) as [number];
  if (code !== 0) throw new Error(`meshdrive ${args.join(' ')} failed: ${run.output()}`);
  const stats = JSON.parse(/^\{.*"peakRssMiB".*\}$/m.exec(run.output())![0]) as { seconds: number; peakRssMiB: number; peakAnonMiB: number };
  return { ...stats, stdout: run.output() };
}

/** A bearer token for the bench user on `mesh`'s master, for /api/state. */
function tokenFor(mesh: Mesh): Promise<string> {
  return accessToken(mesh.url);
}

/** Logs the bench user in on `url` as a client does (the password stretched here first); their access token. */
async function accessToken(url: string): Promise<string> {
  const post = async <T>(path: string, body: unknown): Promise<T> => (await (await fetch(new URL(path, url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as T;
  return (await logIn(nodeCryptoSuite, post, BENCH_USER, BENCH_PASSWORD)).accessToken;
}

/** Sends or receives on `mesh` with variant-client.ts (`sealed` or `unsealed` first): the transfer's seconds. */
async function variantClient(mesh: Mesh, args: string[]): Promise<number> {
  const run = start(TS_NODE[0], [...TS_NODE.slice(1), join(ROOT, 'tests/bench/variant-client.ts'), ...args], { ...mesh.account, MESHDRIVE_SIGNAL: mesh.url, BENCH_USER });
  const [code] = (await once(run.child, 'exit')) as [number];
  if (code !== 0) throw new Error(`variant-client ${args.join(' ')} failed: ${run.output()}`);
  return (JSON.parse(/^\{.*"seconds".*\}$/m.exec(run.output())![0]) as { seconds: number }).seconds;
}

/**
 * Repair: a mesh of 4 disk peers at R = 3 holds a file such that each peer has ~REPAIR_MIB of
 * it; the peer holding most is SIGKILLed, and the time from the master declaring it dead to
 * the last segment it held having 3 live copies again gives the repair's MiB/s.
 */
async function measureRepair(ceiling: number): Promise<{ row: Row; mibs: number }> {
  const dir = join(work, 'repair');
  const master = start(process.execPath, [CLI, 'master', '--port', '0', '--data', join(dir, 'master'), '--dead-after', '2s']);
  const url = (await master.line(/listening on (http:\/\/\S+)/))[1]!;
  const peers = Array.from({ length: 4 }, (_, i) => start(process.execPath, [CLI, 'peer', '--signal', url, '--data', join(dir, `peer-${i}`)]));
  await Promise.all(peers.map((peer) => peer.line(/joined/)));
  const account = { MESHDRIVE_HOME: join(dir, 'home'), MESHDRIVE_PASSWORD: BENCH_PASSWORD };
  const signup = start(CLI, ['signup', '--user', BENCH_USER, '--signal', url], account);
  if ((await once(signup.child, 'exit'))[0] !== 0) throw new Error(`signup for the repair mesh failed: ${signup.output()}`);
  const mesh: Mesh = { url, peers, account };
  const file = join(work, 'repair.bin');
  await writeRandomFile(file, Math.ceil((REPAIR_MIB * 4) / 3));
  await cli(mesh, ['send', file]);
  rmSync(file, { force: true });
  const token = await tokenFor(mesh);
  const state = async (): Promise<MeshState> => (await (await fetch(`${url}/api/state`, { headers: { authorization: `Bearer ${token}` } })).json()) as MeshState;
  const before = await state();
  const victim = [...before.peers].sort((a, b) => b.bytes - a.bytes)[0]!;
  const segments = victim.holds.primary + victim.holds.backup;
  const copiesBefore = before.repair.copies;
  peers.find((peer) => peer.output().includes(victim.id))!.child.kill('SIGKILL');
  const poll = async (done: (now: MeshState) => boolean): Promise<number> => {
    for (;;) {
      if (done(await state())) return performance.now();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const dead = await poll((now) => now.peers.some((peer) => peer.id === victim.id && peer.status === 'dead'));
  const healed = await poll((now) => now.repair.copies - copiesBefore >= segments && now.repair.segments === 0);
  const mibs = victim.bytes / 1024 / 1024 / ((healed - dead) / 1000);
  for (const child of [master, ...peers]) child.child.kill('SIGKILL');
  const row = {
    metric: `repair: a peer holding ${(victim.bytes / 1024 / 1024).toFixed(0)} MiB dies (${segments} segments copied again / ceiling)`,
    value: `${mibs.toFixed(1)} MiB/s in ${((healed - dead) / 1000).toFixed(1)} s`,
    ratio: (mibs / ceiling).toFixed(2),
    target: `≥ ${REPAIR_TARGET}`,
    verdict: mibs / ceiling >= REPAIR_TARGET ? 'met' : 'MISSED',
  };
  return { row, mibs };
}

async function main(): Promise<void> {
  // First, while nothing else runs: the disk stores alone.
  for (const result of await runStoreBench(STORE_MIB)) {
    rows.push({
      metric: `disk store, ${result.name}: write / read, ${STORE_MIB} MiB of 1 KiB chunks`,
      value: `${result.writeMsPerMiB.toFixed(1)} / ${result.readMsPerMiB.toFixed(1)} ms CPU per MiB`,
    });
  }
  const udpBefore = udpCounters();
  const mesh = await startMesh('mesh');
  // The same mesh without tickets, and without syncing (variant-mesh.ts), idle but for their own turns in the rounds.
  const unticketed = await startMesh('unticketed');
  const unsynced = await startMesh('unsynced');
  const { url, peers } = mesh;
  let files = 0;
  /** The same round trip by variant-client.ts, with the user's keys or without, on the product's mesh. */
  const runVariantClient = async (mib: number, mode: 'sealed' | 'unsealed'): Promise<{ sendMiBs: number; receiveMiBs: number }> => {
    const name = `file-${files++}.bin`;
    const file = join(work, name);
    const out = join(work, `out-${name}`);
    await writeRandomFile(file, mib);
    const sendSeconds = await variantClient(mesh, [mode, 'send', file, name]);
    const receiveSeconds = await variantClient(mesh, [mode, 'receive', name, out]);
    if ((await digest(file)) !== (await digest(out))) throw new Error(`the ${mib} MiB file came back different without encryption`);
    rmSync(file, { force: true });
    rmSync(out, { force: true });
    return { sendMiBs: mib / sendSeconds, receiveMiBs: mib / receiveSeconds };
  };
  const runClient = async (
    mib: number,
    on: Mesh = mesh,
  ): Promise<{ sendMiBs: number; receiveMiBs: number; sendRssMiB: number; receiveRssMiB: number; sendAnonMiB: number; receiveAnonMiB: number; replication: number }> => {
    const name = `file-${files++}.bin`; // fresh random bytes each time: nothing deduplicates
    const file = join(work, name);
    const out = join(work, `out-${name}`);
    await writeRandomFile(file, mib);
    const sent = await cli(on, ['send', file]);
    const received = await cli(on, ['receive', name, '--out', out]);
    if ((await digest(file)) !== (await digest(out))) throw new Error(`the ${mib} MiB file came back different`);
    const replication = Number(/to (\d+) replicas/.exec(sent.stdout)?.[1] ?? 0);
    rmSync(file, { force: true });
    rmSync(out, { force: true });
    return { sendMiBs: mib / sent.seconds, receiveMiBs: mib / received.seconds, sendRssMiB: sent.peakRssMiB, receiveRssMiB: received.peakRssMiB, sendAnonMiB: sent.peakAnonMiB, receiveAnonMiB: received.peakAnonMiB, replication };
  };

  // The ceiling and the 64 MiB transfers take turns, one of each per round: this machine's speed
  // drifts by a third and more within minutes (ceilings of 51-91 MiB/s in one evening), and a
  // ceiling measured only before the transfers compared them with another moment's machine.
  // The variants take their turns in each round too, in an order that rotates round by round.
  const rounds = await repeat(RUNS, async (run) => {
    const ceiling = await rawChannel(url, 0, 1, CEILING_MIB);
    const turns = [
      ['medium', mesh],
      ['unticketed', unticketed],
      ['unsynced', unsynced],
      ['sealed', mesh],
      ['unsealed', mesh],
    ] as const;
    const results: Partial<Record<(typeof turns)[number][0], { sendMiBs: number; receiveMiBs: number }>> = {};
    let medium: Awaited<ReturnType<typeof runClient>> | undefined;
    for (let i = 0; i < turns.length; i++) {
      const [name, on] = turns[(run + i) % turns.length]!;
      if (name === 'sealed' || name === 'unsealed') results[name] = await runVariantClient(MEDIUM_MIB, name);
      else results[name] = await runClient(MEDIUM_MIB, on);
      if (name === 'medium') medium = results.medium as Awaited<ReturnType<typeof runClient>>;
    }
    return { ceiling, medium: medium!, unticketed: results.unticketed!, unsynced: results.unsynced!, sealed: results.sealed!, unsealed: results.unsealed! };
  });
  const mediums = rounds.map((round) => round.medium);
  const ceilings = spread(rounds.map((round) => round.ceiling));
  const ceiling = ceilings.median;
  rows.push({ metric: `raw data channel node→node, 64 KiB messages (${CEILING_MIB} MiB)`, value: ceilings.text, ratio: '1.00', target: 'ceiling' });
  // What the same transport allows in the shapes of a write (3 hops in a chain) and a read
  // (3 senders into 1): on two cores these already cost more than one pair does.
  const chain = await rawChannel(url, 2, 1, CEILING_MIB / 4);
  rows.push({ metric: 'raw chain send→relay→relay→receive (× 3 hops)', value: `${chain.toFixed(1)} MiB/s`, ratio: ((chain * 3) / ceiling).toFixed(2), target: 'bound for send × R' });
  const fanIn = await rawChannel(url, 0, 3, CEILING_MIB / 2);
  rows.push({ metric: 'raw fan-in, 3 senders → 1 receiver', value: `${fanIn.toFixed(1)} MiB/s`, ratio: (fanIn / ceiling).toFixed(2), target: 'bound for receive' });

  const r = Math.min(...mediums.map((run) => run.replication));
  const sends = spread(mediums.map((run) => run.sendMiBs));
  const receives = spread(mediums.map((run) => run.receiveMiBs));
  const sendRatio = (sends.median * r) / ceiling;
  const receiveRatio = receives.median / ceiling;
  const runs = RUNS > 1 ? `, median of ${RUNS}` : '';
  rows.push({ metric: `send ${MEDIUM_MIB} MiB, R = ${r} (send × R / ceiling${runs})`, value: sends.text, ratio: sendRatio.toFixed(2), target: `≥ ${TARGET_RATIO}`, verdict: sendRatio >= TARGET_RATIO ? 'met' : 'MISSED' });
  rows.push({ metric: `receive ${MEDIUM_MIB} MiB (receive / ceiling${runs})`, value: receives.text, ratio: receiveRatio.toFixed(2), target: `≥ ${TARGET_RATIO}`, verdict: receiveRatio >= TARGET_RATIO ? 'met' : 'MISSED' });
  // What tickets and syncing cost: the same transfers on the same machine, in the same rounds,
  // on a mesh without them.
  const against = (what: string, mine: { median: number }, theirs: number[], target: number): void => {
    const without = spread(theirs);
    const ratio = mine.median / without.median;
    rows.push({ metric: `${what} (same rounds${runs})`, value: `${mine.median.toFixed(1)} / ${without.text}`, ratio: ratio.toFixed(2), target: `≥ ${target}`, verdict: ratio >= target ? 'met' : 'MISSED' });
  };
  against(`send ${MEDIUM_MIB} MiB with tickets / without`, sends, rounds.map((round) => round.unticketed.sendMiBs), TICKETS_TARGET);
  against(`receive ${MEDIUM_MIB} MiB with tickets / without`, receives, rounds.map((round) => round.unticketed.receiveMiBs), TICKETS_TARGET);
  against(`send ${MEDIUM_MIB} MiB with fdatasync at every seal / without`, sends, rounds.map((round) => round.unsynced.sendMiBs), SYNC_TARGET);
  // Encryption: one client program with the user's keys and without, so nothing else differs.
  against(`send ${MEDIUM_MIB} MiB random, encrypted / not`, spread(rounds.map((round) => round.sealed.sendMiBs)), rounds.map((round) => round.unsealed.sendMiBs), SEALING_TARGET);
  against(`receive ${MEDIUM_MIB} MiB random, encrypted / not`, spread(rounds.map((round) => round.sealed.receiveMiBs)), rounds.map((round) => round.unsealed.receiveMiBs), SEALING_TARGET);
  // Text is deflated before it is sealed: what moves against what the file holds.
  {
    const file = join(work, 'log.txt');
    await writeTextFile(file, TEXT_MIB);
    const sent = await cli(mesh, ['send', file]);
    const moved = /moved ([\d.]+) (B|KiB|MiB)/.exec(sent.stdout)!;
    const movedMiB = Number(moved[1]) / { B: 1024 * 1024, KiB: 1024, MiB: 1 }[moved[2] as 'B' | 'KiB' | 'MiB'];
    const share = movedMiB / TEXT_MIB;
    rows.push({ metric: `text (a ${TEXT_MIB} MiB log) moved / its size`, value: `${movedMiB.toFixed(2)} of ${TEXT_MIB} MiB`, ratio: share.toFixed(2), target: `≤ ${TEXT_TARGET}`, verdict: share <= TEXT_TARGET ? 'met' : 'MISSED' });
    rmSync(file, { force: true });
  }
  // The same medians against the bare transport in the same shape, measured above: what is
  // left to gain in the mesh's own code, where the rows above also count the two cores' limits.
  rows.push({ metric: `send ${MEDIUM_MIB} MiB against the raw chain (send / chain)`, value: `${sends.median.toFixed(1)} / ${chain.toFixed(1)} MiB/s`, ratio: (sends.median / chain).toFixed(2) });
  rows.push({ metric: `receive ${MEDIUM_MIB} MiB against the raw fan-in (receive / fan-in)`, value: `${receives.median.toFixed(1)} / ${fanIn.toFixed(1)} MiB/s`, ratio: (receives.median / fanIn).toFixed(2) });
  /** Peak RSS over `runs`: "send / receive MiB; anonymous send / receive". */
  const rssText = (runs: (typeof mediums)[number][]): string => {
    const most = (pick: (run: (typeof mediums)[number]) => number): string => Math.max(...runs.map(pick)).toFixed(0);
    return `${most((run) => run.sendRssMiB)} / ${most((run) => run.receiveRssMiB)} MiB; ${most((run) => run.sendAnonMiB)} / ${most((run) => run.receiveAnonMiB)}`;
  };
  rows.push({ metric: `client peak RSS, ${MEDIUM_MIB} MiB file (send / receive; anonymous)`, value: rssText(mediums) });

  if (REPAIR_MIB > 0) {
    const repair = await measureRepair(ceiling);
    rows.push(repair.row);
    // Every copy lands on the one live peer without one, from the two with: the fan-in shape.
    rows.push({ metric: 'repair against the raw fan-in (repair / fan-in)', value: `${repair.mibs.toFixed(1)} / ${fanIn.toFixed(1)} MiB/s`, ratio: (repair.mibs / fanIn).toFixed(2) });
  }

  if (LARGE_MIB > 0) {
    const large = await runClient(LARGE_MIB);
    rows.push({ metric: `send ${LARGE_MIB} MiB, R = ${large.replication}`, value: `${large.sendMiBs.toFixed(1)} MiB/s`, ratio: ((large.sendMiBs * large.replication) / ceiling).toFixed(2) });
    rows.push({ metric: `receive ${LARGE_MIB} MiB`, value: `${large.receiveMiBs.toFixed(1)} MiB/s`, ratio: (large.receiveMiBs / ceiling).toFixed(2) });
    const worst = Math.max(large.sendRssMiB, large.receiveRssMiB);
    rows.push({
      metric: `client peak RSS, ${LARGE_MIB} MiB file (send / receive; anonymous)`,
      value: rssText([large]),
      target: `< ${RSS_LIMIT_MIB} MiB`,
      verdict: worst < RSS_LIMIT_MIB ? 'met' : 'MISSED',
    });
  }
  const udp = udpCounters();
  const dropped = udp.dropped - udpBefore.dropped;
  const received = udp.received - udpBefore.received;
  rows.push({
    metric: `UDP datagrams dropped at full receive buffers${process.env.MESHDRIVE_NETNS ? '' : ' (whole host)'}`,
    value: `${dropped} of ${received + dropped} (${((100 * dropped) / Math.max(1, received + dropped)).toFixed(2)}%)`,
    target: 'each drop risks a 1-5 s SCTP stall',
  });
  const peerRss = Math.max(...peers.map((peer) => peakRssMiB(peer.child.pid!)));
  rows.push({ metric: 'peer peak RSS (largest of 3)', value: `${peerRss.toFixed(0)} MiB` });

  if (process.env.BENCH_LOCKS !== '0') rows.push(...(await runLockBench(CLI)));

  if (process.env.BENCH_BROWSER !== '0') {
    rows.push(...(await runBrowserBench()));
  }
}

function printTable(): void {
  const headers: Row = { metric: 'metric', value: 'value', ratio: 'ratio', target: 'target', verdict: 'verdict' };
  const keys = ['metric', 'value', 'ratio', 'target', 'verdict'] as const;
  const all = [headers, ...rows];
  const widths = keys.map((key) => Math.max(...all.map((row) => (row[key] ?? '').length)));
  const line = (row: Row): string => `| ${keys.map((key, i) => (row[key] ?? '').padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`\n${line(headers)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
}

try {
  await main();
  printTable();
} catch (error) {
  printTable();
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
