/**
 * Serving a Get: chunks read from the store, checked against their names, and streamed back in
 * request order, reading the next slice while this one goes out. A chunk that fails its check
 * is deleted (a bad replica: repair replaces it), the reader is told, and so is the master
 * (`onDamaged`), as for a chunk that is missing.
 */
import { HASH_BYTES, splitChunkList } from '../chunking/chunk-list.js';
import { bytesEqual, toHex } from '../bytes.js';
import type { Hasher } from '../codec/hasher.js';
import { ChunkCorruptError, ChunkNotFoundError, ValidationError } from '../errors.js';
import type { ChunkStore } from '../stores/chunk-store.js';
import { batchChunks, chunkBatchWriter, hashName, type FrameBody, type RawChunk } from '../wire/frame.js';

/** At most this many chunks may be asked for in one Get (a full default segment is 1024). */
const MAX_GET_CHUNKS = 16384;
/**
 * Chunks a Get reads from the store at once, the next slice while this one is sent: a quarter
 * segment, four IndexedDB transactions per segment where 60-chunk slices took seventeen. A
 * browser download of 64 MiB cost ~25% less CPU; whole segments (1024) made the first bytes
 * wait and node receives slower.
 */
export const GET_SLICE_CHUNKS = 256;

/** Sends one Data frame of the reply; `final` on the last. */
type SendData = (body: FrameBody, final: boolean) => Promise<void>;

export class ChunkReads {
  constructor(
    private readonly store: ChunkStore,
    private readonly hasher: Hasher,
    /** A segment this peer holds was found missing or damaged chunks while serving it. */
    private readonly onDamaged: (list: string) => void = () => undefined,
  ) {}

  /** Answers a Get of segment `list` for `names` (32-byte hashes, back to back) with Data frames, in order. */
  async serve(list: string, names: Uint8Array, send: SendData): Promise<void> {
    if (names.length % HASH_BYTES !== 0) throw new ValidationError(`get body of ${names.length} bytes is not a list of hashes`);
    if (names.length / HASH_BYTES > MAX_GET_CHUNKS) throw new ValidationError(`at most ${MAX_GET_CHUNKS} chunks per get`);
    // The slice from `start`, read and checked; the next one is read while this one goes out.
    const readSlice = (start: number): Promise<RawChunk[]> | undefined =>
      start * HASH_BYTES >= names.length ? undefined : this.readVerified(list, names.subarray(start * HASH_BYTES, (start + GET_SLICE_CHUNKS) * HASH_BYTES));
    let next = readSlice(0);
    for (let start = 0; next; start += GET_SLICE_CHUNKS) {
      const chunks = await next;
      next = readSlice(start + GET_SLICE_CHUNKS);
      next?.catch(() => undefined); // observed on the next turn, unless this slice's send fails first
      for (const batch of batchChunks(chunks)) await send(chunkBatchWriter(batch), false);
    }
    await send(new Uint8Array(0), true);
  }

  /**
   * Reads the chunks `list` names (32-byte hashes, back to back) and checks each against its
   * name, as bytes, as a Push's chunks are checked, before it is served.
   */
  private async readVerified(segment: string, list: Uint8Array): Promise<RawChunk[]> {
    const names = splitChunkList(list);
    const found = await this.store.getMany(names);
    const missingIndex = found.findIndex((bytes) => bytes === undefined);
    if (missingIndex >= 0) {
      this.onDamaged(segment);
      throw new ChunkNotFoundError(hashName(names[missingIndex]!));
    }
    const bytes = found as Uint8Array[];
    const digests = await this.hasher.sha256Many(bytes);
    return names.map((name, i) => {
      const digest = digests[i]!;
      if (!bytesEqual(digest, name)) {
        // A bad replica: forget the chunk so repair can replace it, and tell the reader.
        void this.store.deleteMany([name]);
        this.onDamaged(segment);
        throw new ChunkCorruptError(hashName(name), toHex(digest));
      }
      return { hash: digest, bytes: bytes[i]! };
    });
  }
}
