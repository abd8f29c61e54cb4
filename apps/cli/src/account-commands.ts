/**
 * `meshdrive signup`, `login`, `logout` and `whoami`. The password comes from
 * MESHDRIVE_PASSWORD when set, else from a prompt that does not echo; the session is kept in
 * the credentials file (credentials.ts), per master.
 */
import { credentialsSchema, passwordSchema, userNameSchema, type AuthSession } from '@meshdrive/core';
import { postJson } from './account-api.js';
import { forgetSession, saveSession, sessionFor } from './credentials.js';
import { signalUrl, UsageError, type CliValues } from './options.js';

export async function runSignup(values: CliValues): Promise<number> {
  const user = userName(values);
  const password = await readPassword('Choose a password: ', true);
  const url = signalUrl(values);
  const session = await postJson<AuthSession>(url, '/api/signup', checked(user, password));
  await saveSession(url, session);
  process.stdout.write(`signed up as ${session.user} on ${url}; you are logged in\n`);
  return 0;
}

export async function runLogin(values: CliValues): Promise<number> {
  const user = userName(values);
  const password = await readPassword('Password: ', false);
  const url = signalUrl(values);
  const session = await postJson<AuthSession>(url, '/api/login', { user, password });
  await saveSession(url, session);
  process.stdout.write(`logged in as ${session.user} on ${url}\n`);
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

async function readPassword(prompt: string, confirm: boolean): Promise<string> {
  const fromEnvironment = process.env.MESHDRIVE_PASSWORD;
  if (fromEnvironment !== undefined) return fromEnvironment;
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
