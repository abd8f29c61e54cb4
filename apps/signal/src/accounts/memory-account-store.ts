/** Accounts kept in memory, for a volatile master and for tests of the services above. */
import type { AccountKeys } from '@meshdrive/core';
import type { AccountRecord, AccountStore, RefreshRecord } from './account-store.js';

export class MemoryAccountStore implements AccountStore {
  private readonly users = new Map<string, AccountRecord>();
  private readonly refreshes = new Map<string, RefreshRecord>();

  createUser(record: AccountRecord): Promise<boolean> {
    if (this.users.has(record.user)) return Promise.resolve(false);
    this.users.set(record.user, { ...record });
    return Promise.resolve(true);
  }

  findUser(user: string): Promise<AccountRecord | undefined> {
    const record = this.users.get(user);
    return Promise.resolve(record && { ...record });
  }

  updateUser(user: string, change: { passwordHash?: string; keys: AccountKeys }): Promise<boolean> {
    const record = this.users.get(user);
    if (!record) return Promise.resolve(false);
    this.users.set(user, { ...record, ...change });
    return Promise.resolve(true);
  }

  saveRefresh(tokenHash: string, record: RefreshRecord): Promise<void> {
    this.refreshes.set(tokenHash, { ...record });
    return Promise.resolve();
  }

  takeRefresh(tokenHash: string): Promise<RefreshRecord | undefined> {
    const record = this.refreshes.get(tokenHash);
    this.refreshes.delete(tokenHash);
    return Promise.resolve(record);
  }

  dropExpired(now: number): Promise<void> {
    for (const [hash, record] of this.refreshes) if (record.expiresAt < now) this.refreshes.delete(hash);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
