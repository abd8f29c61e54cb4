import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chunkStoreAcceptance, type StoreFactory } from './chunk-store-acceptance.js';
import { MemoryStore } from './memory-store.js';
import { PackStore } from './pack-store.node.js';
import { SqliteStore } from './sqlite-store.node.js';
import { range } from './test-chunks.js';

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
const packDirs = new WeakMap<object, string>();
const pack: StoreFactory = {
  async create() {
    const path = join(dir, `packs-${files++}`);
    const store = await PackStore.open(path);
    packDirs.set(store, path);
    return store;
  },
  async reopen(store) {
    await store.close();
    const path = packDirs.get(store)!;
    const reopened = await PackStore.open(path);
    packDirs.set(reopened, path);
    return reopened;
  },
};
const memory: StoreFactory = { create: () => Promise.resolve(new MemoryStore()) };

for (const [name, factory] of [['MemoryStore', memory], ['SqliteStore', sqlite], ['PackStore', pack]] as const) {
  describe(`${name} acceptance`, () => {
    for (const testCase of chunkStoreAcceptance) it(testCase.name, () => testCase.run(factory));
  });
}

describe('SqliteStore on a full disk', () => {
  it('fails plain and lazy puts with ERR_QUOTA_EXCEEDED and keeps every earlier commit', async () => {
    const path = join(dir, 'full.db');
    const store = new SqliteStore(path, { maxBytes: 1024 * 1024 });
    const kept = range(0, 200);
    await store.putMany(kept);
    const lazy = store.putMany(range(1000, 300), { lazy: true });
    const plain = store.putMany(range(2000, 2000));
    await expect(plain).rejects.toMatchObject({ code: 'ERR_QUOTA_EXCEEDED' });
    // The lazy put shared the failed transaction: it is lost and says so, not silently.
    await expect(lazy).rejects.toMatchObject({ code: 'ERR_QUOTA_EXCEEDED' });
    expect(await store.stats()).toEqual({ chunks: 200, bytes: 200 * 1024 });
    expect((await store.getMany(kept.map((c) => c.hash))).every((bytes, i) => bytes?.[0] === kept[i]!.bytes[0])).toBe(true);
    await store.putMany(range(3000, 10)); // room is left for a small batch
    await store.close();
    const reopened = new SqliteStore(path);
    expect((await reopened.stats()).chunks).toBe(210);
    await reopened.close();
  });
});
