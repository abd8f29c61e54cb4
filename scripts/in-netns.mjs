#!/usr/bin/env node
// Runs a command inside a network namespace made for this run (see netns.mjs), so every test
// or benchmark's traffic stays on loopback or the namespace's own veth pair. Without root or
// iproute2 (a developer's own machine) it runs the command on the host network.
//   node scripts/in-netns.mjs <command> [args...]
import { spawnSync } from 'node:child_process';
import { canCreateNamespace, createNamespace, deleteNamespace } from './netns.mjs';

const root = new URL('..', import.meta.url).pathname;
const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: node scripts/in-netns.mjs <command> [args...]\n');
  process.exit(2);
}
let status;
if (canCreateNamespace() && !process.env.MESHDRIVE_NO_NETNS) {
  const name = `meshdrive-${process.pid}`;
  createNamespace(name);
  process.stderr.write(`in-netns: running inside network namespace ${name}\n`);
  const cleanup = () => deleteNamespace(name);
  process.on('SIGINT', () => { cleanup(); process.exit(130); });
  process.on('SIGTERM', () => { cleanup(); process.exit(143); });
  try {
    status = spawnSync('ip', ['netns', 'exec', name, command, ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, MESHDRIVE_NETNS: name, MESHDRIVE_TEST_NETNS: name } }).status;
  } finally {
    cleanup();
  }
} else {
  process.stderr.write('in-netns: no network namespace (not root or no iproute2); using the host network\n');
  status = spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status;
}
process.exit(status ?? 1);
