/**
 * The page behind store-test.html: exposes the chunk-store acceptance cases for the IndexedDB
 * store on `window.storeAcceptance`, so Playwright can run and report each case on its own.
 */
import { chunkStoreAcceptance, type PeerStore, type StoreFactory } from '@meshdrive/core';
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

declare global {
  interface Window {
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
