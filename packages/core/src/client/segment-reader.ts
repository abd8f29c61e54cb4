/**
 * Reads one segment's stored bytes from its holders: the chunk list first (checked against the
 * manifest's list hash), then the chunks, each checked against its name as it arrives and
 * placed after the previous one. A holder that fails or serves corrupt bytes is left for the
 * next, which carries on from the first chunk still missing.
 */
import { HASH_BYTES } from '../chunking/chunk-list.js';
import { bytesEqual, fromHex, toHex } from '../bytes.js';
import type { Hasher } from '../codec/hasher.js';
import { ChunkCorruptError, FrameError, NoPeersError, ReplicasUnavailableError } from '../errors.js';
import type { PeerId } from '../ids.js';
import { decodeChunkBatch } from '../wire/frame.js';
import { FrameType } from '../wire/peer-protocol.js';
import type { ReadTicket } from '../wire/tickets.js';
import { isRetryable } from './retryable.js';
import type { ConnectPeer, PeerConnection } from './peer-connection.js';

/** The segment to read, as its manifest records it. */
export interface SegmentToRead {
  /** Hex SHA-256 of the segment's chunk list. */
  listHash: string;
  /** Bytes its chunks hold: what is read, before the codec decodes it. */
  storedSize: number;
  chunkSize: number;
  /** For error messages: `segment 3 of "notes.txt"`. */
  what: string;
  /** The master's read ticket for it, shown with every Get. */
  ticket?: ReadTicket;
}

/** Chunks a read need not fetch (see SegmentReader.read). */
export interface ChunkReuse {
  known?: ReadonlyMap<string, Uint8Array>;
  onFetched?: (bytes: number) => void;
}

export interface SegmentReaderOptions {
  connect: ConnectPeer;
  hasher: Hasher;
}

export class SegmentReader {
  constructor(private readonly options: SegmentReaderOptions) {}

  /**
   * Fills `out` (storedSize bytes) with the segment's verified stored bytes, trying `holders`
   * in order; resolves with `out`. Every holder failing is a ReplicasUnavailableError. Chunks in
   * `reuse.known` (by hex name: this client has them already) are not fetched; `reuse.onFetched`
   * hears the bytes that were, the chunk list included.
   */
  async read(segment: SegmentToRead, holders: readonly PeerId[], out: Uint8Array, signal?: AbortSignal, reuse: ChunkReuse = {}): Promise<Uint8Array> {
    let list: Uint8Array | undefined;
    // Indexes of the chunks still to fetch, in order; a holder that fails leaves the rest to the next.
    let pending: number[] | undefined;
    let lastError: unknown;
    for (const holder of holders) {
      signal?.throwIfAborted();
      try {
        const connection = await this.options.connect(holder);
        if (!list) {
          const [listBytes] = await this.fetchChunks(connection, segment, fromHex(segment.listHash), undefined);
          const count = Math.ceil(segment.storedSize / segment.chunkSize);
          if (listBytes!.length % HASH_BYTES !== 0 || listBytes!.length / HASH_BYTES !== count) {
            throw new ChunkCorruptError(segment.listHash, 'a list of the wrong length');
          }
          list = listBytes!;
          reuse.onFetched?.(list.length);
          pending = this.placeKnown(segment, list, out, reuse.known);
        }
        const want = pending!;
        const names = new Uint8Array(want.length * HASH_BYTES);
        want.forEach((index, i) => names.set(list!.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES), i * HASH_BYTES));
        let received = 0;
        try {
          if (want.length > 0) {
            await this.fetchChunks(connection, segment, names, (bytes) => {
              const at = want[received]! * segment.chunkSize;
              if (at + bytes.length > out.length) throw new FrameError('segment data is longer than its manifest says');
              if (bytes.length !== Math.min(segment.chunkSize, segment.storedSize - at)) throw new ChunkCorruptError(segment.listHash, `a chunk of ${bytes.length} bytes where the segment's layout has ${Math.min(segment.chunkSize, segment.storedSize - at)}`);
              out.set(bytes, at);
              received++;
              reuse.onFetched?.(bytes.length);
            });
          }
        } finally {
          pending = want.slice(received);
        }
        return out;
      } catch (error) {
        lastError = error;
        if (!isRetryable(error)) throw error;
      }
    }
    if (lastError instanceof NoPeersError) throw lastError;
    throw new ReplicasUnavailableError(segment.what, { cause: lastError });
  }

  /** Places the chunks of `list` this client has already; the indexes of those it has not. */
  private placeKnown(segment: SegmentToRead, list: Uint8Array, out: Uint8Array, known: ReadonlyMap<string, Uint8Array> | undefined): number[] {
    const pending: number[] = [];
    const count = list.length / HASH_BYTES;
    for (let index = 0; index < count; index++) {
      const bytes = known?.get(toHex(list.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES)));
      const length = Math.min(segment.chunkSize, segment.storedSize - index * segment.chunkSize);
      if (bytes && bytes.length === length) out.set(bytes, index * segment.chunkSize);
      else pending.push(index);
    }
    return pending;
  }

  /**
   * Gets the chunks named in `list` (32-byte hashes, back to back) from one peer, verifying
   * each against its name; with `onChunk` chunks are handed over as they arrive, otherwise
   * they are returned.
   */
  private async fetchChunks(connection: PeerConnection, segment: SegmentToRead, list: Uint8Array, onChunk: ((bytes: Uint8Array) => void) | undefined): Promise<Uint8Array[]> {
    const collected: Uint8Array[] = [];
    const count = list.length / HASH_BYTES;
    let position = 0;
    await connection.request(FrameType.Get, { list: segment.listHash, ...(segment.ticket ? { ticket: segment.ticket } : {}) }, list, {
      onData: async (body) => {
        const chunks = decodeChunkBatch(body);
        const digests = await this.options.hasher.sha256Many(chunks.map((chunk) => chunk.bytes));
        chunks.forEach((chunk, i) => {
          if (position >= count) throw new FrameError('peer sent more chunks than were asked for');
          const expected = list.subarray(position * HASH_BYTES, (position + 1) * HASH_BYTES);
          if (!bytesEqual(chunk.hash, expected) || !bytesEqual(digests[i]!, expected)) throw new ChunkCorruptError(toHex(expected), toHex(digests[i]!));
          position++;
          if (onChunk) onChunk(chunk.bytes);
          else collected.push(chunk.bytes.slice());
        });
      },
    });
    if (position !== count) throw new FrameError(`peer sent ${position} of ${count} chunks`);
    return collected;
  }
}
