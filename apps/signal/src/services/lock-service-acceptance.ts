/**
 * The suite LockService passes over every Locks: MemoryLocks here and PgLocks
 * (postgres.node.test.ts), on a fake clock: leases, first-come-first-served waiters, fencing
 * tokens, and no deadlock on a vanished holder.
 *
 * @example
 * runLockServiceTests('MemoryLocks', () => new MemoryLocks(() => directory.nextFence()));
 */
import { describe, expect, it } from 'vitest';
import { FileLockedError, LockLapsedError, type LockGrant } from '@meshdrive/core';
import type { Locks } from '../state/locks.js';
import { LockService } from './lock-service.js';
import { FakeClock } from './test-fakes.js';

/** Every test gets new, empty locks from `makeLocks`. */
export function runLockServiceTests(name: string, makeLocks: () => Locks | Promise<Locks>): void {
  async function setUp() {
    const clock = new FakeClock(1_000_000);
    const service = new LockService({ locks: await makeLocks(), clock, log: () => undefined });
    const holder = (client: string) => ({ user: 'ada', device: `device-${client}`, client });
    return { clock, service, holder };
  }

  describe(`LockService on ${name}`, () => {
    it('grants a free lock, and refuses another client at once saying who holds it and until when', async () => {
      const { service, holder } = await setUp();
      const grant = await service.lock('ada', holder('a'), { name: 'f', ttlMs: 30_000 });
      expect(grant).toMatchObject({ name: 'f', expiresAt: 1_030_000, holder: { user: 'ada', device: 'device-a' } });
      const refused = service.lock('ada', holder('b'), { name: 'f', ttlMs: 30_000 });
      await expect(refused).rejects.toMatchObject({ code: FileLockedError.code });
      await expect(refused).rejects.toThrow('"f" is locked by ada (device-a) until 00:17:10 UTC');
      // Another user's file of the same name is another lock.
      await expect(service.lock('bob', { ...holder('b'), user: 'bob' }, { name: 'f', ttlMs: 30_000 })).resolves.toMatchObject({ name: 'f' });
    });

    it('hands the lock to waiters in the order they asked, each with a larger fencing token', async () => {
      const { service, holder } = await setUp();
      const first = await service.lock('ada', holder('h'), { name: 'f', ttlMs: 30_000 });
      const order: string[] = [];
      const waits = ['w1', 'w2', 'w3', 'w4', 'w5'].map((client) =>
        service.lock('ada', holder(client), { name: 'f', ttlMs: 30_000, wait: true }).then((grant) => {
          order.push(client);
          return grant;
        }));
      let token = first.token;
      let current: LockGrant = first;
      for (const client of ['w1', 'w2', 'w3', 'w4', 'w5']) {
        expect(await service.unlock('ada', 'ada', { name: 'f', token: current.token })).toEqual({ released: true });
        current = await waits[order.length]!;
        expect(order.at(-1)).toBe(client);
        expect(current.token).toBeGreaterThan(token);
        token = current.token;
      }
      expect(order).toEqual(['w1', 'w2', 'w3', 'w4', 'w5']);
    });

    it('releases a lease its holder stopped renewing, and grants it to the next waiter; renewing keeps it', async () => {
      const { service, holder, clock } = await setUp();
      const held = await service.lock('ada', holder('h'), { name: 'f', ttlMs: 10_000 });
      let granted: LockGrant | undefined;
      void service.lock('ada', holder('w'), { name: 'f', ttlMs: 10_000, wait: true }).then((grant) => (granted = grant));
      clock.time += 9_000;
      expect((await service.renew('ada', { name: 'f', token: held.token, ttlMs: 10_000 })).expiresAt).toBe(clock.time + 10_000);
      clock.time += 9_000;
      await service.tick();
      await Promise.resolve();
      expect(granted).toBeUndefined();
      clock.time += 1_000; // no renewal: the holder is gone
      await service.tick();
      await new Promise((resolve) => setImmediate(resolve));
      expect(granted?.token).toBeGreaterThan(held.token);
      await expect(service.renew('ada', { name: 'f', token: held.token, ttlMs: 10_000 })).rejects.toMatchObject({ code: LockLapsedError.code });
      await expect(service.checkWrite('ada', 'f', held.token)).rejects.toMatchObject({ code: LockLapsedError.code });
      await expect(service.checkWrite('ada', 'f', undefined)).rejects.toMatchObject({ code: FileLockedError.code });
      await expect(service.checkWrite('ada', 'f', granted!.token)).resolves.toBeUndefined();
    });

    it('gives its own holder the same lease again instead of a wait on itself', async () => {
      const { service, holder, clock } = await setUp();
      const first = await service.lock('ada', holder('a'), { name: 'f', ttlMs: 10_000 });
      clock.time += 5_000;
      const again = await service.lock('ada', holder('a'), { name: 'f', ttlMs: 10_000, wait: true });
      expect(again.token).toBe(first.token);
      expect(again.expiresAt).toBe(clock.time + 10_000);
    });

    it('forgets a waiter whose client left, so the lock goes to the one behind it', async () => {
      const { service, holder } = await setUp();
      const held = await service.lock('ada', holder('h'), { name: 'f', ttlMs: 10_000 });
      let goneGranted = false;
      void service.lock('ada', holder('gone'), { name: 'f', ttlMs: 10_000, wait: true }).then(() => (goneGranted = true));
      const next = service.lock('ada', holder('next'), { name: 'f', ttlMs: 10_000, wait: true });
      await service.clientGone('gone');
      await service.unlock('ada', 'ada', { name: 'f', token: held.token });
      expect((await next).holder.device).toBe('device-next');
      expect(goneGranted).toBe(false);
    });

    it('lets its user unlock from another device without the token, but not another user; lists who holds what', async () => {
      const { service, holder } = await setUp();
      await service.lock('ada', holder('a'), { name: 'f', ttlMs: 10_000 });
      expect((await service.held('ada')).get('f')).toMatchObject({ user: 'ada', device: 'device-a' });
      expect(await service.unlock('ada', 'mallory', { name: 'f' })).toEqual({ released: false });
      expect(await service.unlock('ada', 'ada', { name: 'f', token: 999 })).toEqual({ released: false });
      expect(await service.unlock('ada', 'ada', { name: 'f' })).toEqual({ released: true });
      expect((await service.held('ada')).size).toBe(0);
      await expect(service.checkWrite('ada', 'f', undefined)).resolves.toBeUndefined();
    });
  });
}
