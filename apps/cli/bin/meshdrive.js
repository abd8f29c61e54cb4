#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4
// The shebang caps V8's young generation at 4 MiB semi-spaces: transfers allocate many
// short-lived 64 KiB buffers, and the default 16 MiB semi-spaces added ~30 MiB to a 1 GiB
// transfer's peak RSS for no speed gain (measured with MESHDRIVE_STATS=1). It also keeps glibc
// to two malloc arenas: WebRTC's threads allocate what the main thread frees, and with an arena
// per thread a receive's RSS crept by ~1 MiB per 40 MiB received (125 MiB after 512 MiB, 150
// after 1 GiB); with two it stayed flat at 110, at the same speed.
// Starts the CLI from a bundle of its TypeScript sources (apps/cli/dist), rebuilding the bundle
// with esbuild whenever a source is newer. Running through a TypeScript loader instead costs
// ~50 MiB of memory per process and a slower start; npm packages stay external.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const bundle = join(root, 'apps/cli/dist/meshdrive.mjs');
const sourceDirs = ['apps/cli/src', 'apps/signal/src', 'packages/core/src'].map((dir) => join(root, dir));

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    return sourceDirs.every((dir) => newestSource(dir) < built);
  } catch {
    return false;
  }
}

function externalPackages() {
  const names = new Set();
  for (const manifest of ['package.json', 'apps/cli/package.json', 'apps/signal/package.json', 'packages/core/package.json']) {
    const json = JSON.parse(readFileSync(join(root, manifest), 'utf8'));
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
      for (const name of Object.keys(json[field] ?? {})) if (!name.startsWith('@meshdrive/')) names.add(name);
    }
  }
  return [...names];
}

/**
 * `meshdrive master` serves the web app from apps/web/dist. On a fresh clone it has not been
 * built yet, so the master builds it first (Vite, ~15 s, once) instead of serving a page that
 * asks for a build. Built beside the target and renamed, as the bundle is.
 */
async function buildWebAppIfMissing() {
  const dist = join(root, 'apps/web/dist');
  if (existsSync(join(dist, 'index.html'))) return;
  let vite;
  try {
    vite = await import('vite');
  } catch {
    return; // installed without dev dependencies: the master says how to build it
  }
  process.stderr.write('meshdrive: building the web app (first start only)...\n');
  const temporary = `${dist}.${process.pid}.tmp`;
  try {
    await vite.build({ configFile: join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir: temporary, emptyOutDir: true } });
  } catch (error) {
    // The master still starts; its page at / says how to build the app.
    rmSync(temporary, { recursive: true, force: true });
    process.stderr.write(`meshdrive: could not build the web app (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); run npm run build:web\n`);
    return;
  }
  if (existsSync(join(dist, 'index.html'))) rmSync(temporary, { recursive: true, force: true });
  else {
    rmSync(dist, { recursive: true, force: true });
    renameSync(temporary, dist);
  }
}

if (process.argv[2] === 'master') await buildWebAppIfMissing();

if (!bundleIsFresh()) {
  // Split: the daemons' code (and the packages only they import) sits in its own chunk, loaded
  // by `master` and `peer` alone. Built beside the target and moved in, chunks (their names
  // hashed) before the entry: several processes may start at once.
  const temporary = `${dirname(bundle)}.${process.pid}.tmp`;
  await build({
    entryPoints: { meshdrive: join(root, 'apps/cli/src/main.ts') },
    outdir: temporary,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: externalPackages(),
    sourcemap: 'inline',
    logLevel: 'error',
  });
  // Chunks beside the entry, not in a folder of their own: code in them finds the web app and
  // other files relative to its own URL, as it did when everything was one file.
  const out = dirname(bundle);
  mkdirSync(out, { recursive: true });
  const fresh = readdirSync(temporary).filter((name) => name !== 'meshdrive.mjs');
  for (const chunk of fresh) renameSync(join(temporary, chunk), join(out, chunk));
  renameSync(join(temporary, 'meshdrive.mjs'), bundle);
  rmSync(temporary, { recursive: true, force: true });
  // Earlier builds' chunks, once no process started from them can still be loading them.
  for (const name of readdirSync(out)) {
    const stale = name !== 'meshdrive.mjs' && name.endsWith('.mjs') && !fresh.includes(name);
    if (stale && Date.now() - statSync(join(out, name)).mtimeMs > 3_600_000) rmSync(join(out, name), { force: true });
  }
}

await import(pathToFileURL(bundle).href);
