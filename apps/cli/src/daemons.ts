/** The long-running commands: `meshdrive master` and `meshdrive peer`. They return -1 to keep running. */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromErrorPayload, isErrorOf, JoinSecretError, AuthRequiredError, TokenExpiredError, TokenInvalidError, TokenAlgorithmError, TokenSignatureError, TokenClaimsError, MemoryStore, nodeHasher, nodeRtcEndpoints, PackStore, startMeshPeer, UDP_RECEIVE_BUFFER_BYTES, type NodeRtcOptions } from '@meshdrive/core';
import { Cluster, Coordinator, createMaster, Database, MemoryDirectory, openAccounts, PgDirectory, PgLocks, PgSendLeases, readOrCreatePrivateFile, SqliteDirectory } from '@meshdrive/signal';
import { explain } from './messages.js';
import { joinSecret, signalUrl, UsageError, type CliValues } from './options.js';
import { parseDuration, parseSize } from './sizes.js';

const DEFAULT_CAPACITY = '10GiB';
const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

function integer(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} must be a whole number, not "${text}"`);
  return value;
}

function positive(text: string | undefined, name: string): number | undefined {
  const value = integer(text, name);
  if (value === 0) throw new UsageError(`--${name} must be at least 1`);
  return value;
}

function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) return;
    stopping = true;
    stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Daemons log failures and keep serving: one bad request must not take the process down. A log
 * line that cannot be written (the terminal or supervisor reading the pipe went away) is
 * dropped: reported as an error, on the same closed pipes, each report failed again, and the
 * daemon spun at a whole core doing nothing else.
 */
function keepRunningOnErrors(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  process.removeAllListeners('uncaughtException');
  process.removeAllListeners('unhandledRejection');
  const report = (error: unknown): void => {
    process.stderr.write(`meshdrive: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  };
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);
}

/**
 * Says once if this peer's UDP receive buffers could not be enlarged: under load it will then
 * drop datagrams and stall (see udp-buffers.node.ts in packages/core).
 */
function warnOfSmallUdpBuffers(): NodeRtcOptions['onUdpBuffers'] {
  let warned = false;
  return (result, supported) => {
    if (warned || process.platform !== 'linux') return;
    if (supported && (result.smallestBytes ?? 0) >= UDP_RECEIVE_BUFFER_BYTES) return;
    warned = true;
    const wanted = `${UDP_RECEIVE_BUFFER_BYTES / 1048576} MiB`;
    process.stderr.write(
      result.smallestBytes === undefined
        ? `meshdrive: warning: UDP receive buffers cannot be enlarged to ${wanted} here (the koffi package did not load); transfers may stall under load. Raise the default with: sysctl -w net.core.rmem_default=${UDP_RECEIVE_BUFFER_BYTES}\n`
        : `meshdrive: warning: UDP receive buffers are ${Math.round(result.smallestBytes / 1024)} KiB, not ${wanted}; transfers may stall under load. Raise the limit with: sysctl -w net.core.rmem_max=${UDP_RECEIVE_BUFFER_BYTES}\n`,
    );
  };
}

/** A size or duration option, or a usage error that says which. */
function measured(parse: () => number, option: string): number {
  try {
    const value = parse();
    if (value <= 0) throw new Error('it must be more than zero');
    return value;
  } catch (error) {
    throw new UsageError(`${option}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** How long a silent peer has before it is dead and its segments are repaired: --dead-after 30s, or --dead-ms. */
function deadAfter(values: CliValues): number | undefined {
  if (values['dead-after'] !== undefined && values['dead-ms'] !== undefined) throw new UsageError('give --dead-after or --dead-ms, not both');
  if (values['dead-after'] !== undefined) return measured(() => parseDuration(values['dead-after']!), '--dead-after');
  return integer(values['dead-ms'], 'dead-ms');
}

/** The certificate and key for HTTPS, both or neither; unreadable files are one clear line. */
async function tlsFiles(values: CliValues): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  const { 'tls-cert': certPath, 'tls-key': keyPath } = values;
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) throw new UsageError('give both --tls-cert FILE and --tls-key FILE');
  const read = (path: string): Promise<Buffer> => readFile(path).catch((error: unknown) => {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  });
  return { cert: await read(certPath), key: await read(keyPath) };
}

const JOIN_SECRET_FILE = 'join-secret';

/**
 * The join secret headless peers present: the one given (--join-secret, MESHDRIVE_JOIN_SECRET),
 * else the one the master keeps: in the data directory (mode 0600) or, for masters on PostgreSQL,
 * in their shared database, made on first start. A volatile master makes one for this run and
 * prints it, as it has nowhere to keep it.
 */
async function masterJoinSecret(values: CliValues, kept: Kept): Promise<{ secret: string; where: string }> {
  const given = joinSecret(values);
  if (given !== undefined) {
    if (given.length < 16) throw new UsageError('the join secret must be at least 16 characters');
    return { secret: given, where: values['join-secret'] !== undefined ? '--join-secret' : 'MESHDRIVE_JOIN_SECRET' };
  }
  // Hex, not base64url: a secret starting with "-" reads as an option in `--join-secret SECRET`
  // (node's parseArgs calls it ambiguous), and 1 in 64 base64url secrets did.
  const fresh = (): string => `${randomBytes(24).toString('hex')}\n`;
  if (kept.kind === 'volatile') {
    const secret = fresh().trim();
    return { secret, where: `this run only: MESHDRIVE_JOIN_SECRET=${secret}` };
  }
  if (kept.kind === 'postgres') {
    const secret = await kept.database.secret('join-secret', fresh);
    return { secret: secret.trim(), where: "the directory database: SELECT value FROM secrets WHERE name = 'join-secret'" };
  }
  const path = join(kept.dataDir, JOIN_SECRET_FILE);
  const saved = await readOrCreatePrivateFile(path, fresh).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read or make ${path}: ${error.code ?? String(error)}`);
  });
  return { secret: saved.trim(), where: path };
}

/** Where the master keeps its directory, accounts and secrets. */
type Kept = { kind: 'volatile' } | { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; database: Database };

/** The directory URL given (--directory, MESHDRIVE_DIRECTORY_URL), checked; undefined for the default, SQLite in the data directory. */
function directoryUrl(values: CliValues): string | undefined {
  const url = values.directory ?? process.env.MESHDRIVE_DIRECTORY_URL;
  if (url === undefined || url === '') return undefined;
  const from = values.directory !== undefined ? '--directory' : 'MESHDRIVE_DIRECTORY_URL';
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`${from} takes a postgres:// URL, not "${url}" (without it the master keeps its directory in SQLite under --data)`);
  if (values.volatile) throw new UsageError(`choose ${from} or --volatile, not both`);
  return url;
}

/** The Redis URL given (--redis, MESHDRIVE_REDIS_URL), checked: several masters need a directory they share. */
function redisUrl(values: CliValues): string | undefined {
  const url = values.redis ?? process.env.MESHDRIVE_REDIS_URL;
  if (url === undefined || url === '') return undefined;
  const from = values.redis !== undefined ? '--redis' : 'MESHDRIVE_REDIS_URL';
  if (!/^(rediss?|unix):\/\//.test(url)) throw new UsageError(`${from} takes a redis://, rediss:// or unix:// URL, not "${url}"`);
  if (directoryUrl(values) === undefined) throw new UsageError(`masters sharing ${from} must share their directory too: give --directory postgres://…`);
  return url;
}

async function keptIn(values: CliValues): Promise<Kept> {
  const url = directoryUrl(values);
  if (url !== undefined) {
    const database = await Database.open(url).catch((error: unknown) => {
      throw new UsageError(`cannot open the directory at ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}`);
    });
    return { kind: 'postgres', database };
  }
  return values.volatile ? { kind: 'volatile' } : { kind: 'sqlite', dataDir: resolve(values.data ?? '.meshdrive/master') };
}

/** --public-url, checked: where pages and peers reach this master when it is not where it listens. */
function publicUrlOf(values: CliValues): string | undefined {
  const url = values['public-url'];
  if (url === undefined) return undefined;
  if (!/^https?:\/\/[^/]+\/?$/.test(url)) throw new UsageError(`--public-url takes an http:// or https:// origin such as https://m1.example.org, not "${url}"`);
  return url.replace(/\/$/, '');
}

/** A URL with its password hidden, for messages. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

export async function runMaster(values: CliValues): Promise<number> {
  if (values.volatile && values.data) throw new UsageError('choose --data DIR or --volatile, not both');
  keepRunningOnErrors();
  // Bad options are refused before anything is opened.
  const redis = redisUrl(values);
  const publicUrl = publicUrlOf(values);
  const kept = await keptIn(values);
  const cluster = redis === undefined ? undefined : await Cluster.join(redis).catch((error: unknown) => {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  });
  const secret = await masterJoinSecret(values, kept);
  const master = await createMaster({
    joinSecret: secret.secret,
    port: integer(values.port, 'port') ?? 7070,
    host: values.host ?? '127.0.0.1',
    webRoot: WEB_ROOT,
    allowedOrigins: values['allow-origin'],
    tls: await tlsFiles(values),
    replication: integer(values.replication, 'replication'),
    keepVersions: positive(values['keep-versions'], 'keep-versions'),
    heartbeatMs: integer(values['heartbeat-ms'], 'heartbeat-ms'),
    staleAfterMs: integer(values['stale-ms'], 'stale-ms'),
    deadAfterMs: deadAfter(values),
    repairBytesPerSecond: values['repair-rate'] === undefined ? undefined : measured(() => parseSize(values['repair-rate']!), '--repair-rate'),
    abandonAfterMs: integer(values['abandon-ms'], 'abandon-ms'),
    log: (line) => process.stdout.write(`${line}\n`),
    // Last, so bad options are refused before the directory is opened.
    accounts: await openAccounts(kept.kind === 'postgres' ? kept.database : kept.kind === 'sqlite' ? kept.dataDir : undefined),
    directory: kept.kind === 'postgres' ? new PgDirectory(kept.database) : kept.kind === 'sqlite' ? new SqliteDirectory(kept.dataDir) : new MemoryDirectory(),
    cluster,
    publicUrl,
    locks: kept.kind === 'postgres' ? new PgLocks(kept.database) : undefined,
    sendLeases: kept.kind === 'postgres' ? (timing) => new PgSendLeases(kept.database, timing) : undefined,
    // On a shared directory, one master at a time repairs: the one the election picks.
    coordinator: kept.kind === 'postgres' ? new Coordinator(kept.database, cluster?.master ?? 'single', (line) => process.stdout.write(`${line}\n`)) : undefined,
  });
  process.stdout.write(`headless peers join with the join secret (${secret.where})\n`);
  stopOnSignals(() => master.close());
  return -1;
}

/** The master's refusals of a peer's join that joining again would only repeat. */
const FATAL_REFUSALS = [JoinSecretError, AuthRequiredError, TokenExpiredError, TokenInvalidError, TokenAlgorithmError, TokenSignatureError, TokenClaimsError];

export async function runPeer(values: CliValues): Promise<number> {
  if (values.volatile && values.data) throw new UsageError('choose --data DIR or --volatile, not both');
  keepRunningOnErrors();
  const capacity = parseSize(values.capacity ?? DEFAULT_CAPACITY);
  const dataDir = resolve(values.data ?? '.meshdrive/peer');
  const store = values.volatile ? new MemoryStore() : await PackStore.open(dataDir, { maxBytes: capacity });
  const url = signalUrl(values);
  const peer = await startMeshPeer({
    signalUrl: url,
    store,
    hasher: nodeHasher,
    createEndpoint: nodeRtcEndpoints({ onUdpBuffers: warnOfSmallUdpBuffers() }),
    kind: 'node',
    capacity,
    // A headless peer stores for the mesh, not for a user: it joins without a session (an explicit token still works).
    token: values.token ?? process.env.MESHDRIVE_TOKEN,
    joinSecret: joinSecret(values),
    label: values.label,
    volatile: values.volatile === true,
    // 0 turns scrubbing off; parseDuration refuses nothing else below 1 ms.
    scrubEveryMs: values['scrub-every'] === undefined ? undefined : values['scrub-every'].trim() === '0' ? 0 : measured(() => parseDuration(values['scrub-every']!), '--scrub-every'),
    scrubBytesPerSecond: values['scrub-rate'] === undefined ? undefined : measured(() => parseSize(values['scrub-rate']!), '--scrub-rate'),
  });
  // A refusal that retrying cannot cure (no or a wrong join secret, a bad token) ends the daemon with its reason.
  peer.master.socket.on('connect_error', (error) => {
    const payload = (error as { data?: { code?: unknown; message?: unknown } }).data;
    if (typeof payload?.code !== 'string') return;
    const refusal = fromErrorPayload({ code: payload.code, message: typeof payload.message === 'string' ? payload.message : '' });
    if (!isErrorOf(refusal, ...FATAL_REFUSALS)) return;
    process.stderr.write(`meshdrive: ${explain(refusal)}\n`);
    void peer.close().finally(() => process.exit(1));
  });
  const where = values.volatile ? 'memory (volatile)' : dataDir;
  process.stdout.write(`peer ${peer.id} storing in ${where}, joining ${url}\n`);
  peer.master.socket.on('connect', () => process.stdout.write(`peer ${peer.id} joined ${url}\n`));
  peer.master.socket.on('disconnect', () => process.stdout.write(`peer ${peer.id} lost the master; reconnecting\n`));
  stopOnSignals(() => peer.close());
  return -1;
}
