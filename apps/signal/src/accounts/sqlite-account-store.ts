/** Accounts in SQLite (`accounts.db` beside the directory), so users and their sessions outlive a restart. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AccountKeys } from '@meshdrive/core';
import type { AccountRecord, AccountStore, RefreshRecord } from './account-store.js';

export const ACCOUNTS_FILE = 'accounts.db';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS users (
    user TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL, keys TEXT);
  CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, expires_at INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS refresh_tokens_by_expiry ON refresh_tokens (expires_at);
`;

interface UserRow { user: string; password_hash: string; created_at: number; keys: string | null }
interface RefreshRow { user: string; expires_at: number }

export class SqliteAccountStore implements AccountStore {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, ACCOUNTS_FILE));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL'); // an acknowledged sign-up survives a power cut
    this.db.exec(SCHEMA);
    // Accounts made before encryption have no keys column yet.
    const columns = this.db.prepare('PRAGMA table_info(users)').all() as { name: string }[];
    if (!columns.some((column) => column.name === 'keys')) this.db.exec('ALTER TABLE users ADD COLUMN keys TEXT');
  }

  createUser(record: AccountRecord): Promise<boolean> {
    const result = this.db
      .prepare('INSERT OR IGNORE INTO users (user, password_hash, created_at, keys) VALUES (?, ?, ?, ?)')
      .run(record.user, record.passwordHash, record.createdAt, record.keys ? JSON.stringify(record.keys) : null);
    return Promise.resolve(result.changes === 1);
  }

  findUser(user: string): Promise<AccountRecord | undefined> {
    const row = this.db.prepare('SELECT user, password_hash, created_at, keys FROM users WHERE user = ?').get(user) as UserRow | undefined;
    return Promise.resolve(row && { user: row.user, passwordHash: row.password_hash, createdAt: row.created_at, ...(row.keys === null ? {} : { keys: JSON.parse(row.keys) as AccountKeys }) });
  }

  updateUser(user: string, change: { passwordHash?: string; keys: AccountKeys }): Promise<boolean> {
    const result = this.db
      .prepare('UPDATE users SET password_hash = COALESCE(?, password_hash), keys = ? WHERE user = ?')
      .run(change.passwordHash ?? null, JSON.stringify(change.keys), user);
    return Promise.resolve(result.changes === 1);
  }

  saveRefresh(tokenHash: string, record: RefreshRecord): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO refresh_tokens (token_hash, user, expires_at) VALUES (?, ?, ?)').run(tokenHash, record.user, record.expiresAt);
    return Promise.resolve();
  }

  takeRefresh(tokenHash: string): Promise<RefreshRecord | undefined> {
    const row = this.db.prepare('DELETE FROM refresh_tokens WHERE token_hash = ? RETURNING user, expires_at').get(tokenHash) as RefreshRow | undefined;
    return Promise.resolve(row && { user: row.user, expiresAt: row.expires_at });
  }

  dropExpired(now: number): Promise<void> {
    this.db.prepare('DELETE FROM refresh_tokens WHERE expires_at < ?').run(now);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
