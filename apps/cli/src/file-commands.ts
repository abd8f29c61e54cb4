/**
 * Commands about one file's lock and history: lock, unlock, versions, restore; and the lock
 * helpers send uses. A lock taken here is a lease the master holds for --ttl; `send` renews it
 * while it writes, and `unlock` (or the lease running out) releases it.
 */
import { FileLockedError, isErrorOf, LockLapsedError, type LockGrant, type MeshClient } from '@meshdrive/core';
import { entryKey, heldLocks, type HeldLock } from './local-state.js';
import { sessionFor } from './credentials.js';
import { signalUrl, UsageError, type CliValues } from './options.js';
import { checkName, filePassword, table, withClient } from './client-commands.js';
import { formatBytes, parseDuration } from './sizes.js';

/** A lock taken with `meshdrive lock` lasts this long unless --ttl says otherwise: time to edit a file and send it. */
export const DEFAULT_LOCK_TTL_MS = 5 * 60_000;
/** A send that waits for a lock (--wait) holds it this long at a time, renewing while it writes. */
export const SEND_LOCK_TTL_MS = 30_000;

const clockTime = (epochMs: number): string => new Date(epochMs).toISOString().slice(11, 19);

/** The key this machine keeps `name`'s lock and cache entries under, for the user logged in on the master. */
export async function fileKey(values: CliValues, name: string): Promise<string> {
  const url = signalUrl(values);
  return entryKey(url, (await sessionFor(url))?.user ?? '', name);
}

function ttlOf(values: CliValues): number {
  if (values.ttl === undefined) return DEFAULT_LOCK_TTL_MS;
  try {
    return parseDuration(values.ttl);
  } catch (error) {
    throw new UsageError(`--ttl: ${(error as Error).message}`);
  }
}

/**
 * Takes `name`'s lock; held by someone else, it fails at once (FileLockedError, saying who and
 * until when) or, with `wait`, says so and waits its turn.
 */
export async function takeLock(client: MeshClient, name: string, ttlMs: number, wait: boolean): Promise<LockGrant> {
  try {
    return await client.lock(name, { ttlMs });
  } catch (error) {
    if (!wait || !isErrorOf(error, FileLockedError)) throw error;
    process.stderr.write(`meshdrive: ${error.message.replace(/; wait for it with --wait$/, '')}: waiting for it\n`);
    return client.lock(name, { ttlMs, wait: true });
  }
}

/** Renews `held` every third of its lease until stopped; a renewal refused means the lease lapsed, and the write under it will be refused too. */
export function keepRenewing(client: MeshClient, name: string, held: HeldLock, onRenewed?: (grant: LockGrant) => void): () => void {
  const timer = setInterval(() => {
    client.renewLock(name, held.token, held.ttlMs).then(onRenewed, () => undefined);
  }, Math.max(250, held.ttlMs / 3));
  return () => clearInterval(timer);
}

/** The lock this machine holds on `name`, if its lease has not run out. */
export async function heldLock(key: string): Promise<HeldLock | undefined> {
  const held = await heldLocks.get(key);
  if (held && held.expiresAt <= Date.now()) {
    await heldLocks.delete(key);
    return undefined;
  }
  return held;
}

export async function runLock(name: string, values: CliValues): Promise<number> {
  checkName(name);
  const ttlMs = ttlOf(values);
  const key = await fileKey(values, name);
  return withClient(values, async ({ client }) => {
    const mine = await heldLock(key);
    // Locked from here already: the same lock again, for as long as asked.
    const renewed = mine && (await client.renewLock(name, mine.token, ttlMs).catch((error: unknown) => {
      if (isErrorOf(error, LockLapsedError)) return undefined;
      throw error;
    }));
    const grant = renewed ?? (await takeLock(client, name, ttlMs, values.wait === true));
    await heldLocks.set(key, { token: grant.token, expiresAt: grant.expiresAt, ttlMs });
    process.stdout.write(`locked "${name}" until ${clockTime(grant.expiresAt)} UTC (fencing token ${grant.token}); send under it, then meshdrive unlock ${JSON.stringify(name)}\n`);
    return 0;
  });
}

export async function runUnlock(name: string, values: CliValues): Promise<number> {
  checkName(name);
  const key = await fileKey(values, name);
  return withClient(values, async ({ client }) => {
    const held = await heldLocks.get(key);
    const { released } = await client.unlock(name, held?.token);
    await heldLocks.delete(key);
    if (!released) throw new UsageError(`you hold no lock on "${name}"${held ? ' (its lease had run out)' : ''}`);
    process.stdout.write(`unlocked "${name}"\n`);
    return 0;
  });
}

export function versionOf(values: CliValues): number | undefined {
  if (values.version === undefined) return undefined;
  const version = Number(values.version);
  if (!Number.isInteger(version) || version < 1) throw new UsageError(`--version takes a version number (1, 2, …), not "${values.version}"`);
  return version;
}

export function requireVersion(values: CliValues): number {
  const version = versionOf(values);
  if (version === undefined) throw new UsageError('restore needs --version N (see meshdrive versions NAME)');
  return version;
}

export async function runVersions(name: string, values: CliValues): Promise<number> {
  checkName(name);
  return withClient(values, async ({ client }) => {
    const versions = await client.versions(name);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(versions.map(({ sealed: _sealed, ...version }) => version), null, 2)}\n`);
      return 0;
    }
    const rows = versions.map((version, index) => [`v${version.version}`, formatBytes(version.size), new Date(version.createdAt).toISOString().replace('T', ' ').slice(0, 19), index === 0 ? 'latest' : '']);
    process.stdout.write(table(['VERSION', 'SIZE', 'CREATED', ''], rows));
    return 0;
  });
}

export async function runRestore(name: string, values: CliValues): Promise<number> {
  checkName(name);
  const version = requireVersion(values);
  const password = await filePassword(values);
  const key = await fileKey(values, name);
  return withClient(values, async ({ client }) => {
    const held = await heldLock(key);
    const summary = await client.restore(name, version, { ...(password === undefined ? {} : { password }), ...(held ? { lock: held.token } : {}) });
    process.stdout.write(`restored "${name}" v${version} as v${summary.version} (${formatBytes(summary.size)}; no data moved)\n`);
    return 0;
  });
}
