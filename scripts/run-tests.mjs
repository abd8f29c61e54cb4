#!/usr/bin/env node
// Runs the whole vitest suite. As root it runs inside a network namespace made for this run
// (scripts/netns.mjs), so every test's traffic stays on loopback or the namespace's own veth
// pair; elsewhere it runs on the host network. Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { canCreateNamespace, createNamespace, deleteNamespace } from './netns.mjs';

const root = new URL('..', import.meta.url).pathname;
const vitest = ['node_modules/.bin/vitest', 'run', ...process.argv.slice(2)];
const env = { ...process.env, MESHDRIVE_TEST_NETNS: '' };
let status;
if (canCreateNamespace() && !process.env.MESHDRIVE_NO_NETNS) {
  const name = `meshdrive-test-${process.pid}`;
  createNamespace(name);
  process.stderr.write(`run-tests: running inside network namespace ${name}\n`);
  const cleanup = () => deleteNamespace(name);
  process.on('SIGINT', () => { cleanup(); process.exit(130); });
  process.on('SIGTERM', () => { cleanup(); process.exit(143); });
  try {
    status = spawnSync('ip', ['netns', 'exec', name, ...vitest], { cwd: root, stdio: 'inherit', env: { ...env, MESHDRIVE_TEST_NETNS: name } }).status;
  } finally {
    cleanup();
  }
} else {
  process.stderr.write('run-tests: no network namespace (not root or no iproute2); running on the host network\n');
  status = spawnSync(vitest[0], vitest.slice(1), { cwd: root, stdio: 'inherit', env }).status;
}
process.exit(status ?? 1);
