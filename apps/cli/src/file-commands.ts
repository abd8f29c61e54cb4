/**
 * Commands about one file's lock and history: lock, unlock, versions, restore; and the lock
 * helpers send uses. A lock taken here is a lease the master holds for --ttl; `send` renews it
 * while it writes, and `unlock` (or the lease running out) releases it.
 */
import { FileLockedError, isErrorOf, LockLapsedError, userNameSchema, type LockGrant, type MeshClient } from '@meshdrive/core';
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
  return entryKey(url, (await sessionFor(url))?.user ?? '', values.owner === undefined ? name : `${values.owner}:${name}`);
}

/** --owner USER: another user's file they shared with you. */
export function ownerOf(values: CliValues): string | undefined {
  return values.owner === undefined ? undefined : userOption(values.owner, '--owner');
}

/** A user name given with `flag`, checked as the master checks names. */
function userOption(value: string, flag: string): string {
  const parsed = userNameSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${flag}: ${parsed.error.issues[0]?.message ?? 'not a user name'}`);
  return parsed.data;
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
export async function takeLock(client: MeshClient, name: string, ttlMs: number, wait: boolean, owner?: string): Promise<LockGrant> {
  const of = owner === undefined ? {} : { owner };
  try {
    return await client.lock(name, { ttlMs, ...of });
  } catch (error) {
    if (!wait || !isErrorOf(error, FileLockedError)) throw error;
    process.stderr.write(`meshdrive: ${error.message.replace(/; wait for it with --wait$/, '')}: waiting for it\n`);
    return client.lock(name, { ttlMs, wait: true, ...of });
  }
}

/** Renews `held` every third of its lease until stopped; a renewal refused means the lease lapsed, and the write under it will be refused too. */
export function keepRenewing(client: MeshClient, name: string, held: HeldLock, owner?: string): () => void {
  const renew = (): void => {
    client.renewLock(name, held.token, held.ttlMs, owner).catch(() => undefined);
  };
  // At once, then every third of the lease: a lock taken a while before the send gets its full lease back as the send starts.
  renew();
  const timer = setInterval(renew, Math.max(250, held.ttlMs / 3));
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
  const owner = ownerOf(values);
  const key = await fileKey(values, name);
  return withClient(values, async ({ client }) => {
    const mine = await heldLock(key);
    // Locked from here already: the same lock again, for as long as asked.
    const renewed = mine && (await client.renewLock(name, mine.token, ttlMs, owner).catch((error: unknown) => {
      if (isErrorOf(error, LockLapsedError)) return undefined;
      throw error;
    }));
    const grant = renewed ?? (await takeLock(client, name, ttlMs, values.wait === true, owner));
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
    const { released } = await client.unlock(name, held?.token, ownerOf(values));
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
  const owner = ownerOf(values);
  return withClient(values, async ({ client }) => {
    const versions = await client.versions(name, owner);
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

function recipientOf(values: CliValues): string {
  if (values.with === undefined) throw new UsageError('name the user with --with USER');
  return userOption(values.with, '--with');
}

/** `share NAME --with USER [--write]` shares; `share NAME` alone says who it is shared with. */
export async function runShare(name: string, values: CliValues): Promise<number> {
  checkName(name);
  if (values.with === undefined) {
    return withClient(values, async ({ client }) => {
      const sharees = await client.sharees(name);
      process.stdout.write(sharees.length === 0 ? `"${name}" is shared with nobody\n` : table(['USER', 'ACCESS'], sharees.map((sharee) => [sharee.user, sharee.write ? 'read and write' : 'read'])));
      return 0;
    });
  }
  const user = recipientOf(values);
  return withClient(values, async ({ client }) => {
    await client.share(name, user, values.write === true);
    process.stdout.write(`shared "${name}" with ${user} (${values.write ? 'read and write' : 'read only'}); they see it in meshdrive ls\n`);
    return 0;
  });
}

export async function runUnshare(name: string, values: CliValues): Promise<number> {
  checkName(name);
  const user = recipientOf(values);
  return withClient(values, async ({ client }) => {
    if (!(await client.unshare(name, user))) throw new UsageError(`"${name}" is not shared with ${user}`);
    process.stdout.write(`stopped sharing "${name}" with ${user}: their next read is refused\n`);
    return 0;
  });
}
