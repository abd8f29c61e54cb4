import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { chunkStoreAcceptance, type StoreFactory } from './chunk-store-acceptance.js';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.node.js';

const dir = mkdtempSync(join(tmpdir(), 'meshdrive-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const paths = new WeakMap<object, string>();
const sqlite: StoreFactory = {
  create() {
    const path = join(dir, `store-${files++}.db`);
    const store = new SqliteStore(path);
    paths.set(store, path);
    return Promise.resolve(store);
  },
  async reopen(store) {
    await store.close();
    const path = paths.get(store)!;
    const reopened = new SqliteStore(path);
    paths.set(reopened, path);
    return reopened;
  },
};
const memory: StoreFactory = { create: () => Promise.resolve(new MemoryStore()) };

for (const [name, factory] of [['MemoryStore', memory], ['SqliteStore', sqlite]] as const) {
  describe(`${name} acceptance`, () => {
    for (const testCase of chunkStoreAcceptance) it(testCase.name, () => testCase.run(factory));
  });
}
