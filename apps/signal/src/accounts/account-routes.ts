/**
 * The account endpoints, JSON over POST: `/api/signup`, `/api/login` (credentials in, a session
 * out), `/api/refresh` and `/api/logout` (a refresh token in). Every refusal is a typed error
 * payload with a fitting status; bodies are capped, so a huge request costs nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AuthRequiredError, BadCredentialsError, credentialsSchema, MeshError, parseMeta, passwordChangeSchema, preloginSchema, RateLimitedError, refreshSchema, signupSchema, toErrorPayload,
  UserExistsError, ValidationError,
  type Clock,
} from '@meshdrive/core';
import { TokenBucket } from '../rate-limit.js';
import type { AccessClaims } from './tokens.js';
import type { Accounts } from './accounts.js';

/** Credentials or a refresh token fit in far less. */
const MAX_BODY_BYTES = 8 * 1024;

export const ACCOUNT_PATHS: ReadonlySet<string> = new Set(['/api/signup', '/api/prelogin', '/api/login', '/api/refresh', '/api/logout', '/api/password']);

/**
 * Log-in attempts per user name: a few at once, then one every few seconds, so a password
 * cannot be guessed at speed (the same bucket whatever the address, as guessers rotate theirs).
 */
const LOGIN_BURST = 10;
const LOGINS_PER_SECOND = 0.2;
/** Buckets are forgotten past this many names, so a flood of made-up names cannot fill memory. */
const MAX_LOGIN_BUCKETS = 10_000;

export class LoginThrottle {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  check(user: string): void {
    let bucket = this.buckets.get(user);
    if (!bucket) {
      if (this.buckets.size >= MAX_LOGIN_BUCKETS) this.buckets.clear();
      bucket = new TokenBucket(LOGINS_PER_SECOND, LOGIN_BURST, this.clock);
      this.buckets.set(user, bucket);
    }
    if (!bucket.take()) throw new RateLimitedError(`too many log-in attempts for "${user}"`);
  }
}

export async function answerAccountRoute(accounts: Accounts, throttle: LoginThrottle, path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    if (request.method !== 'POST') throw Object.assign(new ValidationError(`${path} takes POST`), { status: 405 });
    const body = await readJson(request);
    const session =
      path === '/api/signup' ? await signup(accounts, body)
        : path === '/api/login' ? await login(accounts, throttle, body)
          : path === '/api/password' ? await changePassword(accounts, throttle, body)
            : path === '/api/prelogin' ? await prelogin(accounts, body)
              : path === '/api/refresh' ? await accounts.refresh(parseMeta(refreshSchema, body, 'refresh request').refreshToken)
                : await accounts.logout(parseMeta(refreshSchema, body, 'logout request').refreshToken).then(() => ({ ok: true }));
    sendJson(response, 200, session);
  } catch (error) {
    sendJson(response, statusOf(error), toErrorPayload(error));
  }
}

/** The user a request's `Authorization: Bearer` token names; undefined without one. Throws for a bad token. */
export async function bearerUser(accounts: Accounts, request: IncomingMessage): Promise<AccessClaims | undefined> {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer (\S+)$/.exec(header);
  if (!match) throw new AuthRequiredError('the Authorization header must be "Bearer TOKEN"');
  return accounts.verify(match[1]!);
}

function signup(accounts: Accounts, body: unknown) {
  const { user, password, keys } = parseMeta(signupSchema, body, 'sign-up request');
  return accounts.signup(user.normalize('NFC'), password, keys);
}

function changePassword(accounts: Accounts, throttle: LoginThrottle, body: unknown) {
  const { user, password, newPassword, keys } = parseMeta(passwordChangeSchema, body, 'password change');
  throttle.check(user);
  return accounts.changePassword(user, password, newPassword, keys);
}

function prelogin(accounts: Accounts, body: unknown) {
  // A malformed name cannot belong to anyone: it logs in the way unknown names do.
  const parsed = preloginSchema.safeParse(body);
  return parsed.success ? accounts.prelogin(parsed.data.user) : { derived: true };
}

function login(accounts: Accounts, throttle: LoginThrottle, body: unknown) {
  // A malformed name cannot belong to anyone: the same answer as a wrong password.
  const parsed = credentialsSchema.safeParse(body);
  if (!parsed.success) throw new BadCredentialsError();
  throttle.check(parsed.data.user);
  return accounts.login(parsed.data.user, parsed.data.password);
}

export function statusOf(error: unknown): number {
  if (typeof (error as { status?: unknown }).status === 'number') return (error as { status: number }).status;
  if (error instanceof UserExistsError) return 409;
  if (error instanceof RateLimitedError) return 429;
  if (error instanceof ValidationError) return 400;
  if (error instanceof MeshError && /^ERR_(AUTH|BAD_CREDENTIALS|TOKEN)/.test(error.code)) return 401;
  return 500;
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(value));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new ValidationError(`a request body has at most ${MAX_BODY_BYTES} bytes`), { status: 413 });
    parts.push(part);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
  } catch {
    throw new ValidationError('the request body is not JSON');
  }
}
