/**
 * `npm start`: the whole mesh on this machine. Builds the web app, starts a master on port 7070
 * with its data under ./.meshdrive, three headless disk peers, makes a local demo account (its
 * password kept in .meshdrive/demo-password, readable by you only) and logs this machine's CLI
 * in as it, and prints where to go. Ctrl-C stops everything; data stays for the next start.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'apps/cli/bin/meshdrive.js');
const PORT = process.env.MESHDRIVE_PORT ?? '7070';
const DATA = join(ROOT, '.meshdrive');
const PEERS = 3;
const URL_ = `http://127.0.0.1:${PORT}`;
const DEMO_USER = 'demo';
const DEMO_PASSWORD_FILE = join(DATA, 'demo-password');

const children: ChildProcess[] = [];

function run(name: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (line: string): string => `[${name}] ${line}`;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line) process.stdout.write(`${prefix(line)}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) process.stdout.write(prefix(`exited (${signal ?? code})\n`));
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  for (const child of [...children].reverse()) child.kill('SIGTERM');
  setTimeout(() => process.exit(0), 1500).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

process.stdout.write('Building the web app...\n');
execFileSync(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], { cwd: ROOT, stdio: 'inherit' });

const master = run('master', ['master', '--port', PORT, '--data', join(DATA, 'master')]);
await new Promise<void>((resolve, reject) => {
  master.stdout?.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('listening on')) resolve();
  });
  master.once('exit', () => reject(new Error(`the master did not start: is port ${PORT} taken? Set MESHDRIVE_PORT to use another.`)));
}).catch((error: unknown) => {
  process.stderr.write(`npm start: ${error instanceof Error ? error.message : String(error)}\n`);
  stop();
  process.exit(1);
});
// The master made the mesh's join secret in its data directory; the headless peers present it.
const joinSecret = process.env.MESHDRIVE_JOIN_SECRET ?? readFileSync(join(DATA, 'master', 'join-secret'), 'utf8').trim();
for (let i = 1; i <= PEERS; i++) run(`peer-${i}`, ['peer', '--signal', URL_, '--data', join(DATA, `peer-${i}`), '--label', `node-${i}`], { MESHDRIVE_JOIN_SECRET: joinSecret });

/** The demo account's password: made once, then read back, so the account outlives restarts. */
function demoPassword(): { password: string; fresh: boolean } {
  if (existsSync(DEMO_PASSWORD_FILE)) return { password: readFileSync(DEMO_PASSWORD_FILE, 'utf8').trim(), fresh: false };
  mkdirSync(DATA, { recursive: true });
  const password = randomBytes(9).toString('base64url');
  writeFileSync(DEMO_PASSWORD_FILE, `${password}\n`, { mode: 0o600 });
  return { password, fresh: true };
}

const demo = demoPassword();
try {
  const command = demo.fresh ? 'signup' : 'login';
  execFileSync(process.execPath, [CLI, command, '--user', DEMO_USER, '--signal', URL_], { env: { ...process.env, MESHDRIVE_PASSWORD: demo.password }, stdio: 'pipe' });
} catch (error) {
  const output = (error as { stderr?: Buffer }).stderr?.toString().trim();
  process.stderr.write(`npm start: could not log in as the demo account (${output ?? String(error)}); sign up in the web app instead\n`);
}

process.stdout.write(`
Meshdrive is running.
  Web app:     ${URL_}   (open it: your tab becomes a storage peer too)
  Log in as:   ${DEMO_USER} / ${demo.password}   (a local demo account; the password is in ${DEMO_PASSWORD_FILE})
               or create your own account on the first screen. The CLI on this machine is logged in as ${DEMO_USER}.
  Mesh state:  ${URL_}/api/state
  Try:         npx meshdrive send README.md && npx meshdrive ls && npx meshdrive receive README.md --out /tmp/README.copy
Data lives in ${DATA}. Press Ctrl-C to stop.

`);
