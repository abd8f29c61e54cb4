/** Scrubbing over a real store: damaged and missing chunks are found, deleted and reported; sound segments are not. */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../bytes.js';
import { encodeChunkList } from '../chunking/chunk-list.js';
import { nodeHasher } from '../codec/hasher.node.js';
import { MemoryStore } from '../stores/memory-store.js';
import { Pins } from './pins.js';
import { Scrub } from './scrub.js';

const sha = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());

/** Stores and pins a segment of `count` random chunks. */
async function storeSegment(store: MemoryStore, pins: Pins, count: number) {
  const chunks = Array.from({ length: count }, () => new Uint8Array(randomBytes(1024)));
  const hashes = chunks.map(sha);
  const listBytes = encodeChunkList(hashes);
  const list = toHex(sha(listBytes));
  await store.putMany([{ hash: sha(listBytes), bytes: listBytes }, ...chunks.map((bytes, i) => ({ hash: hashes[i]!, bytes }))]);
  await pins.pin(list);
  return { list, chunks, hashes };
}

describe('Scrub', () => {
  it('finds a damaged chunk and a missing one, deletes the damage and reports both segments, and leaves sound ones be', async () => {
    const store = new MemoryStore();
    const pins = new Pins(store, Date.now);
    const sound = await storeSegment(store, pins, 300);
    const rotten = await storeSegment(store, pins, 300);
    const holed = await storeSegment(store, pins, 10);
    // Bit rot behind the store's back: the bytes under a hash change.
    const flipped = new Uint8Array(rotten.chunks[123]!);
    flipped[7] = flipped[7]! ^ 0x20;
    await store.deleteMany([rotten.hashes[123]!]);
    await store.putMany([{ hash: rotten.hashes[123]!, bytes: flipped }]);
    await store.deleteMany([holed.hashes[4]!]);

    const reported: string[] = [];
    const scrub = new Scrub({ store, hasher: nodeHasher, pins, onDamaged: (list) => reported.push(list), bytesPerSecond: 1024 ** 3 });
    const result = await scrub.pass();
    expect(reported.sort()).toEqual([rotten.list, holed.list].sort());
    expect(result).toMatchObject({ segments: 3, damaged: expect.arrayContaining([rotten.list, holed.list]) as unknown });
    expect((await store.hasMany([rotten.hashes[123]!]))[0]).toBe(false); // never served again
    expect((await store.hasMany(sound.hashes)).every(Boolean)).toBe(true);
    expect(result.bytes).toBe(300 * 1024 + 300 * 32);
  });

  it('keeps to its pace', async () => {
    const store = new MemoryStore();
    const pins = new Pins(store, Date.now);
    for (let i = 0; i < 4; i++) await storeSegment(store, pins, 64);
    const scrub = new Scrub({ store, hasher: nodeHasher, pins, onDamaged: () => undefined, bytesPerSecond: 512 * 1024 });
    const started = Date.now();
    const result = await scrub.pass();
    // 4 × 66 KiB at 512 KiB/s: about half a second, never much less.
    expect(result.segments).toBe(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });
});
