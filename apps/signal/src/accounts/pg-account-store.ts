/** Accounts in the masters' shared PostgreSQL database, so a user signed up on one master logs in on any. */
import type { AccountKeys } from '@meshdrive/core';
import type { Database } from '../postgres/database.js';
import type { AccountRecord, AccountStore, RefreshRecord } from './account-store.js';

interface UserRow { username: string; password_hash: string; created_at: number; keys: AccountKeys | null }

export class PgAccountStore implements AccountStore {
  constructor(private readonly database: Database) {}

  async createUser(record: AccountRecord): Promise<boolean> {
    const result = await this.database.query('INSERT INTO users (username, password_hash, created_at, keys) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [record.user, record.passwordHash, record.createdAt, record.keys ? JSON.stringify(record.keys) : null]);
    return result.rowCount === 1;
  }

  async findUser(user: string): Promise<AccountRecord | undefined> {
    const { rows: [row] } = await this.database.query<UserRow>('SELECT username, password_hash, created_at, keys FROM users WHERE username = $1', [user]);
    return row && { user: row.username, passwordHash: row.password_hash, createdAt: row.created_at, ...(row.keys === null ? {} : { keys: row.keys }) };
  }

  async updateUser(user: string, change: { passwordHash?: string; keys: AccountKeys }): Promise<boolean> {
    const result = await this.database.query('UPDATE users SET password_hash = COALESCE($1, password_hash), keys = $2 WHERE username = $3',
      [change.passwordHash ?? null, JSON.stringify(change.keys), user]);
    return result.rowCount === 1;
  }

  async saveRefresh(tokenHash: string, record: RefreshRecord): Promise<void> {
    await this.database.query(`INSERT INTO refresh_tokens (token_hash, username, expires_at) VALUES ($1, $2, $3)
      ON CONFLICT (token_hash) DO UPDATE SET username = excluded.username, expires_at = excluded.expires_at`, [tokenHash, record.user, record.expiresAt]);
  }

  async takeRefresh(tokenHash: string): Promise<RefreshRecord | undefined> {
    const { rows: [row] } = await this.database.query<{ username: string; expires_at: number }>('DELETE FROM refresh_tokens WHERE token_hash = $1 RETURNING username, expires_at', [tokenHash]);
    return row && { user: row.username, expiresAt: row.expires_at };
  }

  async dropExpired(now: number): Promise<void> {
    await this.database.query('DELETE FROM refresh_tokens WHERE expires_at < $1', [now]);
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
