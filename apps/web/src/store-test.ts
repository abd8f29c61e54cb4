/**
 * The page behind store-test.html: exposes the chunk-store acceptance cases for the IndexedDB
 * store on `window.storeAcceptance`, so Playwright can run and report each case on its own.
 */
import { fromHex, IdbStore, type PeerStore } from '@meshdrive/core';
import { chunkStoreAcceptance, type StoreFactory } from '@meshdrive/core/testing';

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
    /** Opens a version-1 database (one record per chunk) with IdbStore; null when every chunk came through. */
    storeMigration(chunks: number): Promise<string | null>;
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
    const hash = new Uint8Array(new Uint32Array([i, chunks, 0xbe, 0xef, 1, 2, 3, 4]).buffer);
    return { hash, bytes };
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

window.storeMigration = async (chunks) => {
  const name = `migration-${Date.now()}`;
  const written = Array.from({ length: chunks }, (_, i) => {
    const bytes = new Uint8Array(100 + (i % 900)).fill(i & 0xff);
    const name = i.toString(16).padStart(8, '0') + 'ab'.repeat(28);
    return { name, hash: fromHex(name), bytes };
  });
  // What version 1 of idb-store.ts wrote: 'chunks' keyed by hash, counters, meta.
  await new Promise<void>((resolve, reject) => {
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => {
      for (const store of ['chunks', 'meta', 'counters']) open.result.createObjectStore(store);
    };
    open.onerror = () => reject(open.error ?? new Error('open failed'));
    open.onsuccess = () => {
      const tx = open.result.transaction(['chunks', 'counters'], 'readwrite');
      for (const { name, bytes } of written) tx.objectStore('chunks').put(bytes.buffer, name);
      tx.objectStore('counters').put({ chunks, bytes: written.reduce((sum, c) => sum + c.bytes.length, 0) }, 'stats');
      tx.oncomplete = () => {
        open.result.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error ?? new Error('write failed'));
    };
  });
  const store = await factory.reopen!(await IdbStore.open({ name })); // the index must come back from the packs alone
  const got = await store.getMany(written.map((c) => c.hash));
  const stats = await store.stats();
  await store.close();
  const bad = written.findIndex((c, i) => {
    const bytes = got[i];
    return bytes?.length !== c.bytes.length || !bytes.every((b, j) => b === c.bytes[j]);
  });
  if (bad >= 0) return `chunk ${bad} did not survive the migration`;
  if (stats.chunks !== chunks) return `stats after migration: ${JSON.stringify(stats)}`;
  return null;
};
