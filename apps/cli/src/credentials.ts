/**
 * The CLI's sessions, one per master URL, in `credentials.json` under MESHDRIVE_HOME (default
 * ~/.config/meshdrive): the directory is 0700 and the file 0600, written whole to a temporary
 * file and renamed, so a crash never leaves half a file. An access token about to expire is
 * refreshed (and the new pair saved) before a command uses it.
 */
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KeysMissingError, nodeSealing, type AuthSession, type KeyedSession, type Sealing } from '@meshdrive/core';
import { postJson } from './account-api.js';

/** Refresh when less than this is left, so a token does not expire on its way to the master. */
const REFRESH_MARGIN_MS = 60_000;

/** A session as saved: with the user's master key, unwrapped on this machine at log-in. */
type SavedSession = AuthSession & { masterKey?: string };

interface CredentialsFile {
  sessions: Record<string, SavedSession>;
}

export function meshdriveHome(): string {
  return process.env.MESHDRIVE_HOME ?? join(homedir(), '.config', 'meshdrive');
}

function credentialsPath(): string {
  return join(meshdriveHome(), 'credentials.json');
}

async function load(): Promise<CredentialsFile> {
  try {
    const parsed = JSON.parse(await readFile(credentialsPath(), 'utf8')) as Partial<CredentialsFile>;
    return { sessions: parsed.sessions && typeof parsed.sessions === 'object' ? parsed.sessions : {} };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { sessions: {} };
    throw error;
  }
}

async function save(file: CredentialsFile): Promise<void> {
  const home = meshdriveHome();
  await mkdir(home, { recursive: true, mode: 0o700 });
  const temporary = join(home, `.credentials-${randomBytes(6).toString('hex')}.tmp`);
  // `wx` with mode 0600: the secret is never readable by others, not even for a moment, and a planted link is refused.
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(file, null, 2));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, credentialsPath());
  await chmod(credentialsPath(), 0o600);
}

export async function sessionFor(url: string): Promise<SavedSession | undefined> {
  return (await load()).sessions[url];
}

/** Saves a session; a refreshed one (without a master key) keeps the key saved before it. */
export async function saveSession(url: string, session: AuthSession | KeyedSession): Promise<void> {
  const file = await load();
  const masterKey = 'masterKey' in session ? session.masterKey : file.sessions[url]?.masterKey;
  // The wrapped key is the master's copy; this machine keeps the unwrapped one.
  const kept: SavedSession = { user: session.user, accessToken: session.accessToken, accessExpiresAt: session.accessExpiresAt, refreshToken: session.refreshToken, refreshExpiresAt: session.refreshExpiresAt };
  file.sessions[url] = { ...kept, ...(masterKey === undefined ? {} : { masterKey }) };
  await save(file);
}

/** The logged-in user's keys for `url`; KeysMissingError for a session saved before encryption or none at all. */
export async function sealingFor(url: string): Promise<Sealing> {
  const session = await sessionFor(url);
  if (!session?.masterKey) throw new KeysMissingError(session ? `this machine has no keys for ${session.user}` : `not logged in on ${url}`);
  return nodeSealing({ user: session.user, masterKey: session.masterKey });
}

export async function forgetSession(url: string): Promise<AuthSession | undefined> {
  const file = await load();
  const session = file.sessions[url];
  if (!session) return undefined;
  delete file.sessions[url];
  if (Object.keys(file.sessions).length === 0) await rm(credentialsPath(), { force: true });
  else await save(file);
  return session;
}

/** The access token to use with `url`: the saved one, refreshed first when it is about to expire; undefined when logged out. */
export async function accessTokenFor(url: string): Promise<string | undefined> {
  const session = await sessionFor(url);
  if (!session) return undefined;
  if (session.accessExpiresAt - Date.now() > REFRESH_MARGIN_MS) return session.accessToken;
  const next = await postJson<AuthSession>(url, '/api/refresh', { refreshToken: session.refreshToken });
  await saveSession(url, next);
  return next.accessToken;
}
