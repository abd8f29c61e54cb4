#!/usr/bin/env node
// The type check and the lint, side by side (one core each): together they take as long as
// the lint alone. Each one's output is printed whole when it ends; the exit code is non-zero if
// either failed. Each runs its package.json script, so the command lines live in one place.
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const checks = ['typecheck', 'lint'];

const results = await Promise.all(
  checks.map(
    (name) =>
      new Promise((resolve) => {
        const child = spawn('npm', ['run', '--silent', name], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (data) => (output += data));
        child.stderr.on('data', (data) => (output += data));
        child.on('error', (error) => resolve({ name, ok: false, output: `${output}${error.message}\n` }));
        child.on('close', (code) => resolve({ name, ok: code === 0, output }));
      }),
  ),
);
for (const { name, ok, output } of results) {
  process.stdout.write(output);
  console.log(`${name}: ${ok ? 'passed' : 'FAILED'}`);
}
process.exit(results.every((result) => result.ok) ? 0 : 1);
