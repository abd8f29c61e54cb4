/**
 * The chunks a client already has of a file: the bytes of an earlier version it received,
 * encoded segment by segment as the new version's codec encodes them. The sealed codec is
 * deterministic, so an unchanged segment gives the very stored bytes (and list) the mesh holds,
 * and a changed one the same chunks wherever its plain bytes did not change: a read fetches
 * only the rest (seed 003's client cache, down to the chunk).
 */
import { encodeChunkList } from '../chunking/chunk-list.js';
import { segmentRange, splitChunks } from '../chunking/layout.js';
import type { Manifest } from '../chunking/manifest.js';
import { toHex } from '../bytes.js';
import type { Hasher } from '../codec/hasher.js';
import type { SegmentCodec } from '../codec/segment-codec.js';
import type { ByteSource } from './byte-io.js';

export interface LocalSegment {
  /** Hex SHA-256 of the chunk list these stored bytes make. */
  listHash: string;
  stored: Uint8Array;
  /** The stored bytes' chunks, by hex name. */
  chunks: Map<string, Uint8Array>;
}

export class LocalChunks {
  constructor(
    private readonly source: ByteSource,
    /** The version being read, as its writer saw it (plain sizes). */
    private readonly manifest: Manifest,
    private readonly codec: SegmentCodec,
    private readonly hasher: Hasher,
  ) {}

  /** Segment `index` of the version as this client would store it, from its own bytes; undefined where they fall short. */
  async chunksOf(index: number): Promise<LocalSegment | undefined> {
    const { start, end } = segmentRange(this.manifest.size, index, this.manifest);
    if (end > this.source.size || end <= start) return undefined;
    const plain = await this.source.read(start, end - start);
    if (plain.length !== end - start) return undefined;
    const stored = await this.codec.encode(plain.slice());
    const pieces = splitChunks(stored, this.manifest.chunkSize);
    const hashes = await this.hasher.sha256Many(pieces);
    const [listDigest] = await this.hasher.sha256Many([encodeChunkList(hashes)]);
    const chunks = new Map<string, Uint8Array>();
    hashes.forEach((hash, i) => chunks.set(toHex(hash), pieces[i]!));
    return { listHash: toHex(listDigest!), stored, chunks };
  }
}
