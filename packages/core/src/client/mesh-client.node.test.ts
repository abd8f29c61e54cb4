/**
 * The client over in-memory channels with real StoragePeers and a stand-in master: a round
 * trip, failover, hedging on a fake clock, corrupt holders, and a codec whose stored bytes are
 * not the plain bytes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SegmentCodec } from '../codec/segment-codec.js';
import { ChunkCorruptError, FileNotFoundError, ReplicasUnavailableError } from '../errors.js';
import { asPeerId, type PeerId } from '../ids.js';
import { ManualClock } from '../test-clock.js';
import { FrameType } from '../wire/peer-protocol.js';
import { bytesSource, memorySink, type TransferProgress } from './byte-io.js';
import { WRITE_HEDGE_MIN_MS } from './mesh-client.js';
import { HEDGE_FACTOR, HEDGE_MIN_MS, READ_TYPICAL_INITIAL_MS } from './read-scheduler.js';
import { TestMesh } from './test-mesh.node.js';

const LAYOUT = { chunkSize: 64, segmentChunks: 4 };
const SEGMENT_BYTES = LAYOUT.chunkSize * LAYOUT.segmentChunks;
const [a, b, c] = ['a', 'b', 'c'].map(asPeerId) as [PeerId, PeerId, PeerId];

/** `size` bytes that differ from chunk to chunk, so no two chunks share a hash. */
function fileBytes(size: number, seed = 1): Uint8Array {
  return new Uint8Array(size).map((_, i) => (Math.imul(i + 1, 2654435761 + seed) >>> 13) & 0xff);
}

let mesh: TestMesh;
afterEach(() => mesh?.close());

/** Settles whatever the in-memory mesh can do without time passing. */
const quiet = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

describe('MeshClient over in-memory peers', () => {
  it('stores and reads back a file of several segments byte for byte, reporting progress', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT });
    const bytes = fileBytes(10 * SEGMENT_BYTES + 100);
    const sent: TransferProgress[] = [];
    const stored = await client.store('notes.bin', bytesSource(bytes), { onProgress: (progress) => sent.push(progress) });
    expect(stored.summary).toMatchObject({ name: 'notes.bin', size: bytes.length, version: 1 });
    expect(stored.chunksTotal).toBe(Math.ceil(bytes.length / LAYOUT.chunkSize));
    expect(stored.chunksMoved).toBe(stored.chunksTotal);
    expect(stored.bytesMoved).toBe(bytes.length);
    expect(stored.replication).toBe(3);
    expect(sent.at(-1)).toEqual({ done: bytes.length, total: bytes.length, moved: bytes.length });
    const manifest = mesh.master.files.get('notes.bin')![0]!;
    expect(manifest.codec).toBeUndefined();
    expect(manifest.segments).toHaveLength(11);
    expect(manifest.segments.every((segment) => segment.plainSize === segment.storedSize && segment.holders.length === 3)).toBe(true);
    for (const store of mesh.stores.values()) expect((await store.stats()).chunks).toBe(stored.chunksTotal + 11); // chunks and lists

    const sink = memorySink();
    const received: TransferProgress[] = [];
    const read = await client.read('notes.bin', sink, { onProgress: (progress) => received.push(progress) });
    expect(read.version).toBe(1);
    expect(sink.bytes()).toEqual(bytes);
    // What crossed the network: the chunks, and each segment's chunk list (32 bytes a chunk).
    expect(received.at(-1)).toEqual({ done: bytes.length, total: bytes.length, moved: bytes.length + stored.chunksTotal * 32 });
  });

  it('reads only what changed when it has an earlier version: nothing for an unchanged segment, the changed chunks of another', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT });
    const first = fileBytes(4 * SEGMENT_BYTES);
    await client.store('notes.bin', bytesSource(first));
    const second = first.slice();
    second[SEGMENT_BYTES + 5] = second[SEGMENT_BYTES + 5]! ^ 0xff; // one chunk of segment 1
    await client.store('notes.bin', bytesSource(second));
    const moved = async (base: Uint8Array | undefined, version?: number): Promise<{ bytes: Uint8Array; moved: number }> => {
      const sink = memorySink();
      let total = 0;
      await client.read('notes.bin', sink, { ...(base ? { base: bytesSource(base) } : {}), ...(version ? { version } : {}), onProgress: (progress) => (total = progress.moved) });
      return { bytes: sink.bytes(), moved: total };
    };
    // Unchanged: nothing moves at all.
    expect(await moved(second)).toEqual({ bytes: second, moved: 0 });
    // From version 1: segment 1's chunk list and its one changed chunk.
    const update = await moved(first);
    expect(update.bytes).toEqual(second);
    expect(update.moved).toBe(LAYOUT.segmentChunks * 32 + LAYOUT.chunkSize);
    // Local bytes that are not the file's at all (a file edited here) cost a full read, and the result is still exact.
    const unrelated = fileBytes(4 * SEGMENT_BYTES, 99);
    const full = await moved(unrelated);
    expect(full.bytes).toEqual(second);
    expect(full.moved).toBe(second.length + 4 * LAYOUT.segmentChunks * 32);
    // Shorter local bytes: the segments they cover are reused, the rest fetched.
    expect((await moved(first.subarray(0, SEGMENT_BYTES))).bytes).toEqual(second);
    expect((await moved(second, 1)).bytes).toEqual(first);
  });

  it('sends only the chunks the mesh lacks when a file changes, and reads either version', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT });
    const first = fileBytes(6 * SEGMENT_BYTES);
    await client.store('doc', bytesSource(first));
    const second = first.slice();
    second[SEGMENT_BYTES * 2 + 5]! ^= 1; // one chunk of one segment changes
    const again = await client.store('doc', bytesSource(second));
    expect(again.summary.version).toBe(2);
    expect(again.chunksMoved).toBe(1);
    expect(again.bytesMoved).toBe(LAYOUT.chunkSize);
    const latest = memorySink();
    await client.read('doc', latest);
    expect(latest.bytes()).toEqual(second);
    const old = memorySink();
    await client.read('doc', old, { version: 1 });
    expect(old.bytes()).toEqual(first);
    expect((await client.search('DO')).map((file) => file.name)).toEqual(['doc']);
    expect(await client.delete('doc')).toBe(2);
    await expect(client.read('doc', memorySink())).rejects.toBeInstanceOf(FileNotFoundError);
  });

  it('stores an empty file and reads it back', async () => {
    mesh = new TestMesh(['a', 'b']);
    const client = mesh.client({ layout: LAYOUT });
    expect((await client.store('empty', bytesSource(new Uint8Array(0)))).summary.size).toBe(0);
    const sink = memorySink();
    await client.read('empty', sink);
    expect(sink.bytes()).toHaveLength(0);
  });

  it('fails over to a backup when a primary is gone and the master does not know yet', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT });
    const bytes = fileBytes(9 * SEGMENT_BYTES - 7);
    await client.store('kept', bytesSource(bytes));
    mesh.kill(a);
    mesh.clientDials.clear();
    const sink = memorySink();
    await client.read('kept', sink);
    expect(sink.bytes()).toEqual(bytes);
    expect(mesh.clientDials.get(a)).toBeGreaterThan(0); // it was tried first for the segments it is primary of
  });

  it('reads around a peer the master reports dead without trying it', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT });
    const bytes = fileBytes(5 * SEGMENT_BYTES);
    await client.store('kept', bytesSource(bytes));
    mesh.kill(b, { masterKnows: true });
    mesh.clientDials.clear();
    const sink = memorySink();
    await client.read('kept', sink);
    expect(sink.bytes()).toEqual(bytes);
    expect(mesh.clientDials.get(b)).toBeUndefined();
  });

  it('hedges a read its holder never answers once the fake clock passes the hedge delay', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const clock = new ManualClock();
    const client = mesh.client({ layout: LAYOUT, clock });
    const bytes = fileBytes(6 * SEGMENT_BYTES);
    await client.store('slow', bytesSource(bytes));
    mesh.unanswered.set(a, new Set([FrameType.Get]));
    const sink = memorySink();
    let done = false;
    const reading = client.read('slow', sink).then(() => (done = true));
    await quiet();
    expect(done).toBe(false); // segment 0 waits on a, which never answers
    // The delay is HEDGE_FACTOR times the typical read, never below HEDGE_MIN_MS; reads that
    // took no time on this clock have pulled the typical down from its initial value.
    clock.advance(HEDGE_MIN_MS - 1);
    await quiet();
    expect(done).toBe(false);
    clock.advance(HEDGE_FACTOR * READ_TYPICAL_INITIAL_MS - HEDGE_MIN_MS + 1);
    await reading;
    expect(sink.bytes()).toEqual(bytes);
  });

  it('hedges a write down the same replicas in another order once the fake clock says it is late', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const clock = new ManualClock();
    const client = mesh.client({ layout: LAYOUT, clock });
    const bytes = fileBytes(1 * SEGMENT_BYTES);
    mesh.unanswered.set(a, new Set([FrameType.Offer])); // a is the only segment's primary
    let done = false;
    const storing = client.store('late', bytesSource(bytes)).then((result) => ((done = true), result));
    await quiet();
    clock.advance(WRITE_HEDGE_MIN_MS);
    await quiet();
    expect(done).toBe(false); // the first write's typical (1 s) makes the delay 4 s
    clock.advance(HEDGE_FACTOR * 1_000 - WRITE_HEDGE_MIN_MS);
    const result = await storing;
    expect(result.summary.replicas).toBe(3);
    expect(mesh.master.files.get('late')![0]!.segments[0]!.holders).toEqual([b, c, a]);
    mesh.unanswered.clear();
    const sink = memorySink();
    await client.read('late', sink);
    expect(sink.bytes()).toEqual(bytes);
  });

  it('reads from another holder when one serves corrupt bytes, and the result is exact', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT });
    const bytes = fileBytes(7 * SEGMENT_BYTES + 13);
    await client.store('bitrot', bytesSource(bytes));
    mesh.corrupting.add(a);
    mesh.clientDials.clear();
    const sink = memorySink();
    await client.read('bitrot', sink);
    expect(sink.bytes()).toEqual(bytes);
    expect(mesh.clientDials.get(a)).toBeGreaterThan(0);
  });

  it('fails with ReplicasUnavailableError, caused by ChunkCorruptError, when every holder is corrupt', async () => {
    mesh = new TestMesh(['a', 'b']);
    const client = mesh.client({ layout: LAYOUT });
    await client.store('lost', bytesSource(fileBytes(2 * SEGMENT_BYTES)));
    mesh.corrupting.add(a).add(b);
    const failure = await client.read('lost', memorySink()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ReplicasUnavailableError);
    expect((failure as Error).cause).toBeInstanceOf(ChunkCorruptError);
  });

  it('stores through a codec whose stored bytes differ from the plain bytes, and reads them back', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT, codec: framingCodec });
    const bytes = fileBytes(4 * SEGMENT_BYTES + 50);
    const stored = await client.store('framed', bytesSource(bytes));
    const manifest = mesh.master.files.get('framed')![0]!;
    expect(manifest.codec).toBe(framingCodec.name);
    expect(manifest.segments.map((segment) => segment.storedSize - segment.plainSize)).toEqual([7, 7, 7, 7, 7]);
    expect(stored.chunksTotal).toBe(manifest.segments.reduce((sum, segment) => sum + Math.ceil(segment.storedSize / LAYOUT.chunkSize), 0));
    const sink = memorySink();
    await client.read('framed', sink);
    expect(sink.bytes()).toEqual(bytes);
    // A client without that codec cannot make sense of the stored bytes, and says so.
    await expect(mesh.client({ layout: LAYOUT }).read('framed', memorySink())).rejects.toThrow(/framing codec/);
  });

  it('caches a version\'s placement until it expires or the ring changes, and always asks which version is the newest', async () => {
    mesh = new TestMesh(['a', 'b']);
    const clock = new ManualClock();
    const client = mesh.client({ layout: LAYOUT, clock });
    await client.store('cached', bytesSource(fileBytes(SEGMENT_BYTES)));
    await client.read('cached', memorySink());
    await client.read('cached', memorySink(), { version: 1 });
    await client.read('cached', memorySink(), { version: 1 });
    expect(mesh.master.locates).toBe(1);
    await client.read('cached', memorySink());
    expect(mesh.master.locates).toBe(2);
    clock.advance(10_000);
    await client.read('cached', memorySink(), { version: 1 });
    expect(mesh.master.locates).toBe(3);
    client.forgetPlacements();
    await client.read('cached', memorySink(), { version: 1 });
    expect(mesh.master.locates).toBe(4);
  });
  it('ends a cancelled send at once, commits nothing and reports no progress after it', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    // Every Seal goes unanswered, so each segment in flight waits for ever, as one behind a slow link does.
    for (const peer of [a, b, c]) mesh.unanswered.set(peer, new Set([FrameType.Seal]));
    const client = mesh.client({ layout: LAYOUT });
    const controller = new AbortController();
    const seen: TransferProgress[] = [];
    const sending = client.store('cancelled.bin', bytesSource(fileBytes(40 * SEGMENT_BYTES)), { signal: controller.signal, onProgress: (progress) => seen.push(progress) });
    await vi.waitFor(() => expect(seen.length).toBeGreaterThan(0));
    controller.abort();
    const reported = seen.length;
    await expect(sending).rejects.toMatchObject({ name: 'AbortError' });
    await quiet();
    expect(seen.length).toBe(reported);
    expect(mesh.master.files.has('cancelled.bin')).toBe(false);
  });

  it('ends a cancelled read at once', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT });
    await client.store('read-me.bin', bytesSource(fileBytes(8 * SEGMENT_BYTES)));
    for (const peer of [a, b, c]) mesh.unanswered.set(peer, new Set([FrameType.Get]));
    const controller = new AbortController();
    const reading = client.read('read-me.bin', memorySink(), { signal: controller.signal });
    await quiet();
    controller.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  });
  it('resumes a read where an earlier one stopped, at a segment boundary', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT });
    const bytes = fileBytes(6 * SEGMENT_BYTES + 10);
    await client.store('resume.bin', bytesSource(bytes));
    const sink = memorySink();
    const seen: TransferProgress[] = [];
    await client.read('resume.bin', sink, { resumeAt: 4 * SEGMENT_BYTES, version: 1, onProgress: (progress) => seen.push(progress) });
    expect(sink.bytes()).toEqual(bytes.subarray(4 * SEGMENT_BYTES));
    expect(seen[0]!.done).toBe(5 * SEGMENT_BYTES);
    expect(seen.at(-1)!.done).toBe(bytes.length);
    await expect(client.read('resume.bin', memorySink(), { resumeAt: 100 })).rejects.toThrow(/no segment starts there/);
  });
});

/** Stored form: a 7-byte header ("framed" and a checksum byte), then the bytes XOR 0x5a. */
const framingCodec: SegmentCodec = {
  name: 'framing',
  maxStoredSize: (plainBytes) => plainBytes + 7,
  encode(plain) {
    const out = new Uint8Array(plain.length + 7);
    out.set([0x66, 0x72, 0x61, 0x6d, 0x65, 0x64, plain.reduce((sum, byte) => (sum + byte) & 0xff, 0)]);
    for (let i = 0; i < plain.length; i++) out[i + 7] = plain[i]! ^ 0x5a;
    return Promise.resolve(out);
  },
  decode(stored, plainSize) {
    const plain = stored.subarray(7).map((byte) => byte ^ 0x5a);
    expect(plain.length).toBe(plainSize);
    expect(plain.reduce((sum, byte) => (sum + byte) & 0xff, 0)).toBe(stored[6]);
    return Promise.resolve(plain);
  },
};
