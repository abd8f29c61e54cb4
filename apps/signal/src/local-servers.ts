/**
 * PostgreSQL and Redis from Debian's packages (`postgresql`, `redis-server`), each started in a
 * temporary directory and reached through a Unix socket in it: nothing listens on a network
 * address. For tests and the bench; `scripts/ensure-deps.mjs --servers` installs the packages.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user the package made.
 *
 * @example
 * const postgres = await startPostgres();
 * const directory = await PgDirectory.open(await postgres.createDatabase());
 * await postgres.stop();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface LocalServer {
  /** The URL a client connects with: postgres://… with the socket directory as `host`, or unix:///…/redis.sock. */
  url: string;
  /** The server's process id, for a test that kills it. */
  pid: number;
  stop(): Promise<void>;
}

export interface LocalPostgres extends LocalServer {
  /** Makes a new empty database and gives its URL. */
  createDatabase(): Promise<string>;
}

const PG_ROOT = '/usr/lib/postgresql';

/** The newest installed PostgreSQL's bin directory. */
function postgresBin(): string {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = versions.map((version) => join(PG_ROOT, version, 'bin')).find((dir) => existsSync(join(dir, 'postgres')));
  if (!bin) throw new Error("PostgreSQL is not installed: run `node scripts/ensure-deps.mjs --servers` (Debian's postgresql package)");
  return bin;
}

/** As root, the `postgres` user the package made (PostgreSQL will not run as root); otherwise nobody else. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout);
  return { uid: id('-u'), gid: id('-g') };
}

/** A new temporary directory, owned by `owner` when given. */
function tempDir(prefix: string, owner?: { uid: number; gid: number }): string {
  const dir = mkdtempSync(join(tmpdir(), `meshdrive-${prefix}-`));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

/** Starts `command` and resolves once `ready()` holds, or rejects with its output if it exits or 30 s pass. */
async function startServer(name: string, command: string, args: string[], ready: () => Promise<boolean>, user?: { uid: number; gid: number }): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...user });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited at start: ${output.trim().slice(-2000)}`);
    if (await ready().catch(() => false)) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start within 30 s: ${output.trim().slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopServer(child: ChildProcess, signal: NodeJS.Signals, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
}

/** A PostgreSQL server of its own: a new cluster in a temporary directory, its socket there too, trust auth for the local socket only. */
export async function startPostgres(options: { fsync?: boolean } = {}): Promise<LocalPostgres> {
  const bin = postgresBin();
  const user = serverUser();
  const dir = tempDir('pg', user);
  const data = join(dir, 'data');
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], { encoding: 'utf8', ...user });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(init.stderr || init.stdout).trim()}`);
  }
  const url = (database: string): string => `postgres://postgres@localhost/${database}?host=${encodeURIComponent(dir)}`;
  const settings = ['-c', "listen_addresses=", '-c', `unix_socket_directories=${dir}`, '-c', 'max_connections=200', '-c', `fsync=${options.fsync === false ? 'off' : 'on'}`];
  const child = await startServer('PostgreSQL', join(bin, 'postgres'), ['-D', data, ...settings], async () => {
    const client = new pg.Client({ connectionString: url('postgres') });
    try {
      await client.connect();
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  }, user);
  let databases = 0;
  return {
    url: url('postgres'),
    pid: child.pid!,
    async createDatabase() {
      const name = `meshdrive_${++databases}`;
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    // SIGINT is PostgreSQL's fast shutdown: it ends sessions and stops at once.
    stop: () => stopServer(child, 'SIGINT', dir),
  };
}

/** The redis-server binary, or a clear error naming how to install it. */
function redisBin(): string {
  for (const path of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (existsSync(path)) return path;
  throw new Error("Redis is not installed: run `node scripts/ensure-deps.mjs --servers` (Debian's redis-server package)");
}

/**
 * A Redis server of its own, on a Unix socket in a temporary directory, with no persistence.
 * Its url is `unix:///…/redis.sock`, which connectRedis (cluster/redis.ts) understands.
 */
export async function startRedis(): Promise<LocalServer> {
  const dir = tempDir('redis');
  const socket = join(dir, 'redis.sock');
  const child = await startServer('Redis', redisBin(), ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir], () => Promise.resolve(existsSync(socket)));
  return { url: `unix://${socket}`, pid: child.pid!, stop: () => stopServer(child, 'SIGTERM', dir) };
}
