#!/usr/bin/env node
// Runs the whole vitest suite inside a private network namespace when possible (in-netns.mjs).
// Extra arguments go to vitest, e.g. `node scripts/run-tests.mjs tests/e2e`.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const result = spawnSync(process.execPath, [`${root}scripts/in-netns.mjs`, `${root}node_modules/.bin/vitest`, 'run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
