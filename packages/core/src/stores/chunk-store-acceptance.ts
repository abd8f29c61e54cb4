/**
 * One acceptance suite for every PeerStore implementation. It is a list of named async checks
 * that throw on failure, so the same cases run under vitest in Node and inside Chromium for
 * the IndexedDB store. `reopen` (when the store persists) must return a fresh instance over
 * the same data.
 */
import { toHex } from '../bytes.js';
import { MeshError, StoreClosedError } from '../errors.js';
import type { HashBytes } from '../ids.js';
import type { PeerStore } from './chunk-store.js';

export interface StoreFactory {
  create(): Promise<PeerStore>;
  /** Closes `store` and opens the same data again; omit for volatile stores. */
  reopen?(store: PeerStore): Promise<PeerStore>;
}

export interface AcceptanceCase {
  name: string;
  run(factory: StoreFactory): Promise<void>;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

let counter = 0;
/** A deterministic chunk: the hash is a stand-in (stores do not verify). */
function chunk(size: number, seed = counter++): { hash: HashBytes; bytes: Uint8Array } {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (seed * 31 + i * 7) & 0xff;
  const id = new Uint8Array(32);
  new DataView(id.buffer).setUint32(0, seed);
  new DataView(id.buffer).setUint32(4, size);
  id[31] = 0xee;
  return { hash: id, bytes };
}

const same = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined && a.length === b.length && a.every((value, i) => value === b[i]);

export const chunkStoreAcceptance: AcceptanceCase[] = [
  {
    name: 'puts and gets chunks byte for byte, in request order',
    async run(factory) {
      const store = await factory.create();
      const chunks = [chunk(1024), chunk(1), chunk(0), chunk(777)];
      await store.putMany(chunks);
      const got = await store.getMany([...chunks].reverse().map((c) => c.hash));
      [...chunks].reverse().forEach((c, i) => check(same(got[i], c.bytes), `chunk ${i} round-trips`));
      await store.close();
    },
  },
  {
    name: 'reports missing chunks as undefined and false',
    async run(factory) {
      const store = await factory.create();
      const present = chunk(10);
      const absent = chunk(10);
      await store.putMany([present]);
      const [a, b] = await store.getMany([absent.hash, present.hash]);
      check(a === undefined, 'absent chunk is undefined');
      check(same(b, present.bytes), 'present chunk is returned');
      const has = await store.hasMany([present.hash, absent.hash]);
      check(has[0] === true && has[1] === false, 'hasMany answers per hash');
      await store.close();
    },
  },
  {
    name: 'putting a chunk twice stores it once',
    async run(factory) {
      const store = await factory.create();
      const c = chunk(100);
      await store.putMany([c]);
      await store.putMany([c, c]);
      const stats = await store.stats();
      check(stats.chunks === 1 && stats.bytes === 100, `stats after duplicate put: ${JSON.stringify(stats)}`);
      await store.close();
    },
  },
  {
    name: 'lazy puts become durable at commit(), or on their own soon after',
    async run(factory) {
      const store = await factory.create();
      const committed = [chunk(1024), chunk(1024)];
      const lazyPuts = [store.putMany(committed.slice(0, 1), { lazy: true }), store.putMany(committed.slice(1), { lazy: true })];
      await store.commit();
      await Promise.all(lazyPuts);
      const alone = chunk(512);
      const started = Date.now();
      await store.putMany([alone], { lazy: true }); // nobody commits: the store must not wait forever
      check(Date.now() - started < 5000, `a lazy put left alone took ${Date.now() - started} ms`);
      const got = await store.getMany([...committed, alone].map((c) => c.hash));
      check(got.every((bytes, i) => same(bytes, [...committed, alone][i]!.bytes)), 'lazy chunks read back');
      check((await store.stats()).chunks === 3, 'stats count committed lazy chunks');
      const reopened = factory.reopen ? await factory.reopen(store) : store;
      check((await reopened.hasMany([...committed, alone].map((c) => c.hash))).every(Boolean), 'lazy chunks survive reopen');
      await reopened.close();
    },
  },
  {
    name: 'knows a hash by its bytes, not by the array holding them, and stores a repeat once',
    async run(factory) {
      const store = await factory.create();
      const original = chunk(100);
      // A frame's hashes are views into a larger message: the same bytes at another offset.
      const framed = new Uint8Array(64);
      framed.set(original.hash, 32);
      const view = framed.subarray(32);
      await store.putMany([original, { hash: view, bytes: original.bytes }]);
      check((await store.stats()).chunks === 1, 'a hash put twice in one batch is stored once');
      const [got] = await store.getMany([Uint8Array.from(original.hash)]);
      check(same(got, original.bytes), 'a copy of the hash finds the chunk');
      check((await store.hasMany([view])).join() === 'true', 'a view of the hash finds the chunk');
      await store.deleteMany([Uint8Array.from(original.hash)]);
      check((await store.stats()).chunks === 0, 'a copy of the hash deletes the chunk');
      await store.close();
    },
  },
  {
    name: 'deletes chunks and keeps stats exact',
    async run(factory) {
      const store = await factory.create();
      const chunks = [chunk(10), chunk(20), chunk(30)];
      await store.putMany(chunks);
      await store.deleteMany([chunks[1]!.hash, chunk(5).hash]);
      const stats = await store.stats();
      check(stats.chunks === 2 && stats.bytes === 40, `stats after delete: ${JSON.stringify(stats)}`);
      const has = await store.hasMany(chunks.map((c) => c.hash));
      check(has.join() === 'true,false,true', `hasMany after delete: ${has.join()}`);
      await store.close();
    },
  },
  {
    name: 'lists every key, across pages',
    async run(factory) {
      const store = await factory.create();
      const chunks = Array.from({ length: 5000 }, () => chunk(8));
      await store.putMany(chunks);
      const seen = new Set<string>();
      for await (const key of store.keys()) seen.add(toHex(key));
      check(seen.size === chunks.length && chunks.every((c) => seen.has(toHex(c.hash))), `keys listed ${seen.size} of ${chunks.length}`);
      await store.close();
    },
  },
  {
    name: 'handles a batch of 4096 chunks in one call',
    async run(factory) {
      const store = await factory.create();
      const chunks = Array.from({ length: 4096 }, () => chunk(1024));
      await store.putMany(chunks);
      const got = await store.getMany(chunks.map((c) => c.hash));
      check(got.every((bytes, i) => same(bytes, chunks[i]!.bytes)), 'every chunk of a large batch round-trips');
      check((await store.stats()).bytes === 4096 * 1024, 'stats count every byte');
      await store.close();
    },
  },
  {
    name: 'keeps meta values and lists them by prefix',
    async run(factory) {
      const store = await factory.create();
      await store.setMeta('peer-id', 'abc');
      await store.setMeta('pin:1', 'x');
      await store.setMeta('pin:2', 'y');
      await store.setMeta('pin:2', 'z');
      check((await store.getMeta('peer-id')) === 'abc', 'meta value read back');
      check((await store.getMeta('pin:2')) === 'z', 'meta value overwritten');
      const keys = (await store.metaKeys('pin:')).sort();
      check(keys.join() === 'pin:1,pin:2', `metaKeys by prefix: ${keys.join()}`);
      await store.deleteMeta('pin:1');
      check((await store.getMeta('pin:1')) === undefined, 'meta value deleted');
      await store.close();
    },
  },
  {
    name: 'a closed store refuses work with ERR_STORE_CLOSED',
    async run(factory) {
      const store = await factory.create();
      await store.close();
      let code: string | undefined;
      try {
        await store.getMany([chunk(1).hash]);
      } catch (error) {
        code = error instanceof MeshError ? error.code : 'not a MeshError';
      }
      check(code === StoreClosedError.code, `closed store error code: ${code}`);
    },
  },
  {
    name: 'data survives closing and reopening (persistent stores)',
    async run(factory) {
      if (!factory.reopen) return; // volatile by design
      const store = await factory.create();
      const chunks = [chunk(1024), chunk(3)];
      await store.putMany(chunks);
      await store.setMeta('peer-id', 'same-after-restart');
      const reopened = await factory.reopen(store);
      const got = await reopened.getMany(chunks.map((c) => c.hash));
      check(got.every((bytes, i) => same(bytes, chunks[i]!.bytes)), 'chunks survive reopen');
      check((await reopened.getMeta('peer-id')) === 'same-after-restart', 'meta survives reopen');
      const stats = await reopened.stats();
      check(stats.chunks === 2 && stats.bytes === 1027, `stats survive reopen: ${JSON.stringify(stats)}`);
      await reopened.close();
    },
  },
];
