/** The one-shot commands: send, receive, ls, rm, status. Each connects, does one thing, exits. */
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { connectClient, FOLDER_SEPARATOR, fileNameSchema, isErrorOf, LockLapsedError, SORT_KEYS, type ConnectedClient, type FileSummary, type MeshState, type Sealing, type SortKey } from '@meshdrive/core';
import { fileKey, heldLock, keepRenewing, ownerOf, SEND_LOCK_TTL_MS, takeLock, versionOf } from './file-commands.js';
import { heldLocks, receivedFiles, type ReceivedFile } from './local-state.js';
import { sealingFor } from './credentials.js';
import { openSink, openSource } from './file-io.js';
import { signalUrl, token, UsageError, type CliValues } from './options.js';
import { ProgressBar } from './progress.js';
import { formatBytes } from './sizes.js';

/**
 * Resident memory from /proc/self/status, in MiB: anonymous pages (the heap and buffers a
 * transfer allocates), file pages (node and @roamhq/wrtc's code, ~125 MiB of files, mapped as
 * touched: ~45 MiB) and the peak of both together. Undefined off Linux.
 */
function residentMiB(): { anon: number; file: number; peak: number } | undefined {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
    return { anon: field('RssAnon'), file: field('RssFile'), peak: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/** The largest anonymous RSS sampled while stats are on. */
let peakAnonMiB = 0;

/** With MESHDRIVE_STATS=1, one JSON line on stderr for benchmarks: transfer time and peak memory. */
function reportStats(seconds: number, bytes: number): void {
  if (process.env.MESHDRIVE_STATS !== '1') return;
  const resident = residentMiB();
  peakAnonMiB = Math.max(peakAnonMiB, resident?.anon ?? 0);
  // VmHWM, not getrusage's maxRSS where /proc has it: Linux starts a spawned process's maxRSS at
  // its parent's RSS at the fork (a child of a 343 MiB process reported 304 MiB with VmHWM at
  // 40), so the bench's clients showed the bench's own size.
  const peakRssMiB = resident && Number.isFinite(resident.peak) ? resident.peak : process.resourceUsage().maxRSS / 1024;
  process.stderr.write(`${JSON.stringify({ seconds, bytes, peakRssMiB, peakAnonMiB })}\n`);
}

/** Bytes done so far, for the stats samples. */
let statsDone = 0;

if (process.env.MESHDRIVE_STATS === '1') {
  // Memory and progress every 250 ms, to see where a transfer's peak comes from and where it stalls.
  const started = Date.now();
  setInterval(() => {
    const usage = process.memoryUsage();
    const resident = residentMiB();
    peakAnonMiB = Math.max(peakAnonMiB, resident?.anon ?? 0);
    const mib = (bytes: number): number => Math.round(bytes / 1048576);
    process.stderr.write(
      `sample t=${Date.now() - started}ms done=${mib(statsDone)}MiB rss=${mib(usage.rss)} anon=${Math.round(resident?.anon ?? 0)} file=${Math.round(resident?.file ?? 0)} ` +
        `heapUsed=${mib(usage.heapUsed)} external=${mib(usage.external)} arrayBuffers=${mib(usage.arrayBuffers)}\n`,
    );
  }, 250).unref();
}

/**
 * Connects with the logged-in user's keys, so files are sealed here; `status` alone goes without
 * them when there are none (it then shows names as the master knows them: tokens).
 */
export async function withClient<T>(values: CliValues, run: (connected: ConnectedClient) => Promise<T>, keys: 'required' | 'optional' = 'required'): Promise<T> {
  const url = signalUrl(values);
  const sealing = await sealingFor(url).then(
    (found): Sealing | Error => found,
    (error: unknown): Sealing | Error => (error instanceof Error ? error : new Error(String(error))),
  );
  // Connected first: an unreachable master, or one that wants a log-in, says so before missing keys do.
  const connected = await connectClient({ signalUrl: url, token: token(values), ...(sealing instanceof Error ? {} : { sealing }) });
  if (sealing instanceof Error && keys === 'required') {
    connected.close();
    throw sealing;
  }
  try {
    return await run(connected);
  } finally {
    connected.close();
  }
}

/**
 * A password of the file's own: the first line of --password-file FILE, else
 * MESHDRIVE_FILE_PASSWORD; none when neither is given.
 */
export async function filePassword(values: CliValues): Promise<string | undefined> {
  const path = values['password-file'];
  if (path === undefined) return process.env.MESHDRIVE_FILE_PASSWORD || undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the password file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const password = text.split(/\r?\n/)[0]!;
  if (password === '') throw new UsageError(`the password file ${path} is empty`);
  return password;
}

export function checkName(name: string): string {
  const parsed = fileNameSchema.safeParse(name);
  if (!parsed.success) throw new UsageError(`"${name}" is not a valid name: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return name;
}

export async function runSend(path: string, values: CliValues): Promise<number> {
  const name = checkName(values.name ?? basename(path));
  const password = await filePassword(values);
  const key = await fileKey(values, name);
  const source = await openSource(path);
  try {
    return await withClient(values, async ({ client }) => {
      // Under this machine's lock on the file, if it holds one; else, with --wait, under one taken for the send.
      const owner = ownerOf(values);
      let held = await heldLock(key);
      const ownLock = !held && values.wait === true;
      if (ownLock) {
        const grant = await takeLock(client, name, SEND_LOCK_TTL_MS, true, owner);
        held = { token: grant.token, expiresAt: grant.expiresAt, ttlMs: SEND_LOCK_TTL_MS };
      }
      const stopRenewing = held && keepRenewing(client, name, held, owner);
      const started = Date.now();
      const bar = new ProgressBar(`send ${name}`);
      try {
        const result = await client.store(name, source, { ...(password === undefined ? {} : { password }), ...(held ? { lock: held.token } : {}), ...(owner === undefined ? {} : { owner }), onProgress: (progress) => { statsDone = progress.done; bar.update(progress); } });
        bar.finish();
        const seconds = (Date.now() - started) / 1000;
        reportStats(seconds, source.size);
        if (result.replication < 2 && source.size > 0) {
          process.stderr.write(`meshdrive: warning: only ${result.replication} peer online, so "${name}" has a single copy\n`);
        }
        process.stdout.write(
          `stored "${name}" v${result.summary.version}: ${formatBytes(source.size)}, moved ${formatBytes(result.bytesMoved)} ` +
            `(${result.chunksMoved} of ${result.chunksTotal} chunks new) to ${result.replication} replicas in ${seconds.toFixed(1)}s\n`,
        );
        return 0;
      } catch (error) {
        bar.finish();
        if (isErrorOf(error, LockLapsedError)) await heldLocks.delete(key);
        throw error;
      } finally {
        stopRenewing?.();
        if (ownLock) await client.unlock(name, held!.token, owner).catch(() => undefined);
      }
    });
  } finally {
    await source.close();
  }
}

/** Whether the file at `out` is still the one this machine wrote there. */
async function unchangedSince(received: ReceivedFile): Promise<boolean> {
  const now = await stat(received.out).catch(() => undefined);
  return now !== undefined && now.isFile() && now.size === received.size && now.mtimeMs === received.mtimeMs;
}

export async function runReceive(name: string, values: CliValues): Promise<number> {
  checkName(name);
  // A name in folders (`photos/beach.jpg`) lands in the working directory under its last part.
  const out = resolve(values.out ?? name.slice(name.lastIndexOf(FOLDER_SEPARATOR) + 1));
  const version = versionOf(values);
  const owner = ownerOf(values);
  const password = await filePassword(values);
  const key = await fileKey(values, name);
  return withClient(values, async ({ client }) => {
    // Seed 003's timestamp check: the version this machine already has at `out` moves nothing.
    const cached = await receivedFiles.get(key);
    const wanted = await client.head(name, version, owner);
    if (cached && cached.out === out && cached.fileId === wanted.fileId && cached.version === wanted.version && (await unchangedSince(cached))) {
      process.stdout.write(`"${name}" v${wanted.version} is up to date at ${out}: nothing moved\n`);
      return 0;
    }
    // An earlier version received to the same place: only what changed is fetched.
    const base = cached && cached.out === out && cached.fileId === wanted.fileId ? await openSource(out).catch(() => undefined) : undefined;
    const sink = await openSink(out);
    const bar = new ProgressBar(`receive ${name}`);
    let moved = 0;
    try {
      const started = Date.now();
      const manifest = await client.read(name, sink, {
        ...(password === undefined ? {} : { password }),
        ...(version === undefined ? {} : { version }),
        ...(owner === undefined ? {} : { owner }),
        ...(base ? { base } : {}),
        onProgress: (progress) => { statsDone = progress.done; moved = progress.moved; bar.update(progress); },
      });
      await sink.commit();
      bar.finish();
      reportStats((Date.now() - started) / 1000, manifest.size);
      const written = await stat(out);
      await receivedFiles.set(key, { fileId: manifest.fileId, version: manifest.version, out, size: written.size, mtimeMs: written.mtimeMs });
      const reused = base ? `, moved ${formatBytes(moved)}: the rest was here already` : '';
      process.stdout.write(`received "${name}" v${manifest.version}: ${formatBytes(manifest.size)} to ${out} in ${((Date.now() - started) / 1000).toFixed(1)}s${reused}\n`);
      return 0;
    } catch (error) {
      bar.finish();
      await sink.abort();
      throw error;
    } finally {
      await base?.close();
    }
  });
}

export function formatFiles(files: FileSummary[], pattern?: string): string {
  if (files.length === 0) return pattern === undefined ? 'no files yet: store one with `meshdrive send FILE`\n' : `no files match "${pattern}"\n`;
  const locked = files.some((file) => file.lock);
  const shared = files.some((file) => file.shared);
  const rows = files.map((file) => [
    file.name,
    ...(shared ? [file.shared ? `${file.shared.owner}${file.shared.write ? '' : ' (read only)'}` : ''] : []),
    formatBytes(file.size),
    `v${file.version}`,
    file.wanted === 0 ? '-' : `${file.replicas}/${file.wanted}`,
    new Date(file.createdAt).toISOString().replace('T', ' ').slice(0, 19),
    ...(locked ? [file.lock ? `${file.lock.user} (${file.lock.device}) until ${new Date(file.lock.expiresAt).toISOString().slice(11, 19)}` : ''] : []),
  ]);
  return table(['NAME', ...(shared ? ['SHARED BY'] : []), 'SIZE', 'VERSION', 'REPLICAS', 'MODIFIED', ...(locked ? ['LOCKED BY'] : [])], rows);
}

function sortOf(values: CliValues): SortKey | undefined {
  if (values.sort === undefined) return undefined;
  if (!(SORT_KEYS as readonly string[]).includes(values.sort)) throw new UsageError(`--sort takes ${SORT_KEYS.join(', ')}, not "${values.sort}"`);
  return values.sort as SortKey;
}

export async function runLs(pattern: string | undefined, values: CliValues): Promise<number> {
  const sort = sortOf(values);
  return withClient(values, async ({ client }) => {
    const files = await client.search({ ...(pattern === undefined ? {} : { pattern }), ...(sort ? { sort } : {}), reverse: values.reverse === true });
    process.stdout.write(values.json ? `${JSON.stringify(files.map(({ sealed: _sealed, sharedKey: _key, ...file }) => file), null, 2)}\n` : formatFiles(files, pattern));
    return 0;
  });
}

export async function runRm(name: string, values: CliValues): Promise<number> {
  checkName(name);
  return withClient(values, async ({ client }) => {
    const versions = await client.delete(name);
    process.stdout.write(`removed "${name}" (${versions} version${versions === 1 ? '' : 's'})\n`);
    return 0;
  });
}

/** One line while the mesh is making copies again (or cannot), nothing when every segment has its copies. */
export function formatRepair(repair: MeshState['repair'] | undefined): string {
  if (!repair || (repair.segments === 0 && repair.unavailable === 0)) return '';
  const parts: string[] = [];
  if (repair.segments > 0) {
    const rate = repair.bytesPerSecond > 0 ? `, at ${formatBytes(repair.bytesPerSecond)}/s` : '';
    parts.push(`repairing: ${repair.segments} segments short of copies, ${formatBytes(repair.bytes)} to copy${rate}`);
  }
  if (repair.unavailable > 0) parts.push(`${repair.unavailable} segments have no holder online (waiting for one to return)`);
  return `${parts.join('; ')}\n`;
}

export function formatState(state: MeshState): string {
  const online = state.peers.filter((peer) => peer.status === 'online').length;
  const header = `${online} of ${state.peers.length} peers online, replication ${state.replication}, ${state.files.length} files\n` + formatRepair(state.repair);
  if (state.peers.length === 0) return header;
  const rows = state.peers.map((peer) => [
    peer.id.slice(0, 8),
    peer.kind,
    peer.full ? `${peer.status}, full` : peer.status,
    peer.backups.length === 0 ? '-' : peer.backups.map((backup) => `${backup.peer.slice(0, 8)}×${backup.segments}`).join(' '),
    String(peer.chunks),
    formatBytes(peer.bytes),
    formatBytes(peer.capacity),
    // A peer nobody named goes by what it runs on.
    peer.label ?? peer.device ?? '',
  ]);
  return header + table(['PEER', 'KIND', 'STATUS', 'BACKUPS (SEGMENTS)', 'CHUNKS', 'STORED', 'OFFERED', 'LABEL'], rows);
}

export async function runStatus(values: CliValues): Promise<number> {
  return withClient(values, async ({ client }) => {
    const state = await client.status();
    process.stdout.write(values.json ? `${JSON.stringify(state, null, 2)}\n` : formatState(state));
    return 0;
  }, 'optional');
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}
