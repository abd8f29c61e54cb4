/**
 * Writes one segment down a replica chain: Offer its chunk list to the first peer (which asks
 * the rest of the chain), Push the chunks some replica lacks, in batches with no replies, then
 * Seal, whose reply names the replicas that hold all of it. It knows nothing of files or of the
 * client: a storage peer copying a segment to another peer can use it as it is.
 */
import { HASH_BYTES } from '../chunking/chunk-list.js';
import { ReplicationError } from '../errors.js';
import { asPeerId, type PeerId } from '../ids.js';
import { batchChunks, chunkBatchWriter, type RawChunk } from '../wire/frame.js';
import { callPeer, FrameType, type SegmentRequest } from '../wire/peer-protocol.js';
import type { WriteTicket } from '../wire/tickets.js';
import type { PeerConnection } from './peer-connection.js';

/** A segment as stored: its chunk list, the list's name, and the bytes its chunks cover. */
export interface StoredSegment {
  /** Hex SHA-256 of `listBytes`. */
  list: string;
  /** The chunks' 32-byte names, back to back. */
  listBytes: Uint8Array;
  /** The stored bytes: chunk i is `chunkSize` bytes from i * chunkSize (the last may be shorter). */
  stored: Uint8Array;
  chunkSize: number;
}

export interface SegmentWriteOptions {
  /** The master's write ticket for this segment, shown with the Offer. */
  ticket?: WriteTicket;
  /** Stops pushing once aborted (a hedge won, or the send was cancelled). */
  signal?: AbortSignal;
  /** The Offer's answer: how many of the segment's chunks some replica lacks. */
  onOffered?(missing: number): void;
  /** Chunk bytes handed to the connection. */
  onMoved?(bytes: number): void;
}

/**
 * Writes `segment` to the peer at the other end of `connection`, which forwards it to `next`.
 * Resolves with the holders once every replica (that peer and `next`) has sealed it; fewer is
 * a ReplicationError.
 */
export async function writeSegment(connection: PeerConnection, next: readonly PeerId[], segment: StoredSegment, options: SegmentWriteOptions = {}): Promise<PeerId[]> {
  const { listBytes, stored, chunkSize } = segment;
  const request: SegmentRequest = { list: segment.list, next: [...next] };
  // The ticket goes with the Offer only: it lets the Pushes and the Seal of this write through.
  const offer = await callPeer(connection, FrameType.Offer, options.ticket ? { ...request, ticket: options.ticket } : request, listBytes);
  const count = listBytes.length / HASH_BYTES;
  const missing = offer.missing.filter((index) => index < count);
  options.onOffered?.(missing.length);
  // Views made batch by batch, as they are sent: no per-chunk objects outlive a batch.
  const chunksOf = function* (): Generator<RawChunk> {
    for (const index of missing) {
      yield { hash: listBytes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES), bytes: stored.subarray(index * chunkSize, (index + 1) * chunkSize) };
    }
  };
  // Batches are pushed without replies; the Seal reports whether every replica stored them.
  for (const batch of batchChunks(chunksOf())) {
    options.signal?.throwIfAborted();
    await connection.notify(FrameType.Push, request, chunkBatchWriter(batch), options.signal);
    options.onMoved?.(batch.reduce((sum, chunk) => sum + chunk.bytes.length, 0));
  }
  const seal = await callPeer(connection, FrameType.Seal, request);
  const wanted = next.length + 1;
  if (seal.holders.length < wanted) throw new ReplicationError(segment.list, seal.holders.length, wanted);
  return seal.holders.map(asPeerId);
}
