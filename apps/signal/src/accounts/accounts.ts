/**
 * Accounts as a service: sign up, log in, refresh and log out, and the check every socket's
 * token goes through. Passwords are kept as Argon2id hashes (OWASP's parameters: 19 MiB, two
 * passes); a refresh token is random, stored as its SHA-256, used once and replaced at each
 * refresh. Pure logic over a store, a token authority and a clock.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify, type Options as Argon2Options } from '@node-rs/argon2';
import {
  BadCredentialsError, KeysMissingError, TokenExpiredError, TokenInvalidError, UserExistsError, systemClock, type AccountKeys, type AuthSession, type Clock, type SharingKeys, type TicketSigner,
} from '@meshdrive/core';
import type { AccountStore } from './account-store.js';
import { MemoryAccountStore } from './memory-account-store.js';
import { SqliteAccountStore } from './sqlite-account-store.js';
import { PgAccountStore } from './pg-account-store.js';
import { Database } from '../postgres/database.js';
import { TokenAuthority, type AccessClaims } from './tokens.js';

/** Argon2id (the library's enum is a const enum, which isolated modules cannot read: 2 is Argon2id). */
const ARGON2: Argon2Options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
export const ACCESS_LIFETIME_MS = 15 * 60_000;
export const REFRESH_LIFETIME_MS = 30 * 24 * 60 * 60_000;

export interface AccountsOptions {
  store: AccountStore;
  tokens: TokenAuthority;
  clock: Pick<Clock, 'now'>;
  accessLifetimeMs?: number;
  refreshLifetimeMs?: number;
}

export class Accounts {
  /** Verified against when the user does not exist, so a wrong name costs as long as a wrong password. */
  private readonly decoy = hash('not a password of anyone', ARGON2);

  constructor(private readonly options: AccountsOptions) {}

  /** The master's key as the signer of tickets (TokenAuthority.ticketSigner). */
  ticketSigner(): TicketSigner {
    return this.options.tokens.ticketSigner();
  }

  /** Names and passwords come checked by the caller's schema (signupSchema); `keys` are the user's wrapped keys, opaque here. */
  async signup(user: string, password: string, keys?: AccountKeys): Promise<AuthSession> {
    const passwordHash = await hash(password, ARGON2);
    if (!(await this.options.store.createUser({ user, passwordHash, createdAt: this.options.clock.now(), ...(keys ? { keys } : {}) }))) throw new UserExistsError(user);
    return { ...(await this.session(user)), ...(keys ? { keys } : {}) };
  }

  async login(user: string, password: string): Promise<AuthSession> {
    const record = await this.checkPassword(user, password);
    return { ...(await this.session(user)), ...(record.keys ? { keys: record.keys } : {}) };
  }

  /** A new password and the master key wrapped under it; the old password must be right. Nothing is encrypted again. */
  async changePassword(user: string, password: string, newPassword: string, keys: AccountKeys): Promise<AuthSession> {
    await this.checkPassword(user, password);
    await this.options.store.updateUser(user, { passwordHash: await hash(newPassword, ARGON2), keys });
    return { ...(await this.session(user)), keys };
  }

  /**
   * How `user` logs in: with the key derived from the password (every account with keys, and
   * names nobody has, so a name's existence shows only for the next case), or with the password
   * itself, for an account made before encryption. Its client then changes the password to the
   * derived key at once (client/account-flow.ts).
   */
  async prelogin(user: string): Promise<{ derived: boolean }> {
    const record = await this.options.store.findUser(user);
    return { derived: !record || record.keys !== undefined };
  }

  private async checkPassword(user: string, password: string) {
    const record = await this.options.store.findUser(user);
    const matches = await verify(record?.passwordHash ?? (await this.decoy), password);
    if (!record || !matches) throw new BadCredentialsError();
    return record;
  }

  /** A new session for the refresh token's user; the token itself is spent. */
  async refresh(refreshToken: string): Promise<AuthSession> {
    const record = await this.options.store.takeRefresh(digest(refreshToken));
    if (!record) throw new TokenInvalidError('the refresh token is unknown or already used: log in again');
    if (record.expiresAt <= this.options.clock.now()) throw new TokenExpiredError('refresh token');
    return this.session(record.user);
  }

  async logout(refreshToken: string): Promise<void> {
    await this.options.store.takeRefresh(digest(refreshToken));
  }

  async hasUser(user: string): Promise<boolean> {
    return (await this.options.store.findUser(user)) !== undefined;
  }

  /** `user`'s sharing keys (the private half sealed on their device); undefined for an unknown user or one who has none yet. */
  async sharingKeys(user: string): Promise<SharingKeys | undefined> {
    return (await this.options.store.findUser(user))?.keys?.sharing;
  }

  /** Gives `user` sharing keys if they have none, and answers with the ones they have (the first set stays: files were shared to it). */
  async provideSharingKeys(user: string, sharing: SharingKeys): Promise<SharingKeys> {
    const record = await this.options.store.findUser(user);
    if (!record?.keys) throw new KeysMissingError(`${user} has no account keys yet: log in again`);
    if (record.keys.sharing) return record.keys.sharing;
    await this.options.store.updateUser(user, { keys: { ...record.keys, sharing } });
    return sharing;
  }

  verify(accessToken: string): Promise<AccessClaims> {
    return this.options.tokens.verifyAccess(accessToken);
  }

  close(): Promise<void> {
    return this.options.store.close();
  }

  private async session(user: string): Promise<AuthSession> {
    const now = this.options.clock.now();
    const access = await this.options.tokens.issueAccess(user, this.options.accessLifetimeMs ?? ACCESS_LIFETIME_MS);
    const refreshToken = randomBytes(32).toString('base64url');
    const refreshExpiresAt = now + (this.options.refreshLifetimeMs ?? REFRESH_LIFETIME_MS);
    await this.options.store.dropExpired(now);
    await this.options.store.saveRefresh(digest(refreshToken), { user, expiresAt: refreshExpiresAt });
    return { user, accessToken: access.token, accessExpiresAt: access.expiresAt, refreshToken, refreshExpiresAt };
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Accounts kept in `where`: a data directory (accounts.db and the signing key), the masters'
 * shared PostgreSQL database (users, sessions and the signing key, so any master verifies any
 * other's tokens), or memory for a volatile master.
 */
export async function openAccounts(
  where: string | Database | undefined,
  options: Partial<Pick<AccountsOptions, 'clock' | 'accessLifetimeMs' | 'refreshLifetimeMs'>> = {},
): Promise<Accounts> {
  const clock = options.clock ?? systemClock;
  if (where instanceof Database) {
    const tokens = await TokenAuthority.open((make) => where.secret('master-key', make), clock);
    return new Accounts({ ...options, store: new PgAccountStore(where), tokens, clock });
  }
  const tokens = await TokenAuthority.open(where, clock);
  return new Accounts({ ...options, store: where === undefined ? new MemoryAccountStore() : new SqliteAccountStore(where), tokens, clock });
}
