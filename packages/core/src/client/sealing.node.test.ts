/**
 * Sealed files through the whole client over in-memory peers: what the peers and the stand-in
 * master hold, differential update, compression, and every way a read is refused (a wrong or
 * missing file password, a tampered chunk, swapped segments, another version's manifest).
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nodeCompressor } from '../codec/compressor.node.js';
import { nodeHasher } from '../codec/hasher.node.js';
import { nodeCryptoSuite } from '../crypto/crypto-suite.node.js';
import { SEALED_CODEC_NAME } from '../crypto/sealed-codec.js';
import { UserKeys } from '../crypto/user-keys.js';
import {
  ChunkCorruptError, FilePasswordRequiredError, ManifestMismatchError, ReplicasUnavailableError, SegmentMismatchError, WrongFilePasswordError,
} from '../errors.js';
import type { MemoryStore } from '../stores/memory-store.js';
import { bytesSource, memorySink, type ByteSink } from './byte-io.js';
import type { Sealing } from './sealing.js';
import { TEST_OWNER, TestMesh } from './test-mesh.node.js';

const LAYOUT = { chunkSize: 1024, segmentChunks: 64 };
const MARKER = 'MESHDRIVE-MARKER-7f3a';

let sealing: Sealing;
let mesh: TestMesh;
beforeAll(async () => {
  sealing = { keys: await UserKeys.fromMasterKey(nodeCryptoSuite, TEST_OWNER, new Uint8Array(32).fill(7)), compressor: nodeCompressor, hasher: nodeHasher };
});
afterEach(() => mesh?.close());

function logText(bytes: number): Uint8Array {
  let text = '';
  for (let line = 0; text.length < bytes; line++) text += `${line} ${MARKER} the peer said hello at ${(line * 7919) % 10007}\n`;
  return new TextEncoder().encode(text.slice(0, bytes));
}

async function everyStoredByte(store: MemoryStore): Promise<Uint8Array> {
  const hashes = [];
  for await (const hash of store.keys()) hashes.push(hash);
  const chunks = (await store.getMany(hashes)).filter((chunk): chunk is Uint8Array => chunk !== undefined);
  return Buffer.concat(chunks);
}

/** A sink that records whether anything at all reached it. */
function watchedSink(): ByteSink & { touched: boolean } {
  const inner = memorySink();
  const sink = { touched: false, write: (bytes: Uint8Array) => ((sink.touched = true), inner.write(bytes)) };
  return sink;
}

describe('sealed files', () => {
  it('reach peers and master as ciphertext and tokens, and read back exact', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT, sealing });
    const text = logText(300 * 1024 + 17);
    const stored = await client.store('logs/today.txt', bytesSource(text));
    expect(stored.summary).toMatchObject({ name: 'logs/today.txt', size: text.length, version: 1 });
    const [token] = [...mesh.master.files.keys()];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const manifest = mesh.master.files.get(token!)![0]!;
    expect(manifest).toMatchObject({ codec: SEALED_CODEC_NAME, size: 301 * 1024 });
    expect(manifest.sealed).not.toContain('today');
    for (const store of mesh.stores.values()) {
      const held = Buffer.from(await everyStoredByte(store));
      expect(held.includes(MARKER)).toBe(false);
      expect(held.includes('today.txt')).toBe(false);
    }
    // compressed: far fewer bytes moved than the text holds
    expect(stored.bytesMoved).toBeLessThan(text.length * 0.5);

    const sink = memorySink();
    const read = await client.read('logs/today.txt', sink);
    expect(sink.bytes()).toEqual(text);
    expect(read).toMatchObject({ name: 'logs/today.txt', size: text.length });
    expect((await client.search('today')).map((file) => [file.name, file.size])).toEqual([['logs/today.txt', text.length]]);
  });

  it('does not inflate random data beyond its chunk nonces', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT, sealing });
    const random = new Uint8Array(randomBytes(256 * 1024));
    const stored = await client.store('noise.bin', bytesSource(random));
    // 12 bytes of nonce per 1 KiB chunk, rounded up to a chunk per segment: 1 chunk in 64 here
    expect(stored.bytesMoved).toBeLessThanOrEqual(random.length * (1 + 1 / LAYOUT.segmentChunks));
    const sink = memorySink();
    await client.read('noise.bin', sink);
    expect(sink.bytes()).toEqual(random);
  });

  it('moves only the changed chunk and the header chunk holding its nonce, both ways: a new version, and a read by a client that has the one before', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT, sealing });
    const random = new Uint8Array(randomBytes(200 * 1024));
    await client.store('data.bin', bytesSource(random));
    const edited = random.slice();
    edited[150 * 1024 + 5]! ^= 0xff;
    const second = await client.store('data.bin', bytesSource(edited));
    expect(second.chunksMoved).toBe(2);
    expect(second.bytesMoved).toBe(2 * LAYOUT.chunkSize);
    for (const [version, bytes] of [[1, random], [2, edited]] as const) {
      const sink = memorySink();
      await client.read('data.bin', sink, { version });
      expect(sink.bytes()).toEqual(bytes);
    }
    const readFrom = async (base: Uint8Array): Promise<number> => {
      const sink = memorySink();
      let moved = -1;
      await client.read('data.bin', sink, { base: bytesSource(base), onProgress: (progress) => (moved = progress.moved) });
      expect(sink.bytes()).toEqual(edited);
      return moved;
    };
    expect(await readFrom(edited)).toBe(0);
    // Segment 2 (bytes 128-192 KiB): its list (65 chunks with the nonce header), the header and the changed chunk.
    expect(await readFrom(random)).toBe(65 * 32 + 2 * LAYOUT.chunkSize);
  });

  it('lists versions with their real sizes and restores an old one by sealing its manifest anew, password and all', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT, sealing });
    const texts = [logText(5_000), logText(9_000), logText(3_000)];
    for (const text of texts) await client.store('notes.txt', bytesSource(text), { password: 'pw-123456' });
    expect((await client.versions('notes.txt')).map(({ version, size }) => [version, size])).toEqual([[3, 3_000], [2, 9_000], [1, 5_000]]);
    await expect(client.restore('notes.txt', 1)).rejects.toBeInstanceOf(FilePasswordRequiredError);
    const restored = await client.restore('notes.txt', 1, { password: 'pw-123456' });
    expect(restored).toMatchObject({ name: 'notes.txt', size: 5_000, version: 4 });
    const sink = memorySink();
    await client.read('notes.txt', sink, { password: 'pw-123456' });
    expect(sink.bytes()).toEqual(texts[0]);
    await expect(client.read('notes.txt', memorySink())).rejects.toBeInstanceOf(FilePasswordRequiredError);
  });

  it('asks for a file password, refuses a wrong one, and writes nothing before', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT, sealing });
    const text = logText(10_000);
    await client.store('secret.txt', bytesSource(text), { password: 'correct horse' });
    const sink = watchedSink();
    await expect(client.read('secret.txt', sink)).rejects.toBeInstanceOf(FilePasswordRequiredError);
    await expect(client.read('secret.txt', sink, { password: 'wrong horse' })).rejects.toMatchObject({ code: WrongFilePasswordError.code, message: 'wrong password for "secret.txt"' });
    expect(sink.touched).toBe(false);
    const right = memorySink();
    await client.read('secret.txt', right, { password: 'correct horse' });
    expect(right.bytes()).toEqual(text);
    // the name still lists without the password
    expect((await client.search()).map((file) => file.name)).toEqual(['secret.txt']);
  });

  it('refuses segments the master swapped, before reading any', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT, sealing });
    await client.store('two.bin', bytesSource(new Uint8Array(randomBytes(2 * 64 * 1024))));
    const manifest = [...mesh.master.files.values()][0]![0]!;
    manifest.segments.reverse();
    const sink = watchedSink();
    await expect(client.read('two.bin', sink)).rejects.toBeInstanceOf(SegmentMismatchError);
    expect(sink.touched).toBe(false);
  });

  it("refuses another version's manifest passed off as this one", async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT, sealing });
    await client.store('v.txt', bytesSource(logText(5000)));
    await client.store('v.txt', bytesSource(logText(6000)));
    const [first, second] = [...mesh.master.files.values()][0]!;
    second!.sealed = first!.sealed;
    await expect(client.read('v.txt', memorySink())).rejects.toBeInstanceOf(ManifestMismatchError);
  });

  it('refuses a chunk altered on every holder with ChunkCorruptError', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const client = mesh.client({ layout: LAYOUT, sealing });
    await client.store('x.bin', bytesSource(new Uint8Array(randomBytes(8 * 1024))));
    mesh.corrupting.add(mesh.ids[0]!).add(mesh.ids[1]!).add(mesh.ids[2]!);
    const failure = await client.read('x.bin', memorySink()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ReplicasUnavailableError);
    expect((failure as Error).cause).toBeInstanceOf(ChunkCorruptError);
  });

  it('still reads and removes a file stored in clear before encryption', async () => {
    mesh = new TestMesh(['a', 'b', 'c']);
    const bytes = logText(3000);
    await mesh.client({ layout: LAYOUT }).store('old.txt', bytesSource(bytes));
    const client = mesh.client({ layout: LAYOUT, sealing });
    const sink = memorySink();
    await client.read('old.txt', sink);
    expect(sink.bytes()).toEqual(bytes);
    expect(await client.delete('old.txt')).toBe(1);
  });
});
