/**
 * The page behind store-test.html: exposes the chunk-store acceptance cases for the IndexedDB
 * store on `window.storeAcceptance`, so Playwright can run and report each case on its own.
 */
import { chunkStoreAcceptance, type PeerStore, type StoreFactory, type StoredChunk } from '@meshdrive/core';
import { IdbStore } from './idb-store.js';

let databases = 0;

const factory: StoreFactory = {
  create: () => IdbStore.open({ name: `acceptance-${Date.now()}-${databases++}` }),
  async reopen(store: PeerStore) {
    const name = (store as IdbStore).name;
    await store.close();
    return IdbStore.open({ name });
  },
};

export interface StoreBenchResult {
  writeMiBps: number;
  readMiBps: number;
  chunks: number;
}

declare global {
  interface Window {
    /** Writes then reads `chunks` 1 KiB chunks in batches of `batch` (one transaction each). */
    storeBench(chunks: number, batch: number, durability: 'relaxed' | 'strict'): Promise<StoreBenchResult>;
    storeAcceptance: {
      names: string[];
      /** Resolves with null when the case passes, else with its failure message. */
      run(name: string): Promise<string | null>;
    };
  }
}

window.storeAcceptance = {
  names: chunkStoreAcceptance.map((test) => test.name),
  async run(name) {
    const test = chunkStoreAcceptance.find((candidate) => candidate.name === name);
    if (!test) return `no case named "${name}"`;
    try {
      await test.run(factory);
      return null;
    } catch (error) {
      return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  },
};

const CHUNK_BYTES = 1024;

window.storeBench = async (chunks, batch, durability) => {
  const store = await IdbStore.open({ name: `bench-${Date.now()}`, durability });
  const all = Array.from({ length: chunks }, (_, i) => {
    const bytes = new Uint8Array(CHUNK_BYTES);
    crypto.getRandomValues(bytes);
    const hash = Array.from(new Uint8Array(new Uint32Array([i, chunks, 0xbe, 0xef, 1, 2, 3, 4]).buffer), (b) => b.toString(16).padStart(2, '0')).join('');
    return { hash: hash as StoredChunk['hash'], bytes };
  });
  const mib = (chunks * CHUNK_BYTES) / 1024 / 1024;
  let started = performance.now();
  for (let i = 0; i < chunks; i += batch) await store.putMany(all.slice(i, i + batch));
  const writeMiBps = mib / ((performance.now() - started) / 1000);
  started = performance.now();
  for (let i = 0; i < chunks; i += batch) await store.getMany(all.slice(i, i + batch).map((chunk) => chunk.hash));
  const readMiBps = mib / ((performance.now() - started) / 1000);
  await store.close();
  return { writeMiBps, readMiBps, chunks };
};
