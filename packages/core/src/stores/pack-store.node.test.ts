import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesEqual, toHex } from '../bytes.js';
import type { StoredChunk } from './chunk-store.js';
import { PackStore } from './pack-store.node.js';
import { SqliteStore } from './sqlite-store.node.js';
import { chunk, range } from './test-chunks.js';

const root = mkdtempSync(join(tmpdir(), 'meshdrive-packs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `store-${dirs++}`);

async function expectHolds(store: PackStore, chunks: StoredChunk[]): Promise<void> {
  const got = await store.getMany(chunks.map((c) => c.hash));
  got.forEach((bytes, i) => expect(bytes && Buffer.from(bytes).equals(Buffer.from(chunks[i]!.bytes)), `chunk ${i}`).toBe(true));
}

describe('PackStore', () => {
  it('refuses puts past maxBytes with ERR_QUOTA_EXCEEDED, keeps earlier ones, and takes more after deletes free room', async () => {
    const dir = freshDir();
    const store = await PackStore.open(dir, { maxBytes: 1024 * 1024 });
    const kept = range(0, 200);
    await store.putMany(kept);
    await expect(store.putMany(range(2000, 2000))).rejects.toMatchObject({ code: 'ERR_QUOTA_EXCEEDED' });
    expect(await store.stats()).toEqual({ chunks: 200, bytes: 200 * 1024 });
    await expectHolds(store, kept);
    await store.putMany(range(3000, 700)); // what fits still goes in
    await expect(store.putMany(range(4000, 200))).rejects.toMatchObject({ code: 'ERR_QUOTA_EXCEEDED' });
    await store.deleteMany(range(3000, 700).map((c) => c.hash)); // compaction gives the room back
    await store.putMany(range(4000, 200));
    await store.close();
    const reopened = await PackStore.open(dir, { maxBytes: 1024 * 1024 });
    expect(await reopened.stats()).toEqual({ chunks: 400, bytes: 400 * 1024 });
    await expectHolds(reopened, [...kept, ...range(4000, 200)]);
    await reopened.close();
  });

  it('cuts off a record left half-written at a pack\'s end and keeps every whole one', async () => {
    const dir = freshDir();
    const store = await PackStore.open(dir);
    const chunks = range(0, 50);
    await store.putMany(chunks);
    await store.close();
    const [file] = readdirSync(join(dir, 'packs'));
    const path = join(dir, 'packs', file!);
    const whole = statSync(path).size;
    const torn = Buffer.alloc(36 + 100, 7);
    torn.writeUInt32LE(1024, 0); // says 1024 bytes follow; only 100 do
    appendFileSync(path, torn);
    const reopened = await PackStore.open(dir);
    expect(statSync(path).size).toBe(whole);
    expect(await reopened.stats()).toEqual({ chunks: 50, bytes: 50 * 1024 });
    await expectHolds(reopened, chunks);
    await reopened.putMany(range(100, 5));
    await reopened.close();
    const again = await PackStore.open(dir);
    await expectHolds(again, [...chunks, ...range(100, 5)]);
    await again.close();
  });

  it('reopens and lists a store whose records straddle its 1 MiB scan blocks', async () => {
    const dir = freshDir();
    const store = await PackStore.open(dir);
    const chunks = range(0, 3000, 1000); // 1036-byte records: many cross a block's end
    await store.putMany(chunks);
    await store.close();
    const reopened = await PackStore.open(dir);
    expect(await reopened.stats()).toEqual({ chunks: 3000, bytes: 3000 * 1000 });
    await expectHolds(reopened, chunks);
    const listed: string[] = [];
    for await (const hash of reopened.keys()) listed.push(toHex(hash));
    expect(listed.sort()).toEqual(chunks.map((c) => toHex(c.hash)).sort());
    await reopened.close();
  });

  it('tells chunks whose hashes share their first 64 bits apart', async () => {
    const store = await PackStore.open(freshDir());
    const twins = [chunk(1, 100, '0123456789abcdef'), chunk(2, 200, '0123456789abcdef'), chunk(3, 300, '0123456789abcdef')];
    await store.putMany(twins.slice(0, 2));
    expect(await store.hasMany(twins.map((c) => c.hash))).toEqual([true, true, false]);
    await expectHolds(store, twins.slice(0, 2));
    expect((await store.getMany([twins[2]!.hash]))[0]).toBeUndefined();
    await store.deleteMany([twins[0]!.hash]);
    expect(await store.hasMany(twins.map((c) => c.hash))).toEqual([false, true, false]);
    await expectHolds(store, [twins[1]!]);
    await store.close();
  });

  it('keeps a chunk deleted after the pack holding its tombstone is compacted away', async () => {
    const dir = freshDir();
    const options = { packBytes: 32 * 1024 };
    const store = await PackStore.open(dir, options);
    const kept = range(0, 25);
    const doomed = chunk(100);
    const filler = range(200, 30);
    await store.putMany([...kept, doomed]); // pack 1, and it stays mostly live
    await store.putMany(filler); // pack 2
    await store.deleteMany([doomed.hash]); // its tombstone goes to pack 2
    await store.deleteMany(filler.map((c) => c.hash)); // pack 2 is now dead and compacted
    expect(readdirSync(join(dir, 'packs'))).not.toContain('000002.pack');
    await store.close();
    const reopened = await PackStore.open(dir, options);
    expect(await reopened.hasMany([doomed.hash, ...filler.map((c) => c.hash)])).toEqual(new Array(31).fill(false));
    expect(await reopened.stats()).toEqual({ chunks: 25, bytes: 25 * 1024 });
    await expectHolds(reopened, kept);
    await reopened.close();
  });

  it('matches a model through random puts, deletes, compactions and reopens', async () => {
    const dir = freshDir();
    const options = { packBytes: 32 * 1024 };
    let store = await PackStore.open(dir, options);
    const held = new Map<string, StoredChunk>(); // by hex hash
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let step = 0; step < 300; step++) {
      const action = random(10);
      if (action < 5) {
        const batch = Array.from({ length: 1 + random(20) }, () => chunk(random(400), 1 + random(1024)));
        // A seed's size varies, so its hash names one chunk per size: keep the first put.
        const fresh = batch.filter((c, i) => !held.has(toHex(c.hash)) && batch.findIndex((d) => bytesEqual(d.hash, c.hash)) === i);
        await store.putMany(batch);
        for (const c of fresh) held.set(toHex(c.hash), c);
      } else if (action < 9) {
        const doomed = Array.from({ length: 1 + random(30) }, () => chunk(random(400)).hash);
        await store.deleteMany(doomed);
        for (const hash of doomed) held.delete(toHex(hash));
      } else {
        await store.close();
        store = await PackStore.open(dir, options);
      }
      if (step % 25 === 24 || action === 9) {
        const expected = [...held.values()];
        expect(await store.stats()).toEqual({ chunks: expected.length, bytes: expected.reduce((sum, c) => sum + c.bytes.length, 0) });
        await expectHolds(store, expected);
        const listed = new Set<string>();
        for await (const hash of store.keys()) listed.add(toHex(hash));
        expect([...listed].sort()).toEqual([...held.keys()].sort());
      }
    }
    const packs = readdirSync(join(dir, 'packs'));
    const onDisk = packs.reduce((sum, name) => sum + statSync(join(dir, 'packs', name)).size, 0);
    const live = [...held.values()].reduce((sum, c) => sum + 36 + c.bytes.length, 0);
    expect(onDisk).toBeLessThan(3 * live + 4 * 32 * 1024); // dead records do not pile up
    await store.close();
  });

  it('moves the chunks of an earlier SQLite store into packs and keeps its settings', async () => {
    const dir = freshDir();
    const legacy = new SqliteStore(join(dir, 'chunks.db'));
    const chunks = range(0, 5000, 64);
    await legacy.putMany(chunks);
    await legacy.setMeta('peer-id', 'kept');
    await legacy.close();
    const store = await PackStore.open(dir);
    expect(await store.stats()).toEqual({ chunks: 5000, bytes: 5000 * 64 });
    await expectHolds(store, chunks);
    expect(await store.getMeta('peer-id')).toBe('kept');
    await store.close();
    const emptied = new SqliteStore(join(dir, 'chunks.db'));
    expect((await emptied.stats()).chunks).toBe(0);
    await emptied.close();
  });
});
