/**
 * The suite every AccountStore passes: memory, SQLite and PostgreSQL. It depends on the
 * AccountStore interface alone.
 *
 * @example
 * runAccountStoreTests('sqlite', () => new SqliteAccountStore(tempDir()));
 */
import { describe, expect, it } from 'vitest';
import type { AccountKeys } from '@meshdrive/core';
import type { AccountStore } from './account-store.js';

export function runAccountStoreTests(name: string, open: () => AccountStore | Promise<AccountStore>): void {
  describe(`account store on ${name}`, () => {
    it('keeps users once each and spends refresh tokens once', async () => {
      const store = await open();
      expect(await store.createUser({ user: 'ada', passwordHash: 'h1', createdAt: 1 })).toBe(true);
      expect(await store.createUser({ user: 'ada', passwordHash: 'h2', createdAt: 2 })).toBe(false);
      expect(await store.findUser('ada')).toEqual({ user: 'ada', passwordHash: 'h1', createdAt: 1 });
      expect(await store.findUser('bob')).toBeUndefined();
      await store.saveRefresh('t1', { user: 'ada', expiresAt: 100 });
      await store.saveRefresh('t2', { user: 'ada', expiresAt: 300 });
      expect(await store.takeRefresh('t1')).toEqual({ user: 'ada', expiresAt: 100 });
      expect(await store.takeRefresh('t1')).toBeUndefined();
      await store.dropExpired(301);
      expect(await store.takeRefresh('t2')).toBeUndefined();
      await store.close();
    });

    it('changes a password and keys, and only of a user it has', async () => {
      const store = await open();
      await store.createUser({ user: 'ada', passwordHash: 'h1', createdAt: 1 });
      const keys: AccountKeys = { masterKey: 'wrapped-key' };
      expect(await store.updateUser('ada', { passwordHash: 'h2', keys })).toBe(true);
      expect(await store.findUser('ada')).toEqual({ user: 'ada', passwordHash: 'h2', createdAt: 1, keys });
      expect(await store.updateUser('ada', { keys })).toBe(true);
      expect((await store.findUser('ada'))?.passwordHash).toBe('h2');
      expect(await store.updateUser('bob', { keys })).toBe(false);
      await store.close();
    });
  });
}
