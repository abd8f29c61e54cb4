/**
 * Where accounts are kept: users with their password hashes, and the refresh tokens issued to
 * them (as hashes: a stolen database yields no token). Behind this interface so several masters
 * can later share it; memory and SQLite implementations pass one acceptance suite.
 */
import type { AccountKeys } from '@meshdrive/core';
export interface AccountRecord {
  user: string;
  /** An Argon2id PHC string: algorithm, parameters, salt and hash together. */
  passwordHash: string;
  createdAt: number;
  /** The user's wrapped keys, opaque here; absent for an account made before encryption, or by a bare HTTP client. */
  keys?: AccountKeys;
}

export interface RefreshRecord {
  user: string;
  expiresAt: number;
}

export interface AccountStore {
  /** Adds a user; false when the name is taken (nothing changes then). */
  createUser(record: AccountRecord): Promise<boolean>;
  findUser(user: string): Promise<AccountRecord | undefined>;
  /** Replaces a user's password hash and keys (a password change); false when there is no such user. */
  updateUser(user: string, change: { passwordHash?: string; keys: AccountKeys }): Promise<boolean>;
  saveRefresh(tokenHash: string, record: RefreshRecord): Promise<void>;
  /** Removes and returns a refresh token's record: each refresh token is used once. */
  takeRefresh(tokenHash: string): Promise<RefreshRecord | undefined>;
  /** Forgets refresh tokens that expired before `now`. */
  dropExpired(now: number): Promise<void>;
  close(): Promise<void>;
}
