/** The storage protocol between in-memory peers: chain replication, dedup, verification, errors. */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { fromHex, toHex } from '../bytes.js';
import { encodeChunkList } from '../chunking/chunk-list.js';
import { MeshError, StoreError } from '../errors.js';
import { decodeChunkBatch, encodeChunkBatch, encodeFrame } from '../wire/frame.js';
import { nodeHasher } from '../codec/hasher.node.js';
import { asPeerId, type PeerId } from '../ids.js';
import { MAX_PIN_REPORT } from '../wire/signal-protocol.js';
import { ABANDONED_SEGMENT_MS, GC_QUIET_MS } from './collection.js';
import { GET_SLICE_CHUNKS } from './reads.js';
import { StoragePeer } from './storage-peer.js';
import { MemoryStore } from '../stores/memory-store.js';
import { memoryChannelPair } from '../transport/memory-channel.js';
import { RpcConnection, type RequestOptions } from '../transport/rpc.js';
import { FrameType } from '../wire/peer-protocol.js';
import { signReadTicket, signWriteTicket } from '../wire/tickets.js';
import { ephemeralIdentity } from './identity.js';

function mesh(names: string[], now?: () => number, stalled: ReadonlySet<string> = new Set(), makeStore: () => MemoryStore = () => new MemoryStore()) {
  const stores = new Map<PeerId, MemoryStore>();
  const peers = new Map<PeerId, StoragePeer>();
  const links = new Map<string, RpcConnection>();
  const link = (from: PeerId, to: PeerId): RpcConnection => {
    const key = `${from}>${to}`;
    if (!links.has(key)) {
      const [fromSide, toSide] = memoryChannelPair(from, to);
      links.set(key, new RpcConnection(fromSide, peers.get(from)?.handle));
      new RpcConnection(toSide, peers.get(to)!.handle);
    }
    return links.get(key)!;
  };
  for (const name of names) {
    const id = asPeerId(name);
    const store = makeStore();
    stores.set(id, store);
    peers.set(id, new StoragePeer({ selfId: id, store, hasher: nodeHasher, connect: (to) => (stalled.has(`${name}>${to}`) ? new Promise<RpcConnection>(() => undefined) : Promise.resolve(link(id, to))), now }));
  }
  const client = asPeerId('client');
  const master = ephemeralIdentity();
  void master.then((key) => peers.forEach((peer) => peer.tickets.trust(key.id)));
  /** Frames to each peer leave in the order they were asked for, tickets signed first, as on one data channel. */
  const queues = new Map<string, Promise<unknown>>();
  const inOrder = <T>(to: string, send: () => Promise<T>): Promise<T> => {
    const sent = (queues.get(to) ?? Promise.resolve()).then(send);
    queues.set(to, sent.catch(() => undefined));
    return sent;
  };
  const withTicket = async (to: string, type: number, meta: unknown): Promise<unknown> => {
    const key = await master;
    const exp = Date.now() + 60_000;
    if (type === FrameType.Offer && meta && typeof meta === 'object') {
      const { list, next } = meta as { list: string; next: string[] };
      return { ...meta, ticket: await signWriteTicket(key, { client, seg: list, chain: [to, ...next], chunks: 1 << 20, exp }) };
    }
    if (type === FrameType.Get && meta && typeof meta === 'object') {
      return { ...meta, ticket: await signReadTicket(key, { client, list: (meta as { list: string }).list, exp }) };
    }
    return meta;
  };
  /** The client's connection to `to`, showing the master's ticket with every Offer and Get, as a real client does. */
  const connect = (to: string): RpcConnection => {
    const connection = link(client, asPeerId(to));
    return Object.assign(Object.create(connection) as RpcConnection, {
      request: async (type: number, meta: unknown, body?: Uint8Array, options?: RequestOptions) => {
        // Wrapped, so the queue waits for the frame to go, not for the reply.
        const { reply } = await inOrder(to, async () => ({ reply: connection.request(type, await withTicket(to, type, meta), body, options) }));
        return reply;
      },
      notify: (type: number, meta: unknown, body?: Uint8Array, signal?: AbortSignal) => inOrder(to, () => connection.notify(type, meta, body, signal)),
    });
  };
  return { stores, peers, master, connect };
}

const sha = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());

function segment(count: number, seed: number) {
  const chunks = Array.from({ length: count }, (_, i) => new Uint8Array(1024).fill((seed + i) & 0xff).map((v, j) => (v + j * seed) & 0xff));
  const hashes = chunks.map(sha);
  const listBytes = encodeChunkList(hashes);
  return { chunks, hashes, listBytes, list: toHex(sha(listBytes)) };
}

/** A segment of `count` chunks whose first chunk is `base`'s first chunk. */
function sharingFirstChunk(base: ReturnType<typeof segment>, count: number, seed: number) {
  const seg = segment(count, seed);
  seg.chunks[0] = base.chunks[0]!;
  seg.hashes[0] = base.hashes[0]!;
  seg.listBytes = encodeChunkList(seg.hashes);
  seg.list = toHex(sha(seg.listBytes));
  return seg;
}

const batchOf = (seg: ReturnType<typeof segment>): Uint8Array => encodeChunkBatch(seg.chunks.map((bytes, i) => ({ hash: seg.hashes[i]!, bytes })));

/** Waits until `store` holds all of `seg`'s chunks. */
async function storedAll(store: MemoryStore, seg: ReturnType<typeof segment>): Promise<void> {
  await vi.waitFor(async () => expect((await store.hasMany(seg.hashes)).every(Boolean)).toBe(true));
}

/** The frame type of Put, a replied batch, which the protocol retired in favour of Push + Seal. */
const RETIRED_PUT_TYPE = 2;

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return error instanceof MeshError ? error.code : 'not a MeshError';
  }
  return undefined;
}

describe('StoragePeer', () => {
  it('replicates a segment down the chain and reports every holder', async () => {
    const { stores, connect } = mesh(['a', 'b', 'c']);
    const seg = segment(100, 3);
    const request = { list: seg.list, next: ['b', 'c'] };
    const primary = connect('a');
    const offer = await primary.request(FrameType.Offer, request, seg.listBytes);
    expect((offer.meta as { missing: number[] }).missing).toHaveLength(100);
    await primary.notify(FrameType.Push, request, batchOf(seg));
    const seal = await primary.request(FrameType.Seal, request);
    expect((seal.meta as { holders: string[] }).holders).toEqual(['a', 'b', 'c']);
    for (const store of stores.values()) expect((await store.hasMany(seg.hashes)).every(Boolean)).toBe(true);
    // Every replica stored all 100: offered again, nothing is missing anywhere down the chain.
    expect((await primary.request(FrameType.Offer, request, seg.listBytes)).meta).toEqual({ missing: [] });
  });

  it('replicates pushed batches down the chain; the Seal waits for them and names every holder', async () => {
    const { stores, connect } = mesh(['a', 'b', 'c']);
    const seg = segment(250, 4);
    const request = { list: seg.list, next: ['b', 'c'] };
    const primary = connect('a');
    await primary.request(FrameType.Offer, request, seg.listBytes);
    for (let start = 0; start < 250; start += 60) {
      await primary.notify(FrameType.Push, request, encodeChunkBatch(seg.chunks.slice(start, start + 60).map((bytes, i) => ({ hash: seg.hashes[start + i]!, bytes }))));
    }
    // Sent straight after the pushes: the peers are still verifying and forwarding them.
    const seal = await primary.request(FrameType.Seal, request);
    expect((seal.meta as { holders: string[] }).holders).toEqual(['a', 'b', 'c']);
    for (const store of stores.values()) expect((await store.stats()).chunks).toBe(251); // the chunks and their list
  });

  it('a forged chunk in a push fails the Seal with ERR_CHUNK_CORRUPT, on the primary and on a backup', async () => {
    const { stores, connect } = mesh(['a', 'b']);
    const seg = segment(4, 11);
    const request = { list: seg.list, next: ['b'] };
    await connect('a').request(FrameType.Offer, request, seg.listBytes);
    const forged = encodeChunkBatch([{ hash: seg.hashes[0]!, bytes: seg.chunks[1]! }]);
    await connect('a').notify(FrameType.Push, request, forged);
    expect(await codeOf(connect('a').request(FrameType.Seal, request))).toBe('ERR_CHUNK_CORRUPT');
    // The backup alone got a forged push from a misbehaving primary: its own Seal reports it.
    await connect('b').request(FrameType.Offer, { list: seg.list, next: [] }, seg.listBytes);
    await connect('b').notify(FrameType.Push, { list: seg.list, next: [] }, forged);
    expect(await codeOf(connect('b').request(FrameType.Seal, { list: seg.list, next: [] }))).toBe('ERR_CHUNK_CORRUPT');
    for (const store of stores.values()) expect((await store.hasMany([seg.hashes[0]!]))[0]).toBe(false);
  });

  it('a push to an unreachable backup fails the Seal as retryable, not silently', async () => {
    const { connect } = mesh(['a']);
    const seg = segment(2, 12);
    const request = { list: seg.list, next: ['gone'] };
    expect(await codeOf(connect('a').request(FrameType.Offer, request, seg.listBytes))).toBeDefined(); // the backup cannot be asked
    await connect('a').notify(FrameType.Push, request, encodeChunkBatch(seg.chunks.map((bytes, i) => ({ hash: seg.hashes[i]!, bytes }))));
    const code = await codeOf(connect('a').request(FrameType.Seal, request));
    expect(code).toBeDefined();
    expect(['ERR_VALIDATION', 'ERR_CHUNK_CORRUPT']).not.toContain(code);
  });

  it('asks only for chunks some replica lacks (differential update)', async () => {
    const { stores, connect } = mesh(['a', 'b']);
    const seg = segment(10, 5);
    await stores.get(asPeerId('a'))!.putMany(seg.chunks.slice(0, 6).map((bytes, i) => ({ hash: seg.hashes[i]!, bytes })));
    await stores.get(asPeerId('b'))!.putMany(seg.chunks.slice(0, 8).map((bytes, i) => ({ hash: seg.hashes[i]!, bytes })));
    const offer = await connect('a').request(FrameType.Offer, { list: seg.list, next: ['b'] }, seg.listBytes);
    expect((offer.meta as { missing: number[] }).missing).toEqual([6, 7, 8, 9]);
  });

  it('refuses a chunk whose bytes do not match its name, and stores nothing of it', async () => {
    const { stores, connect } = mesh(['a']);
    const seg = segment(2, 9);
    const forged = encodeChunkBatch([{ hash: seg.hashes[0]!, bytes: seg.chunks[1]! }]);
    const request = { list: seg.list, next: [] };
    await connect('a').request(FrameType.Offer, request, seg.listBytes);
    await connect('a').notify(FrameType.Push, request, forged);
    expect(await codeOf(connect('a').request(FrameType.Seal, request))).toBe('ERR_CHUNK_CORRUPT');
    expect((await stores.get(asPeerId('a'))!.hasMany(seg.hashes))).toEqual([false, false]);
  });

  it('refuses to seal an incomplete segment', async () => {
    const { connect } = mesh(['a']);
    const seg = segment(3, 1);
    await connect('a').request(FrameType.Offer, { list: seg.list, next: [] }, seg.listBytes);
    expect(await codeOf(connect('a').request(FrameType.Seal, { list: seg.list, next: [] }))).toBe('ERR_SEGMENT_INCOMPLETE');
  });

  it('serves chunks in request order and detects a corrupted stored chunk', async () => {
    const { stores, connect } = mesh(['a']);
    const seg = segment(150, 2);
    const store = stores.get(asPeerId('a'))!;
    await store.putMany([...seg.chunks.map((bytes, i) => ({ hash: seg.hashes[i]!, bytes })), { hash: fromHex(seg.list), bytes: seg.listBytes }]);
    const got: Uint8Array[] = [];
    const wanted = [...seg.hashes].reverse();
    await connect('a').request(FrameType.Get, { list: seg.list }, encodeChunkList(wanted), {
      onData: (body) => {
        for (const chunk of decodeChunkBatch(body)) got.push(chunk.bytes.slice());
      },
    });
    expect(got.map((bytes) => toHex(sha(bytes)))).toEqual(wanted.map(toHex));
    // Corrupt one chunk in place: the peer must refuse to serve it and forget it.
    const victim = seg.hashes[7]!;
    await store.deleteMany([victim]);
    await store.putMany([{ hash: victim, bytes: new Uint8Array(1024) }]);
    expect(await codeOf(connect('a').request(FrameType.Get, { list: seg.list }, encodeChunkList([seg.hashes[7]!]), { onData: () => undefined }))).toBe('ERR_CHUNK_CORRUPT');
    expect((await store.hasMany([victim]))[0]).toBe(false);
  });

  it('serves a Get of several store slices in order, and stops at a corrupt chunk in a later one', async () => {
    const { stores, connect } = mesh(['a']);
    const count = GET_SLICE_CHUNKS * 2 + 100;
    // segment() repeats its chunks every 256; these are all different.
    const chunks = Array.from({ length: count }, (_, i) => {
      const digest = sha(new Uint8Array([i & 0xff, i >> 8]));
      return new Uint8Array(1024).map((_, j) => (digest[j & 31]! + (j >> 5)) & 0xff);
    });
    const listBytes = encodeChunkList(chunks.map(sha));
    const seg = { chunks, hashes: chunks.map(sha), listBytes, list: toHex(sha(listBytes)) };
    const store = stores.get(asPeerId('a'))!;
    await store.putMany([...seg.chunks.map((bytes, i) => ({ hash: seg.hashes[i]!, bytes })), { hash: fromHex(seg.list), bytes: seg.listBytes }]);
    const got: string[] = [];
    const get = (list = seg.listBytes) =>
      connect('a').request(FrameType.Get, { list: seg.list }, list, {
        onData: (body) => {
          for (const chunk of decodeChunkBatch(body)) got.push(toHex(sha(chunk.bytes)));
        },
      });
    await get();
    expect(got).toEqual(seg.hashes.map(toHex));
    // A bad chunk in the last slice, which is read while the slices before it are sent.
    const victimIndex = GET_SLICE_CHUNKS * 2 + 10;
    const victim = seg.hashes[victimIndex]!;
    await store.deleteMany([victim]);
    await store.putMany([{ hash: victim, bytes: new Uint8Array(1024) }]);
    got.length = 0;
    expect(await codeOf(get())).toBe('ERR_CHUNK_CORRUPT');
    // Every chunk of the slices before it arrived, in order, before the error.
    expect(got).toEqual(seg.hashes.slice(0, GET_SLICE_CHUNKS * 2).map(toHex));
    // The peer forgot the bad chunk and keeps serving the rest.
    expect((await store.hasMany([victim]))[0]).toBe(false);
    got.length = 0;
    await get(encodeChunkList(seg.hashes.slice(0, 5)));
    expect(got).toEqual(seg.hashes.slice(0, 5).map(toHex));
  });

  it('answers malformed requests with typed errors and keeps serving', async () => {
    const { connect } = mesh(['a']);
    const connection = connect('a');
    expect(await codeOf(connection.request(FrameType.Seal, { list: 'nope', next: [] }))).toBe('ERR_VALIDATION');
    expect(await codeOf(connection.request(99, {}, new Uint8Array(0)))).toBe('ERR_VALIDATION');
    expect(await codeOf(connection.request(RETIRED_PUT_TYPE, { list: segment(1, 1).list, next: [] }, new Uint8Array(0)))).toBe('ERR_VALIDATION');
    const unknown = toHex(new Uint8Array(32));
    expect(await codeOf(connection.request(FrameType.Get, { list: unknown }, new Uint8Array(33)))).toBe('ERR_VALIDATION');
    expect(await codeOf(connection.request(FrameType.Get, { list: unknown }, encodeChunkList([new Uint8Array(32).fill(1)]), { onData: () => undefined }))).toBe('ERR_CHUNK_NOT_FOUND');
    // A raw frame whose length field lies gets an error frame back under its request id.
    const reply = new Promise<unknown>((resolve) => connection.channel.onMessage((message) => resolve(message)));
    const lying = encodeFrame({ type: FrameType.Get, requestId: 4242, body: new Uint8Array(32) });
    new DataView(lying.buffer).setUint32(12, 1_000_000);
    await connection.channel.send(lying);
    const message = (await reply) as Uint8Array;
    expect(message[2]).toBe(FrameType.Error);
    expect(new DataView(message.buffer, message.byteOffset).getUint32(4)).toBe(4242);
    const seg = segment(1, 1);
    expect(await codeOf(connection.request(FrameType.Offer, { list: seg.list, next: [] }, seg.listBytes))).toBeUndefined();
  });

  it('drops unpinned chunks but keeps those another segment still uses', async () => {
    const { stores, connect, peers } = mesh(['a']);
    const one = segment(4, 11);
    const two = sharingFirstChunk(one, 4, 12);
    for (const seg of [one, two]) {
      const request = { list: seg.list, next: [] };
      await connect('a').request(FrameType.Offer, request, seg.listBytes);
      await connect('a').notify(FrameType.Push, request, batchOf(seg));
      await connect('a').request(FrameType.Seal, request);
    }
    await peers.get(asPeerId('a'))!.collection.dropSegments([one.list]);
    const store = stores.get(asPeerId('a'))!;
    const held = await store.hasMany(one.hashes);
    expect(held).toEqual([true, false, false, false]);
    expect((await store.hasMany(two.hashes)).every(Boolean)).toBe(true);
  });
});

/** A store whose commits wait for `release` (or fail with `fail`): a disk slow to sync. */
class HeldCommitStore extends MemoryStore {
  private held: { resolve(): void; reject(error: Error): void }[] = [];
  commits = 0;

  override commit(): Promise<void> {
    this.commits++;
    return new Promise((resolve, reject) => this.held.push({ resolve, reject }));
  }

  release(): void {
    for (const commit of this.held.splice(0)) commit.resolve();
  }

  fail(error: Error): void {
    for (const commit of this.held.splice(0)) commit.reject(error);
  }
}

describe('StoragePeer durability', () => {
  it('confirms a seal only once the store committed it (on every replica), and a failed commit fails the seal', async () => {
    const { stores, connect } = mesh(['a', 'b'], undefined, new Set(), () => new HeldCommitStore());
    const [a, b] = [stores.get(asPeerId('a')) as HeldCommitStore, stores.get(asPeerId('b')) as HeldCommitStore];
    const seg = segment(40, 9);
    const request = { list: seg.list, next: ['b'] };
    const primary = connect('a');
    await primary.request(FrameType.Offer, request, seg.listBytes);
    await primary.notify(FrameType.Push, request, batchOf(seg));
    let sealed = false;
    const seal = primary.request(FrameType.Seal, request).then((reply) => {
      sealed = true;
      return reply;
    });
    await vi.waitFor(() => expect(a.commits + b.commits).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sealed).toBe(false); // written everywhere, synced nowhere: not confirmed
    b.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sealed).toBe(false); // the backup synced, the primary not yet
    a.release();
    expect(((await seal).meta as { holders: string[] }).holders).toEqual(['a', 'b']);

    const other = segment(10, 11);
    const write = { list: other.list, next: [] };
    await primary.request(FrameType.Offer, write, other.listBytes);
    await primary.notify(FrameType.Push, write, batchOf(other));
    const failing = codeOf(primary.request(FrameType.Seal, write));
    await vi.waitFor(() => expect(a.commits).toBe(2));
    a.fail(new StoreError('fdatasync failed: EIO'));
    expect(await failing).toBe('ERR_STORE');
  });
});

describe('StoragePeer hedged writes', () => {
  it('seals a segment written down a second chain while the first chain is stalled', async () => {
    const { stores, connect } = mesh(['a', 'b'], undefined, new Set(['a>b'])); // a cannot reach b
    const seg = segment(40, 41);
    const batch = batchOf(seg);
    // The first chain, a then b: a stores the pushes but its forwards to b never get through.
    const first = { list: seg.list, next: ['b'] };
    void connect('a').request(FrameType.Offer, first, seg.listBytes); // answered only once b is, which is never
    void connect('a').notify(FrameType.Push, first, batch);
    const firstSeal = connect('a').request(FrameType.Seal, first);
    let firstSettled = false;
    firstSeal.then(() => (firstSettled = true), () => (firstSettled = true));
    // The hedge, b then a, over the other direction: it must not wait for the first chain.
    const second = { list: seg.list, next: ['a'] };
    await connect('b').request(FrameType.Offer, second, seg.listBytes);
    await connect('b').notify(FrameType.Push, second, batch);
    const sealed = (await connect('b').request(FrameType.Seal, second)).meta as { holders: string[] };
    expect(sealed.holders).toEqual(['b', 'a']);
    expect(firstSettled).toBe(false);
    for (const store of stores.values()) expect((await store.hasMany(seg.hashes)).every(Boolean)).toBe(true);
  });
});

describe('StoragePeer garbage collection', () => {
  const held = async (store: MemoryStore, seg: ReturnType<typeof segment>): Promise<boolean[]> =>
    store.hasMany([fromHex(seg.list), ...seg.hashes]);

  it('deletes the chunks of a send abandoned before its Seal, and only those', async () => {
    let clock = 1_000_000;
    const { stores, peers, connect } = mesh(['a'], () => clock);
    const peer = peers.get(asPeerId('a'))!;
    const store = stores.get(asPeerId('a'))!;
    const sealed = segment(6, 21);
    const abandoned = sharingFirstChunk(sealed, 6, 22); // the shared chunk must stay
    for (const seg of [sealed, abandoned]) {
      const request = { list: seg.list, next: [] };
      await connect('a').request(FrameType.Offer, request, seg.listBytes);
      await connect('a').notify(FrameType.Push, request, batchOf(seg));
    }
    await connect('a').request(FrameType.Seal, { list: sealed.list, next: [] });
    await storedAll(store, abandoned); // a Push is never answered: wait until it is written

    clock += GC_QUIET_MS; // quiet, but the abandoned segment could still be sealed: hands off
    expect(await peer.collection.collectGarbage()).toBeUndefined();
    expect((await held(store, abandoned)).every(Boolean)).toBe(true);

    clock += ABANDONED_SEGMENT_MS;
    expect(await peer.collection.collectGarbage()).toBe(6); // its list and 5 chunks of its own
    expect((await held(store, sealed)).every(Boolean)).toBe(true);
    expect(await held(store, abandoned)).toEqual([false, true, false, false, false, false, false]);
  });

  it('skips its turn while writes are recent, and writes during a sweep wait for it', async () => {
    let clock = 1_000_000;
    const { stores, peers, connect } = mesh(['a'], () => clock);
    const peer = peers.get(asPeerId('a'))!;
    const seg = segment(5, 31);
    const request = { list: seg.list, next: [] };
    await connect('a').request(FrameType.Offer, request, seg.listBytes);
    clock += ABANDONED_SEGMENT_MS + GC_QUIET_MS - 1;
    const recent = segment(1, 32);
    await connect('a').request(FrameType.Offer, { list: recent.list, next: [] }, recent.listBytes);
    clock += 1;
    expect(await peer.collection.collectGarbage()).toBeUndefined(); // a write a moment ago

    clock += ABANDONED_SEGMENT_MS;
    const sweeping = peer.collection.collectGarbage();
    // A whole segment written while the sweep runs lands after it, and survives it.
    const writing = (async () => {
      await connect('a').request(FrameType.Offer, request, seg.listBytes);
      await connect('a').notify(FrameType.Push, request, batchOf(seg));
      await connect('a').request(FrameType.Seal, request);
    })();
    expect(await sweeping).toBe(2); // the two lists offered long ago
    await writing;
    expect((await held(stores.get(asPeerId('a'))!, seg)).every(Boolean)).toBe(true);
  });
});

describe('StoragePeer abandoned sends', () => {
  const write = async (connect: (to: string) => RpcConnection, seg: ReturnType<typeof segment>): Promise<void> => {
    const request = { list: seg.list, next: [] };
    await connect('a').request(FrameType.Offer, request, seg.listBytes);
    await connect('a').notify(FrameType.Push, request, batchOf(seg));
    await connect('a').request(FrameType.Seal, request);
  };

  it('reports old pins in list order, page by page, with their ages', async () => {
    let clock = 1_000_000;
    const { peers, connect } = mesh(['a'], () => clock);
    const peer = peers.get(asPeerId('a'))!;
    const old = [segment(2, 41), segment(2, 42), segment(2, 43)];
    for (const seg of old) await write(connect, seg);
    clock += 5_000;
    await write(connect, segment(2, 44));
    clock += 1_000;
    const report = await peer.pins.oldPins(6_000);
    expect(report).toEqual({ pins: old.map((seg) => seg.list).sort().map((list) => ({ list, ageMs: 6_000 })), more: false });
    const sorted = old.map((seg) => seg.list).sort();
    expect((await peer.pins.oldPins(6_000, sorted[0])).pins.map((pin) => pin.list)).toEqual(sorted.slice(1));
    expect((await peer.pins.oldPins(0)).pins).toHaveLength(4);
  });

  it('lists and sorts the pins once per scan, however many pages the master asks for', async () => {
    let clock = 1_000_000;
    const { stores, peers } = mesh(['a'], () => clock);
    const peer = peers.get(asPeerId('a'))!;
    const store = stores.get(asPeerId('a'))!;
    const lists = Array.from({ length: MAX_PIN_REPORT + 10 }, (_, i) => i.toString(16).padStart(64, '0'));
    for (const list of lists.toReversed()) await store.setMeta(`pin:${list}`, String(clock));
    clock += 10_000;
    const listed = vi.spyOn(store, 'metaKeys');
    const first = await peer.pins.oldPins(5_000);
    expect(first.more).toBe(true);
    expect(first.pins.map((pin) => pin.list)).toEqual(lists.slice(0, MAX_PIN_REPORT));
    await store.deleteMeta(`pin:${lists.at(-1)!}`); // dropped between two pages
    const second = await peer.pins.oldPins(5_000, first.pins.at(-1)!.list);
    expect(second).toEqual({ pins: lists.slice(MAX_PIN_REPORT, -1).map((list) => ({ list, ageMs: 10_000 })), more: false });
    expect(listed).toHaveBeenCalledTimes(1);
    expect((await peer.pins.oldPins(5_000)).pins).toHaveLength(MAX_PIN_REPORT); // a new scan lists them again
    expect(listed).toHaveBeenCalledTimes(2);
  });

  it('drops an abandoned segment but keeps a chunk another pin uses, and one sealed again since', async () => {
    let clock = 1_000_000;
    const { stores, peers, connect } = mesh(['a'], () => clock);
    const peer = peers.get(asPeerId('a'))!;
    const store = stores.get(asPeerId('a'))!;
    const kept = segment(4, 51);
    const abandoned = sharingFirstChunk(kept, 4, 52);
    const resealed = segment(4, 53);
    for (const seg of [kept, abandoned, resealed]) await write(connect, seg);
    clock += 10_000;
    await write(connect, resealed); // sealed again after the master's verdict was formed
    clock += 1;
    expect(await peer.collection.dropAbandoned([abandoned.list, resealed.list], 10_000)).toBe(4); // its list and 3 chunks
    expect(await store.hasMany([fromHex(abandoned.list), ...abandoned.hashes])).toEqual([false, true, false, false, false]);
    expect((await store.hasMany([fromHex(kept.list), ...kept.hashes])).every(Boolean)).toBe(true);
    expect((await store.hasMany([fromHex(resealed.list), ...resealed.hashes])).every(Boolean)).toBe(true);
    expect((await peer.pins.oldPins(0)).pins.map((pin) => pin.list).sort()).toEqual([kept.list, resealed.list].sort());
  });

  it('skips its turn while a segment is being written', async () => {
    let clock = 1_000_000;
    const { stores, peers, connect } = mesh(['a'], () => clock);
    const peer = peers.get(asPeerId('a'))!;
    const seg = segment(3, 61);
    await write(connect, seg);
    clock += 10_000;
    const pending = segment(3, 62);
    await connect('a').request(FrameType.Offer, { list: pending.list, next: [] }, pending.listBytes);
    expect(await peer.collection.dropAbandoned([seg.list], 10_000)).toBeUndefined();
    expect((await stores.get(asPeerId('a'))!.hasMany(seg.hashes)).every(Boolean)).toBe(true);
  });
});

describe('StoragePeer chain validation', () => {
  it('refuses a chain that names itself or repeats a peer, so one copy is never counted twice', async () => {
    const { connect } = mesh(['a', 'b']);
    const seg = segment(1, 4);
    expect(await codeOf(connect('a').request(FrameType.Offer, { list: seg.list, next: ['a'] }, seg.listBytes))).toBe('ERR_VALIDATION');
    expect(await codeOf(connect('a').request(FrameType.Offer, { list: seg.list, next: ['b', 'b'] }, seg.listBytes))).toBe('ERR_VALIDATION');
  });
});

describe('StoragePeer tickets', () => {
  /** The raw client connection to `a`, showing only what each case gives it. */
  async function setUp() {
    const { stores, master, connect } = mesh(['a', 'b']);
    const key = await master;
    const raw = (to: string): RpcConnection => Object.getPrototypeOf(connect(to)) as RpcConnection;
    const seg = segment(8, 77);
    const ticket = (fields: Partial<Parameters<typeof signWriteTicket>[1]> = {}) =>
      signWriteTicket(key, { client: asPeerId('client'), seg: 'file:0', chain: ['a', 'b'], chunks: 64, exp: Date.now() + 60_000, ...fields });
    const nothingStored = async (): Promise<void> => {
      for (const store of stores.values()) expect((await store.stats()).chunks).toBe(0);
    };
    return { stores, key, raw, seg, ticket, nothingStored, connect };
  }

  it('refuses a write without a ticket, with an expired, forged or other client’s one, and stores nothing', async () => {
    const { raw, seg, ticket, nothingStored } = await setUp();
    const request = { list: seg.list, next: ['b'] };
    const offer = (meta: unknown): Promise<string | undefined> => codeOf(raw('a').request(FrameType.Offer, meta, seg.listBytes));
    expect(await offer(request)).toBe('ERR_TICKET_REQUIRED');
    expect(await offer({ ...request, ticket: await ticket({ exp: Date.now() - 1 }) })).toBe('ERR_TICKET_EXPIRED');
    const forger = await ephemeralIdentity();
    expect(await offer({ ...request, ticket: await signWriteTicket(forger, { client: asPeerId('client'), seg: 'file:0', chain: ['a', 'b'], chunks: 64, exp: Date.now() + 60_000 }) })).toBe('ERR_TICKET_INVALID');
    // Altered after signing: more chunks than the master allowed.
    expect(await offer({ ...request, ticket: { ...(await ticket()), chunks: 1_000_000 } })).toBe('ERR_TICKET_INVALID');
    expect(await offer({ ...request, ticket: await ticket({ client: asPeerId('someone-else') }) })).toBe('ERR_TICKET_MISMATCH');
    expect(await offer({ ...request, ticket: await ticket({ chain: ['b'] }) })).toBe('ERR_TICKET_MISMATCH');
    expect(await offer({ ...request, ticket: await ticket({ chunks: 4 }) })).toBe('ERR_TICKET_MISMATCH');
    // Pushes and a Seal with no allowed Offer before them: refused, nothing stored.
    await raw('a').notify(FrameType.Push, request, batchOf(seg));
    expect(await codeOf(raw('a').request(FrameType.Seal, request))).toBe('ERR_TICKET_REQUIRED');
    await nothingStored();
  });

  it('lets a write ticket write one segment only', async () => {
    const { raw, seg, ticket } = await setUp();
    const good = await ticket();
    expect(await codeOf(raw('a').request(FrameType.Offer, { list: seg.list, next: ['b'], ticket: good }, seg.listBytes))).toBeUndefined();
    const other = segment(8, 78);
    expect(await codeOf(raw('a').request(FrameType.Offer, { list: other.list, next: ['b'], ticket: good }, other.listBytes))).toBe('ERR_TICKET_MISMATCH');
  });

  it('refuses a read without a ticket, with an expired one or another segment’s, and serves one with its own', async () => {
    const { raw, seg, connect, key } = await setUp();
    const request = { list: seg.list, next: [] };
    await connect('a').request(FrameType.Offer, request, seg.listBytes);
    await connect('a').notify(FrameType.Push, request, batchOf(seg));
    await connect('a').request(FrameType.Seal, request);
    const other = segment(4, 79);
    const read = (meta: unknown, names = encodeChunkList(seg.hashes)): Promise<string | undefined> => codeOf(raw('a').request(FrameType.Get, meta, names, { onData: () => undefined }));
    const readTicket = (list: string, exp = Date.now() + 60_000) => signReadTicket(key, { client: asPeerId('client'), list, exp });
    expect(await read(undefined)).toBe('ERR_TICKET_REQUIRED');
    expect(await read({ list: seg.list })).toBe('ERR_TICKET_REQUIRED');
    expect(await read({ list: seg.list, ticket: await readTicket(seg.list, Date.now() - 1) })).toBe('ERR_TICKET_EXPIRED');
    // Another segment's ticket: for the list it names, or used to ask for this segment's chunks.
    expect(await read({ list: seg.list, ticket: await readTicket(other.list) })).toBe('ERR_TICKET_MISMATCH');
    await connect('a').request(FrameType.Offer, { list: other.list, next: [] }, other.listBytes);
    expect(await read({ list: other.list, ticket: await readTicket(other.list) })).toBe('ERR_TICKET_MISMATCH');
    expect(await read({ list: seg.list, ticket: await readTicket(seg.list) })).toBeUndefined();
    expect(await read({ list: seg.list, ticket: await readTicket(seg.list) }, fromHex(seg.list))).toBeUndefined();
  });
});
