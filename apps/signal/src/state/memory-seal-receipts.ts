/** Seal receipts in memory: lost with the master, so a send cut by a restart is sent again. */
import type { PeerId } from '@meshdrive/core';
import type { SealReceipts } from './seal-receipts.js';

interface Receipt {
  chunks: number;
  at: number;
}

export class MemorySealReceipts implements SealReceipts {
  /** list → peer → receipt. */
  private readonly receipts = new Map<string, Map<PeerId, Receipt>>();
  private readonly waiters = new Set<() => void>();

  record(peer: PeerId, list: string, chunks: number, now: number): Promise<void> {
    let holders = this.receipts.get(list);
    if (!holders) this.receipts.set(list, (holders = new Map<PeerId, Receipt>()));
    holders.set(peer, { chunks, at: now });
    for (const wake of [...this.waiters]) wake();
    return Promise.resolve();
  }

  async confirmed(list: string, peers: readonly PeerId[], timeoutMs: number): Promise<Map<PeerId, number>> {
    const answer = (): Map<PeerId, number> => {
      const holders = this.receipts.get(list);
      return new Map(peers.flatMap((peer) => {
        const receipt = holders?.get(peer);
        return receipt ? [[peer, receipt.chunks] as const] : [];
      }));
    };
    if (answer().size === peers.length || timeoutMs <= 0) return answer();
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        if (answer().size < peers.length) return;
        finish();
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.waiters.add(wake);
    });
    return answer();
  }

  prune(before: number): Promise<void> {
    for (const [list, holders] of this.receipts) {
      for (const [peer, receipt] of holders) if (receipt.at < before) holders.delete(peer);
      if (holders.size === 0) this.receipts.delete(list);
    }
    return Promise.resolve();
  }
}
