/**
 * `meshdrive signup`, `login`, `passwd`, `logout` and `whoami`. The password comes from
 * MESHDRIVE_PASSWORD when set, else from a prompt that does not echo. It never leaves this
 * machine: what the master gets is derived from it (client/account-flow.ts). The session and
 * the user's master key are kept in the credentials file (credentials.ts), per master.
 */
import { changePassword, credentialsSchema, logIn, nodeCryptoSuite, passwordSchema, signUp, userNameSchema, type PostJson } from '@meshdrive/core';
import { postJson } from './account-api.js';
import { forgetSession, saveSession, sessionFor } from './credentials.js';
import { signalUrl, UsageError, type CliValues } from './options.js';

const poster = (url: string): PostJson => (path, body, accessToken) => postJson(url, path, body, accessToken);

export async function runSignup(values: CliValues): Promise<number> {
  const user = userName(values);
  const password = await readPassword('Choose a password: ', true);
  const url = signalUrl(values);
  checked(user, password);
  const session = await signUp(nodeCryptoSuite, poster(url), user, password);
  await saveSession(url, session);
  process.stdout.write(`signed up as ${session.user} on ${url}; you are logged in, and your files are encrypted on this machine\n`);
  return 0;
}

export async function runLogin(values: CliValues): Promise<number> {
  const user = userName(values);
  const password = await readPassword('Password: ', false);
  const url = signalUrl(values);
  const session = await logIn(nodeCryptoSuite, poster(url), user, password);
  await saveSession(url, session);
  process.stdout.write(`logged in as ${session.user} on ${url}\n`);
  return 0;
}

/** A new password (MESHDRIVE_NEW_PASSWORD, else asked twice): the master key is wrapped again, no file is encrypted again. */
export async function runPasswd(values: CliValues): Promise<number> {
  const url = signalUrl(values);
  const saved = await sessionFor(url);
  const user = values.user === undefined && saved ? saved.user : userName(values);
  const password = await readPassword('Current password: ', false);
  const newPassword = process.env.MESHDRIVE_NEW_PASSWORD ?? (await readPassword('New password: ', true, false));
  checked(user, newPassword);
  const session = await changePassword(nodeCryptoSuite, poster(url), user, password, newPassword);
  await saveSession(url, session);
  process.stdout.write(`changed the password of ${user} on ${url}; no file needed encrypting again\n`);
  return 0;
}

export async function runLogout(values: CliValues): Promise<number> {
  const url = signalUrl(values);
  const session = await forgetSession(url);
  if (!session) {
    process.stdout.write(`not logged in on ${url}\n`);
    return 0;
  }
  // Forgotten here first: a master that cannot be reached still leaves this machine logged out.
  await postJson(url, '/api/logout', { refreshToken: session.refreshToken }).catch(() => undefined);
  process.stdout.write(`logged out ${session.user} from ${url}\n`);
  return 0;
}

export async function runWhoami(values: CliValues): Promise<number> {
  const url = signalUrl(values);
  const session = await sessionFor(url);
  if (!session) {
    process.stdout.write(`not logged in on ${url} (meshdrive login --user NAME)\n`);
    return 1;
  }
  process.stdout.write(`${session.user} on ${url}\n`);
  return 0;
}

function userName(values: CliValues): string {
  if (values.user === undefined) throw new UsageError('say who: --user NAME');
  const parsed = userNameSchema.safeParse(values.user);
  if (!parsed.success) throw new UsageError(`"${values.user}" is not a valid user name: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Refused here, before the password travels, with the same words the master would use. */
function checked(user: string, password: string): { user: string; password: string } {
  const parsed = credentialsSchema.safeParse({ user, password });
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid credentials');
  return parsed.data;
}

async function readPassword(prompt: string, confirm: boolean, fromEnvironment = true): Promise<string> {
  const given = fromEnvironment ? process.env.MESHDRIVE_PASSWORD : undefined;
  if (given !== undefined) return given;
  if (!process.stdin.isTTY) throw new UsageError('no terminal to ask for the password: set MESHDRIVE_PASSWORD');
  const password = await promptHidden(prompt);
  if (confirm) {
    const problem = passwordSchema.safeParse(password);
    if (!problem.success) throw new UsageError(problem.error.issues[0]?.message ?? 'invalid password');
    if ((await promptHidden('Again: ')) !== password) throw new UsageError('the two passwords differ');
  }
  return password;
}

/** Reads a line from the terminal without echoing it; Ctrl-C aborts. */
function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (text: string): void => {
      for (const character of text) {
        if (character === '\r' || character === '\n') return finish();
        if (character === '\u0003') return finish(new UsageError('cancelled'));
        if (character === '\u007f' || character === '\b') typed = typed.slice(0, -1);
        else typed += character;
      }
    };
    input.on('data', onData);
  });
}
