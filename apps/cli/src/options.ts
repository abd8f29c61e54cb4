/** Command-line options shared by every command, and where the master's URL comes from. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MeshError, type TokenSource } from '@meshdrive/core';
import { accessTokenFor } from './credentials.js';

export const DEFAULT_SIGNAL_URL = 'http://127.0.0.1:7070';

export class UsageError extends MeshError {
  static override readonly code = 'ERR_USAGE';
}

const OPTIONS = {
  signal: { type: 'string' },
  token: { type: 'string' },
  user: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'allow-origin': { type: 'string', multiple: true },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  data: { type: 'string' },
  volatile: { type: 'boolean' },
  directory: { type: 'string' },
  redis: { type: 'string' },
  'public-url': { type: 'string' },
  capacity: { type: 'string' },
  label: { type: 'string' },
  'join-secret': { type: 'string' },
  replication: { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  'stale-ms': { type: 'string' },
  'dead-ms': { type: 'string' },
  'dead-after': { type: 'string' },
  'repair-rate': { type: 'string' },
  'scrub-every': { type: 'string' },
  'scrub-rate': { type: 'string' },
  'abandon-ms': { type: 'string' },
  'keep-versions': { type: 'string' },
  ttl: { type: 'string' },
  wait: { type: 'boolean' },
  sort: { type: 'string' },
  with: { type: 'string' },
  write: { type: 'boolean' },
  owner: { type: 'string' },
  reverse: { type: 'boolean' },
  name: { type: 'string' },
  out: { type: 'string' },
  'password-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  /** A file's version (receive, restore); `--version` alone is the program's (see parseCommandLine). */
  version: { type: 'string' },
  'program-version': { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

export type CliValues = ReturnType<typeof parseCommandLine>['values'];

export function parseCommandLine(argv: string[]) {
  // `--version N` picks a file's version; `--version` with nothing after it asks for the program's.
  const args = argv.map((arg, i) => (arg === '--version' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('-')) ? '--program-version' : arg));
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
}

export function signalUrl(values: CliValues): string {
  return values.signal ?? process.env.MESHDRIVE_SIGNAL ?? DEFAULT_SIGNAL_URL;
}

/** The mesh's join secret as given to a headless peer, if it was. */
export function joinSecret(values: CliValues): string | undefined {
  return values['join-secret'] ?? process.env.MESHDRIVE_JOIN_SECRET;
}

/** An access token given outright, else the saved session's (refreshed when due); undefined when logged out. */
export function token(values: CliValues): TokenSource {
  const given = values.token ?? process.env.MESHDRIVE_TOKEN;
  return given ?? (() => accessTokenFor(signalUrl(values)));
}

