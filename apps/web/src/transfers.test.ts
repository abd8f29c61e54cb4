import { describe, expect, it } from 'vitest';
import { PeerUnavailableError, ValidationError, asFileId, type MeshClient, type StoreOptions } from '@meshdrive/core';
import { Transfers, type MasterLink, type Transfer } from './transfers.js';

/** A line to the master that is always up, whose count of outages the test moves. */
function steadyLink(): MasterLink & { down(): void } {
  let outages = 0;
  return {
    connected: () => true,
    outages: () => outages,
    whenConnected: () => Promise.resolve(),
    down: () => void outages++,
  };
}

/** A client whose store runs `attempts` in turn, one per call, recording the options of each. */
function storingClient(attempts: ((options: StoreOptions) => Promise<void>)[]): { client: MeshClient; calls: StoreOptions[] } {
  const calls: StoreOptions[] = [];
  const client = {
    store: async (_name: string, _source: unknown, options: StoreOptions) => {
      calls.push({ ...options });
      await attempts[calls.length - 1]!(options);
    },
  };
  return { client: client as unknown as MeshClient, calls };
}

function finished(transfers: Transfers): Promise<Transfer> {
  return new Promise((resolve) => transfers.addEventListener('finished', (event) => resolve((event as CustomEvent<Transfer>).detail), { once: true }));
}

const FILE_ID = asFileId('f'.repeat(32));

describe('an upload across a master outage', () => {
  it('tries again, under the same file id, when a peer failed while the line was down', async () => {
    const link = steadyLink();
    const { client, calls } = storingClient([
      (options) => {
        options.onPlaced?.(FILE_ID);
        link.down();
        return Promise.reject(new PeerUnavailableError('p'.repeat(16), 'WebRTC connection did not answer within 15000 ms'));
      },
      () => Promise.resolve(),
    ]);
    const transfers = new Transfers(() => client, link);
    const done = finished(transfers);
    transfers.upload([{ file: new File(['hello'], 'a.txt'), name: 'a.txt' }]);
    expect((await done).phase).toBe('done');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.fileId).toBe(FILE_ID);
  });

  it('fails at once on a lost peer when the line stayed up', async () => {
    const link = steadyLink();
    const { client, calls } = storingClient([() => Promise.reject(new PeerUnavailableError('p'.repeat(16), 'closed'))]);
    const transfers = new Transfers(() => client, link);
    const done = finished(transfers);
    transfers.upload([{ file: new File(['hello'], 'a.txt'), name: 'a.txt' }]);
    const transfer = await done;
    expect(transfer.phase).toBe('failed');
    expect(transfer.error).toMatch(/peer pppppppp/);
    expect(calls).toHaveLength(1);
  });

  it('fails on what no retry cures, outage or not', async () => {
    const link = steadyLink();
    const { client, calls } = storingClient([
      () => {
        link.down();
        return Promise.reject(new ValidationError('the name is too long'));
      },
    ]);
    const transfers = new Transfers(() => client, link);
    const done = finished(transfers);
    transfers.upload([{ file: new File(['hello'], 'a.txt'), name: 'a.txt' }]);
    expect((await done).phase).toBe('failed');
    expect(calls).toHaveLength(1);
  });
});
