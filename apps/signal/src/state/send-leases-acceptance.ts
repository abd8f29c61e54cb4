/**
 * The suite every SendLeases passes: memory (send-leases.test.ts) and PostgreSQL
 * (postgres.node.test.ts). Times are arguments, so no clock is needed.
 */
import { describe, expect, it } from 'vitest';
import type { SendLeases, SendLeaseTiming } from './send-leases.js';

export const TEST_SEND_TIMING: SendLeaseTiming = { graceMs: 1_000, maxOpenMs: 10_000 };

export function runSendLeaseTests(name: string, open: () => SendLeases | Promise<SendLeases>): void {
  describe(`send leases on ${name}`, () => {
    it('keeps a send open until it commits, and tells the sweep when the oldest open one began', async () => {
      const leases = await open();
      expect(await leases.oldestOpenSend(0)).toBe(Infinity);
      await leases.placed('c1', 'f1', true, 100);
      await leases.placed('c2', 'f2', true, 200);
      await leases.placed('c1', 'f1', false, 300); // a retry keeps its start
      expect(await leases.oldestOpenSend(400)).toBe(100);
      expect(await leases.committed('c1', 'f1')).toBe(true);
      expect(await leases.oldestOpenSend(400)).toBe(200);
      // A commit of a send this store never saw opened (placed through a master that died) goes through.
      expect(await leases.committed('c3', 'f3')).toBe(true);
    });

    it('expires the sends of a client gone past the grace, and of any send open too long; their commits are refused', async () => {
      const leases = await open();
      await leases.placed('gone', 'f1', true, 0);
      await leases.placed('back', 'f2', true, 0);
      await leases.placed('slow', 'f3', true, 0);
      await leases.disconnected('gone', 100);
      await leases.disconnected('back', 100);
      await leases.connected('back');
      expect(await leases.oldestOpenSend(1_200)).toBe(0);
      expect(await leases.committed('gone', 'f1')).toBe(false);
      expect(await leases.oldestOpenSend(10_000)).toBe(Infinity);
      expect(await leases.committed('slow', 'f3')).toBe(false);
      expect(await leases.committed('back', 'f2')).toBe(false);
      // A fresh send of the same file opens anew; a retry cannot revive an expired one.
      await leases.placed('gone', 'f1', false, 10_100);
      await leases.oldestOpenSend(10_100);
      await leases.placed('slow', 'f3', true, 10_100);
      expect(await leases.oldestOpenSend(10_200)).toBe(10_100);
      expect(await leases.committed('slow', 'f3')).toBe(true);
    });
  });
}
