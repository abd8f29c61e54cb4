/**
 * Repair copies: on the master's order a peer that holds a segment writes it to another peer,
 * exactly as a client writes one (client/segment-writer.ts: Offer, Push, Seal), showing the
 * master's write ticket that names this peer as the writer. Every chunk is checked against its
 * name first: a damaged copy is never spread, and the master hears why (ERR_CHUNK_CORRUPT) and
 * copies from another holder.
 */
import { bytesEqual, fromHex, toHex } from '../bytes.js';
import { splitChunkList } from '../chunking/chunk-list.js';
import type { PeerConnection } from '../client/peer-connection.js';
import { writeSegment } from '../client/segment-writer.js';
import type { Hasher } from '../codec/hasher.js';
import { ChunkCorruptError, ChunkNotFoundError, ValidationError } from '../errors.js';
import { asPeerId, type PeerId } from '../ids.js';
import type { ChunkStore } from '../stores/chunk-store.js';
import type { CopyOrder } from '../wire/signal-protocol.js';

export interface CopyContext {
  store: ChunkStore;
  hasher: Hasher;
  connect(peer: PeerId): Promise<PeerConnection>;
}

/** Copies segment `order.list` from this peer's store to `order.to`; resolves once sealed there. */
export async function copySegment(context: CopyContext, order: CopyOrder): Promise<void> {
  const { store, hasher } = context;
  const [listBytes] = await store.getMany([fromHex(order.list)]);
  if (!listBytes) throw new ChunkNotFoundError(order.list);
  const hashes = splitChunkList(listBytes);
  const found = await store.getMany(hashes);
  const chunks = found.map((chunk, i) => {
    if (!chunk) throw new ChunkNotFoundError(toHex(hashes[i]!));
    return chunk;
  });
  const [listDigest, ...digests] = await hasher.sha256Many([listBytes, ...chunks]);
  if (toHex(listDigest!) !== order.list) throw new ChunkCorruptError(order.list, toHex(listDigest!));
  digests.forEach((digest, i) => {
    if (!bytesEqual(digest, hashes[i]!)) throw new ChunkCorruptError(toHex(hashes[i]!), toHex(digest));
  });
  // A segment's chunks are all chunkSize long but its last: the writer finds chunk i at i * chunkSize.
  const chunkSize = chunks[0]?.length ?? 0;
  if (chunks.slice(0, -1).some((chunk) => chunk.length !== chunkSize) || (chunks.at(-1)?.length ?? 0) > chunkSize) {
    throw new ValidationError(`segment ${order.list.slice(0, 12)}… has chunks of uneven sizes`);
  }
  const stored = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    stored.set(chunk, at);
    at += chunk.length;
  }
  const to = asPeerId(order.to);
  await writeSegment(await context.connect(to), [], { list: order.list, listBytes, stored, chunkSize }, { ticket: order.ticket });
}
