/**
 * Real processes for end-to-end tests: a master and headless peers started with the
 * `meshdrive` CLI, one-shot CLI commands, SIGKILL, and cleanup of every child and temporary
 * directory even when a test fails. Servers listen on port 0; all traffic stays on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import {
  asPeerId,
  connectClient,
  ConnectionPool,
  ephemeralIdentity,
  provenJoin,
  randomId,
  MasterConnection,
  nodeRtcEndpoints,
  nodeSealing,
  revealState,
  sealedCodec,
  segmentBytes,
  DEFAULT_LAYOUT,
  type Manifest,
  type MeshClient,
  type Sealing,
  type MeshState,
  type PeerId,
  type RpcConnection,
  type WriteTicket,
} from '@meshdrive/core';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI_PATH = join(REPO_ROOT, 'apps/cli/bin/meshdrive.js');

/**
 * Short master timings so failures are noticed within seconds. Stale is kept well above the
 * heartbeat: a peer busy writing a 20 MiB send answers beats late, and a stale peer gets no
 * new writes (a flapping peer would make replica counts in assertions random).
 */
export const FAST_TIMINGS = ['--heartbeat-ms', '100', '--stale-ms', '1500', '--dead-ms', '3000'];
export const DEFAULT_WAIT_MS = 30_000;
const POLL_MS = 100;
const CLI_TIMEOUT_MS = 120_000;
const LOG_TAIL_LINES = 15;

/** Every child any harness started, so a crashed test run still kills them on exit. */
const allChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of allChildren) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what` and the last error. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = DEFAULT_WAIT_MS, context?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}${context ? `\n${context()}` : ''}`);
    }
    await sleep(POLL_MS);
  }
}

/** A long-running CLI process (master or peer) with its output kept for assertions and diagnostics. */
export class Daemon {
  readonly child: ChildProcess;
  readonly name: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stdoutText = '';
  private stderrText = '';

  /** `netns`: run it in that network namespace (`ip netns exec`, which execs it: the pid is the daemon's own). */
  constructor(name: string, args: string[], cwd: string, netns?: string, env: NodeJS.ProcessEnv = {}) {
    this.name = name;
    const command: [string, string[]] = netns ? ['ip', ['netns', 'exec', netns, process.execPath, CLI_PATH, ...args]] : [process.execPath, [CLI_PATH, ...args]];
    this.child = spawn(command[0], command[1], { cwd, env: { ...cliEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    allChildren.add(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => { this.stdoutText += text; });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => { this.stderrText += text; });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        allChildren.delete(this.child);
        resolve({ code, signal });
      });
    });
  }

  get stdout(): string { return this.stdoutText; }
  get stderr(): string { return this.stderrText; }
  get alive(): boolean { return this.child.exitCode === null && this.child.signalCode === null; }
  get pid(): number { return this.child.pid!; }

  /** Waits for a line of stdout matching `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs = DEFAULT_WAIT_MS): Promise<RegExpMatchArray> {
    return waitFor(`${this.name} to print ${String(pattern)}`, () => {
      if (!this.alive) throw new Error(`${this.name} exited: ${this.describe()}`);
      return pattern.exec(this.stdoutText) ?? undefined;
    }, timeoutMs, () => this.describe());
  }

  /** Waits for stderr to match `pattern` (a one-shot command's notices go there). */
  waitForStderr(pattern: RegExp, timeoutMs = DEFAULT_WAIT_MS): Promise<RegExpMatchArray> {
    return waitFor(`${this.name} to say ${String(pattern)}`, () => {
      if (!this.alive) throw new Error(`${this.name} exited: ${this.describe()}`);
      return pattern.exec(this.stderrText) ?? undefined;
    }, timeoutMs, () => this.describe());
  }

  /** Sends `signal` (SIGKILL by default) and waits until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.alive) this.child.kill(signal);
    await this.exited;
  }

  describe(): string {
    const tail = (text: string): string => text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n  ');
    return `--- ${this.name} (pid ${this.child.pid}, ${this.alive ? 'alive' : `exited ${this.child.exitCode ?? this.child.signalCode}`})\n  stdout: ${tail(this.stdoutText)}\n  stderr: ${tail(this.stderrText)}`;
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface PeerProcess {
  id: PeerId;
  dataDir: string;
  daemon: Daemon;
}

export interface MeshOptions {
  peers?: number;
  masterArgs?: string[];
}

/** Every mesh's first user, signed up when it starts; the CLI runs logged in as them. */
export const TEST_USER = 'tester';
export const TEST_PASSWORD = 'correct horse battery';
/**
 * The mesh's join secret in every test: the masters and headless peers the tests start (here
 * and in any test spawning the CLI itself) inherit it from this process's environment.
 */
export const TEST_JOIN_SECRET = 'e2e-test-join-secret-0123456789';
process.env.MESHDRIVE_JOIN_SECRET = TEST_JOIN_SECRET;

function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.MESHDRIVE_SIGNAL;
  delete env.MESHDRIVE_TOKEN;
  delete env.MESHDRIVE_HOME;
  delete env.MESHDRIVE_PASSWORD;
  return env;
}

/**
 * The chunks a file of `size` random bytes is stored as, sealed (crypto/sealed-codec.ts): per
 * segment its data chunks, plus the header chunks holding a 12-byte nonce per chunk after 28
 * bytes of segment info. Random data never deflates enough to be kept deflated.
 */
export function sealedChunkCount(size: number, chunkSize = 1024, segmentChunks = 1024): number {
  let chunks = 0;
  for (let start = 0; start < size; start += chunkSize * segmentChunks) {
    const data = Math.ceil(Math.min(chunkSize * segmentChunks, size - start) / chunkSize);
    chunks += data + Math.ceil((28 + 12 * data) / chunkSize);
  }
  return chunks;
}

/**
 * Flips one byte of `needle` (a chunk's stored bytes) in whichever of a stopped peer's pack
 * files holds it, behind its back; false when none does.
 */
export function flipInPacks(dataDir: string, needle: Uint8Array): boolean {
  const packs = join(dataDir, 'packs');
  return readdirSync(packs).some((name) => {
    const pack = readFileSync(join(packs, name));
    const at = pack.indexOf(needle);
    if (at < 0) return false;
    pack[at + 100] = pack[at + 100]! ^ 0x01;
    writeFileSync(join(packs, name), pack);
    return true;
  });
}

/** A master and its peers in one temporary directory. Start it in beforeAll, close it in afterAll. */
export class TestMesh {
  readonly root: string;
  readonly masterDir: string;
  readonly filesDir: string;
  /** MESHDRIVE_HOME of the CLI commands this mesh runs: where TEST_USER's session is kept. */
  readonly home: string;
  /** TEST_USER's access token, for /api/state and raw sockets. */
  token = '';
  master!: Daemon;
  url = '';
  port = 0;
  readonly peers: PeerProcess[] = [];
  private readonly daemons: Daemon[] = [];
  private readonly masterArgs: string[];
  private peerCount = 0;
  private fileCount = 0;
  private readonly closers: (() => void)[] = [];

  private constructor(options: MeshOptions) {
    this.root = mkdtempSync(join(tmpdir(), 'meshdrive-e2e-'));
    this.masterDir = join(this.root, 'master');
    this.filesDir = join(this.root, 'files');
    this.home = join(this.root, 'home');
    mkdirSync(this.filesDir);
    this.masterArgs = options.masterArgs ?? [];
  }

  /** Starts a master on port 0 and `peers` disk peers, and waits until all are online. */
  static async start(options: MeshOptions = {}): Promise<TestMesh> {
    const mesh = new TestMesh(options);
    try {
      await mesh.startMaster();
      await mesh.signUp();
      await Promise.all(Array.from({ length: options.peers ?? 3 }, () => mesh.startPeer()));
      await mesh.waitForOnline(mesh.peers.map((peer) => peer.id));
    } catch (error) {
      await mesh.close();
      throw error;
    }
    return mesh;
  }

  /** Starts the master (again) on its data directory; `port` 0 picks a free port. */
  async startMaster(port = this.port): Promise<Daemon> {
    const daemon = this.track(new Daemon('master', ['master', '--port', String(port), '--data', this.masterDir, ...FAST_TIMINGS, ...this.masterArgs], this.root));
    this.master = daemon;
    const [, url, listenPort] = await daemon.waitForOutput(/master listening on (http:\/\/127\.0\.0\.1:(\d+))/);
    this.url = url!;
    this.port = Number(listenPort);
    await waitFor('the master to answer /healthz', async () => ((await fetch(`${this.url}/healthz`)).ok ? true : undefined));
    return daemon;
  }

  /** Signs TEST_USER up through the CLI, which keeps the session in this mesh's home. */
  async signUp(): Promise<void> {
    const result = await this.cli(['signup', '--user', TEST_USER]);
    if (result.code !== 0) throw new Error(`signup failed: ${result.stderr}`);
    const saved = JSON.parse(readFileSync(join(this.home, 'credentials.json'), 'utf8')) as { sessions: Record<string, { accessToken: string }> };
    this.token = saved.sessions[this.url]!.accessToken;
  }

  /**
   * Starts a peer with a disk store; passing an earlier peer's `dataDir` restarts that peer. `args`
   * go to `meshdrive peer`; `where` runs it in another network namespace, reaching the master at `signal`.
   */
  async startPeer(dataDir = join(this.root, `peer-${++this.peerCount}`), capacity = '1GiB', args: string[] = [], where: { netns?: string; signal?: string } = {}): Promise<PeerProcess> {
    const daemon = this.track(new Daemon(`peer ${dataDir.split('/').pop()}`, ['peer', '--signal', where.signal ?? this.url, '--data', dataDir, '--capacity', capacity, ...args], this.root, where.netns));
    const [, id] = await daemon.waitForOutput(/peer ([A-Za-z0-9_-]{43}) storing in/);
    await daemon.waitForOutput(/peer [A-Za-z0-9_-]{43} joined/);
    const peer = { id: asPeerId(id!), dataDir, daemon };
    const index = this.peers.findIndex((known) => known.dataDir === dataDir);
    if (index >= 0) this.peers[index] = peer;
    else this.peers.push(peer);
    return peer;
  }

  peer(id: string): PeerProcess {
    const peer = this.peers.find((candidate) => candidate.id === id);
    if (!peer) throw new Error(`no peer ${id} in this mesh`);
    return peer;
  }

  /** /api/state as TEST_USER's client shows it: file names and sizes opened with the user's keys. */
  async state(): Promise<MeshState> {
    return revealState(await this.sealing(), await this.rawState());
  }

  /** /api/state as the master serves it: names are lookup tokens, sizes rounded up to a chunk. */
  async rawState(): Promise<MeshState> {
    const response = await fetch(`${this.url}/api/state`, { headers: { authorization: `Bearer ${this.token}` } });
    if (!response.ok) throw new Error(`/api/state answered ${response.status}`);
    return (await response.json()) as MeshState;
  }

  private sealed: Promise<Sealing> | undefined;
  /** TEST_USER's keys, from the session the CLI saved at sign-up. */
  sealing(): Promise<Sealing> {
    this.sealed ??= (async () => {
      const saved = JSON.parse(readFileSync(join(this.home, 'credentials.json'), 'utf8')) as { sessions: Record<string, { user: string; masterKey: string }> };
      return nodeSealing(saved.sessions[this.url]!);
    })();
    return this.sealed;
  }

  /**
   * The stored (sealed) bytes of segment `index` of `plain` sent as `name` with the default layout:
   * sealing is deterministic, so they are what the peers hold. Tests that damage a chunk on disk
   * find it with this.
   */
  async sealedSegment(name: string, plain: Uint8Array, index = 0): Promise<Uint8Array> {
    const sealing = await this.sealing();
    const { key } = await sealing.keys.chunkKey(await this.tokenOf(name));
    const codec = sealedCodec({ crypto: sealing.keys.crypto, compressor: sealing.compressor, chunkSize: DEFAULT_LAYOUT.chunkSize, key });
    const bytes = segmentBytes(DEFAULT_LAYOUT);
    return codec.encode(plain.subarray(index * bytes, (index + 1) * bytes));
  }

  /** What the master knows `name` by. */
  async tokenOf(name: string): Promise<string> {
    return (await this.sealing()).keys.lookupToken(name);
  }

  /** Polls /api/state until `check` returns a value. */
  waitForState<T>(what: string, check: (state: MeshState) => T | undefined, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    return waitFor(what, async () => check(await this.state()), timeoutMs, () => this.describe());
  }

  waitForOnline(ids: readonly string[], timeoutMs = DEFAULT_WAIT_MS): Promise<MeshState> {
    return this.waitForState(`peers ${ids.map((id) => id.slice(0, 8)).join(', ')} online`, (state) =>
      ids.every((id) => state.peers.some((peer) => peer.id === id && peer.status === 'online')) ? state : undefined, timeoutMs);
  }

  waitForStatus(id: string, status: 'online' | 'stale' | 'dead', timeoutMs = DEFAULT_WAIT_MS): Promise<MeshState> {
    return this.waitForState(`peer ${id.slice(0, 8)} ${status}`, (state) =>
      state.peers.some((peer) => peer.id === id && peer.status === status) ? state : undefined, timeoutMs);
  }

  /** Runs a one-shot CLI command against this mesh's master; `env` adds to its environment. */
  cli(args: string[], options: { signal?: boolean; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
    const full = options.signal === false ? args : [...args, '--signal', this.url];
    return runCli(full, this.root, options.timeoutMs, { MESHDRIVE_HOME: this.home, MESHDRIVE_PASSWORD: TEST_PASSWORD, ...options.env });
  }

  /**
   * Another machine of TEST_USER's: a MESHDRIVE_HOME of its own, logged in with the same session,
   * with none of this one's locks or received files. Pass it as `env.MESHDRIVE_HOME`.
   */
  otherMachine(): string {
    const home = join(this.root, `home-${randomId().slice(0, 8)}`);
    mkdirSync(home, { mode: 0o700 });
    copyFileSync(join(this.home, 'credentials.json'), join(home, 'credentials.json'));
    return home;
  }

  /** Starts a one-shot CLI command to watch while it runs (or kill), from `home` (this mesh's by default). */
  spawnCli(name: string, args: string[], home = this.home): Daemon {
    return this.track(new Daemon(name, [...args, '--signal', this.url], this.root, undefined, { MESHDRIVE_HOME: home, MESHDRIVE_PASSWORD: TEST_PASSWORD }));
  }

  /** A client in this test process, with TEST_USER's keys: for races the CLI cannot time. */
  async client(): Promise<MeshClient> {
    const link = await connectClient({ signalUrl: this.url, token: this.token, sealing: await this.sealing() });
    this.closers.push(() => link.close());
    return link.client;
  }

  /** Writes a local file of `size` random bytes (or the given bytes) and returns its path and contents. */
  writeFile(contents: number | Uint8Array, name = `file-${++this.fileCount}.bin`): { path: string; bytes: Buffer } {
    const bytes = typeof contents === 'number' ? randomBytes(contents) : Buffer.from(contents);
    const path = join(this.filesDir, name);
    writeFileSync(path, bytes);
    return { path, bytes };
  }

  outPath(name: string): string {
    return join(this.filesDir, `out-${++this.fileCount}-${name}`);
  }

  /** A raw socket.io client joined as a node client, for requests the CLI never makes. */
  rawSocket(auth?: Record<string, unknown>): Socket {
    const fields = { role: 'client', kind: 'node', token: this.token };
    const socket = io(this.url, { auth: auth ?? ((send) => void provenJoin(this.url, fields).then(send)), transports: ['websocket'], reconnection: false, forceNew: true });
    this.closers.push(() => socket.disconnect());
    return socket;
  }

  /**
   * The current manifest of `name`, as the master serves it to a client: asked for by its token,
   * or by its name for a file stored in clear before encryption.
   */
  async locate(name: string): Promise<{ manifest: Manifest; status: Record<string, string> }> {
    const socket = this.rawSocket();
    try {
      await connected(socket);
      type Answer = { ok: boolean; value?: { manifest: Manifest; status: Record<string, string> }; error?: { code: string; message: string } };
      const ask = async (wireName: string): Promise<Answer> => (await socket.timeout(10_000).emitWithAck('locate', { name: wireName })) as Answer;
      let answer = await ask(await this.tokenOf(name));
      if (!answer.ok && answer.error?.code === 'ERR_FILE_NOT_FOUND') answer = await ask(name);
      if (!answer.ok || !answer.value) throw new Error(`locate ${name} failed: ${answer.error?.message ?? 'malformed reply'}`);
      return answer.value;
    } finally {
      socket.disconnect();
    }
  }

  /** Opens a real WebRTC connection from this test process to `peerId`, through the master. */
  async dialPeer(peerId: string): Promise<{ rpc: RpcConnection; master: MasterConnection; pool: ConnectionPool }> {
    const identity = await ephemeralIdentity();
    const id = identity.id;
    const master = new MasterConnection(this.url, { role: 'client', identity, kind: 'node', token: this.token });
    const pool = new ConnectionPool({ selfId: id, signaling: master, createEndpoint: nodeRtcEndpoints() });
    this.closers.push(() => {
      pool.close();
      master.close();
    });
    await master.ready();
    const rpc = await pool.connect(asPeerId(peerId));
    return { rpc, master, pool };
  }

  /**
   * Write tickets the master signs for `master`'s client, one per segment of a made-up file
   * placed for the purpose: each lets one raw Offer (then its Pushes and Seal) through, to any
   * peer of its chain (every peer, in a mesh of at most R peers).
   */
  async writeTickets(master: MasterConnection, count: number): Promise<WriteTicket[]> {
    const placed = await master.place({ name: `tickets-${randomId()}`, size: count * 1024, chunkSize: 1024, segmentChunks: 1 });
    return placed.tickets;
  }

  /** Logs of every process, for failure messages. */
  describe(): string {
    return this.daemons.map((daemon) => daemon.describe()).join('\n');
  }

  /** Kills every process this mesh started and deletes its directory. Safe to call twice. */
  async close(): Promise<void> {
    for (const close of this.closers.splice(0)) {
      try { close(); } catch { /* already closed */ }
    }
    await Promise.all(this.daemons.map((daemon) => daemon.kill('SIGKILL')));
    rmSync(this.root, { recursive: true, force: true });
  }

  private track(daemon: Daemon): Daemon {
    this.daemons.push(daemon);
    return daemon;
  }
}

export function runCli(args: string[], cwd: string, timeoutMs = CLI_TIMEOUT_MS, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd, env: { ...cliEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    allChildren.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => { stdout += text; });
    child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`meshdrive ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      allChildren.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function connected(socket: Socket, timeoutMs = 10_000): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket.io connection timed out')), timeoutMs);
    socket.once('connect', () => { clearTimeout(timer); resolve(); });
    socket.once('connect_error', (error) => { clearTimeout(timer); reject(error); });
  });
}

/** A failed CLI command's stderr: exactly one line, no stack trace. */
export function oneLineError(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((line) => line.length > 0);
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}:\n${result.stderr}`);
  if (/\n\s+at |\bat .*\(.*:\d+:\d+\)/.test(result.stderr)) throw new Error(`stderr holds a stack trace:\n${result.stderr}`);
  return lines[0]!;
}

/** The holders of each segment of `manifest`, primary first. */
export function holdersOf(manifest: Manifest): string[][] {
  return manifest.segments.map((segment) => segment.holders);
}
