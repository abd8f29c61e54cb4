#!/usr/bin/env node
// Installs what `npm start`, `npm test` and `npm run bench` need on a fresh clone: npm packages
// (when node_modules is missing or older than the lockfile) and, with --browser, Debian's
// Chromium (as root, via apt-get; never a downloaded browser). Plain Node, no dependencies.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const wantBrowser = process.argv.includes('--browser');

function run(command, args) {
  process.stderr.write(`ensure-deps: ${command} ${args.join(' ')}\n`);
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
}

const lock = `${root}package-lock.json`;
const marker = `${root}node_modules/.package-lock.json`;
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);

if (wantBrowser && !existsSync('/usr/bin/chromium')) {
  if (process.getuid?.() === 0) {
    run('apt-get', ['update', '-q']);
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium']);
  } else {
    process.stderr.write('ensure-deps: Chromium is missing; install it with: sudo apt-get install chromium\n');
    process.exit(1);
  }
}
