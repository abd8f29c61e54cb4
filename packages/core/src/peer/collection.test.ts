/** Collection over a MemoryStore with a fake clock: when it runs, what it keeps, how it holds writes off. */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { toHex } from '../bytes.js';
import { encodeChunkList } from '../chunking/chunk-list.js';
import { QuotaExceededError } from '../errors.js';
import { MemoryStore } from '../stores/memory-store.js';
import { ABANDONED_SEGMENT_MS, Collection, GC_QUIET_MS } from './collection.js';
import { Pins } from './pins.js';
import { SpaceWatch } from './space.js';

const sha = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());

/** Stores a segment of `count` one-byte chunks and its list; returns the list's hex name and the chunk names. */
async function storeSegment(store: MemoryStore, seed: number, count: number) {
  const chunks = Array.from({ length: count }, (_, i) => new Uint8Array([seed, i]));
  const hashes = chunks.map(sha);
  const listBytes = encodeChunkList(hashes);
  const listHash = sha(listBytes);
  await store.putMany([{ hash: listHash, bytes: listBytes }, ...chunks.map((bytes, i) => ({ hash: hashes[i]!, bytes }))]);
  return { list: toHex(listHash), names: [listHash, ...hashes] };
}

function collectionAt(start: number) {
  const clock = { now: start };
  const store = new MemoryStore();
  const pins = new Pins(store, () => clock.now);
  const space = new SpaceWatch();
  const writes = { quiet: true, cutoffs: [] as number[] };
  const collection = new Collection({
    store,
    pins,
    space,
    writesQuietSince: (cutoff) => {
      writes.cutoffs.push(cutoff);
      return writes.quiet;
    },
    now: () => clock.now,
  });
  return { clock, store, pins, space, writes, collection };
}

describe('Collection', () => {
  it('sweeps only after GC_QUIET_MS without a write, keeping every pinned segment', async () => {
    const { clock, store, pins, collection } = collectionAt(1_000_000);
    const kept = await storeSegment(store, 1, 3);
    const stray = await storeSegment(store, 2, 3);
    await pins.pin(kept.list);
    expect(collection.writeArriving()).toBeUndefined(); // nothing to wait for
    clock.now += GC_QUIET_MS - 1;
    expect(await collection.collectGarbage()).toBeUndefined();
    clock.now += 1;
    expect(await collection.collectGarbage()).toBe(4);
    expect((await store.hasMany(kept.names)).every(Boolean)).toBe(true);
    expect((await store.hasMany(stray.names)).some(Boolean)).toBe(false);
  });

  it('skips its turn while a segment may still be written, asking about the last ABANDONED_SEGMENT_MS', async () => {
    const { clock, store, writes, collection } = collectionAt(1_000_000);
    await storeSegment(store, 3, 2);
    writes.quiet = false;
    expect(await collection.collectGarbage()).toBeUndefined();
    expect(await collection.dropAbandoned([], 0)).toBeUndefined();
    expect(writes.cutoffs).toEqual([clock.now - ABANDONED_SEGMENT_MS, clock.now - ABANDONED_SEGMENT_MS]);
    expect((await store.stats()).chunks).toBe(3);
  });

  it('deletes nothing when a pinned list is missing, since its chunks cannot be told apart', async () => {
    const { store, pins, collection } = collectionAt(1_000_000);
    await storeSegment(store, 4, 2);
    await pins.pin('ab'.repeat(32));
    expect(await collection.collectGarbage()).toBe(0);
    expect((await store.stats()).chunks).toBe(3);
  });

  it('holds writes off while it runs, and another collection skips its turn meanwhile', async () => {
    const { store, collection } = collectionAt(1_000_000);
    await storeSegment(store, 5, 2);
    let release!: () => void;
    const stats = store.stats.bind(store);
    vi.spyOn(store, 'stats').mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve(stats()))));
    const sweeping = collection.collectGarbage();
    await vi.waitFor(() => expect(release).toBeDefined());
    const held = collection.writeArriving();
    expect(held).toBeDefined();
    let writeWent = false;
    const write = held!.then(() => (writeWent = true));
    expect(await collection.dropAbandoned([], 0)).toBeUndefined();
    expect(writeWent).toBe(false);
    release();
    expect(await sweeping).toBe(3);
    await write;
    expect(collection.writeArriving()).toBeUndefined();
    expect(await collection.collectGarbage()).toBeUndefined(); // that write was a moment ago
  });

  it('drops unpinned segments, keeping chunks a pinned one shares, and frees a full peer', async () => {
    const { clock, store, pins, space, collection } = collectionAt(1_000_000);
    const one = await storeSegment(store, 6, 2);
    const two = await storeSegment(store, 7, 2);
    await pins.pin(one.list);
    await pins.pin(two.list);
    await space.watch(Promise.reject(new QuotaExceededError('the disk is full'))).catch(() => undefined);
    expect(space.full).toBe(true);
    clock.now += 5_000;
    await pins.pin(two.list); // sealed again since the master judged it
    expect(await collection.dropAbandoned([one.list, two.list], 5_000)).toBe(3);
    expect(space.full).toBe(false);
    expect(await pins.lists()).toEqual([two.list]);
    expect((await store.hasMany(two.names)).every(Boolean)).toBe(true);
  });
});
