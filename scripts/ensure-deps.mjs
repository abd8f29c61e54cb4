#!/usr/bin/env node
// Installs what `npm start`, `npm test` and `npm run bench` need on a fresh clone: npm packages
// (when node_modules is missing or older than the lockfile); with --browser, Debian's Chromium
// (never a downloaded browser); with --servers, Debian's postgresql and redis-server. Debian
// packages are installed as root with apt-get. Plain Node, no dependencies.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const wantBrowser = process.argv.includes('--browser');
/** PostgreSQL and Redis, which the tests and the bench start on their own sockets (apps/signal/src/local-servers.ts). */
const wantServers = process.argv.includes('--servers');

function run(command, args) {
  process.stderr.write(`ensure-deps: ${command} ${args.join(' ')}\n`);
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
}

const lock = `${root}package-lock.json`;
const marker = `${root}node_modules/.package-lock.json`;
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);

/** Debian packages the run needs and lacks, each given with the path that shows it installed. */
const wanted = [
  ...(wantBrowser ? [['chromium', () => existsSync('/usr/bin/chromium')]] : []),
  ...(wantServers ? [
    ['postgresql', () => existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((version) => existsSync(`/usr/lib/postgresql/${version}/bin/postgres`))],
    ['redis-server', () => existsSync('/usr/bin/redis-server')],
  ] : []),
];
const missing = wanted.filter(([, installed]) => !installed()).map(([name]) => name);
if (missing.length > 0) {
  if (process.getuid?.() === 0) {
    run('apt-get', ['update', '-q']);
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing]);
  } else {
    process.stderr.write(`ensure-deps: missing Debian packages; install them with: sudo apt-get install ${missing.join(' ')}\n`);
    process.exit(1);
  }
}
