/**
 * Seeded fuzzing (fast-check) of everything that parses bytes from a data channel: the frame
 * decoder, the chunk batch decoder and the request parser get random bytes and mutated valid
 * frames. Each either returns or throws one of Meshdrive's typed errors: never anything else,
 * never a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors.js';
import { decodeChunkBatch, decodeFrame, encodeChunkBatch, encodeFrame } from './frame.js';
import { FrameType, parsePeerRequest } from './peer-protocol.js';

const SEED = 20261201;
const RUNS = 3_000;

/** Runs `parse`; anything thrown must be a MeshError. */
function typedOrFine(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (error) {
    return error instanceof MeshError;
  }
}

const validFrame = fc.record({
  type: fc.constantFrom(...Object.values(FrameType)),
  requestId: fc.nat(),
  meta: fc.jsonValue({ maxDepth: 3 }),
  body: fc.uint8Array({ maxLength: 4096 }),
}).map((frame) => encodeFrame(frame));

/** A valid frame with some bytes overwritten, cut short or extended. */
const mutatedFrame = fc.tuple(validFrame, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.integer({ min: -64, max: 64 })).map(([frame, edits, resize]) => {
  const bytes = new Uint8Array(Math.max(0, frame.length + resize));
  bytes.set(frame.subarray(0, bytes.length));
  for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
  return bytes;
});

describe('fuzzing the data-channel decoders', () => {
  it('decodeFrame: random bytes and mutated frames give a frame or a typed error', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 2048 }), mutatedFrame), (bytes) => typedOrFine(() => decodeFrame(bytes))), { seed: SEED, numRuns: RUNS });
  });

  it('decodeChunkBatch: random and mutated batches give chunks or a typed error', () => {
    const batch = fc.array(fc.uint8Array({ minLength: 1, maxLength: 1024 }), { maxLength: 8 }).map((chunks) =>
      encodeChunkBatch(chunks.map((bytes) => ({ hash: new Uint8Array(32).fill(bytes[0]!), bytes }))));
    const mutated = fc.tuple(batch, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([bytes, at, value]) => {
      const copy = bytes.slice();
      if (copy.length > 0) copy[at % copy.length] = value;
      return copy;
    });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 4096 }), mutated), (bytes) => typedOrFine(() => decodeChunkBatch(bytes))), { seed: SEED, numRuns: RUNS });
  });

  it('parsePeerRequest: any type and any metadata give a request or a typed error', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.anything(), (type, meta) => typedOrFine(() => parsePeerRequest(type, meta, new Uint8Array(0)))), { seed: SEED, numRuns: RUNS });
  });

  it('a frame that decodes still round-trips its header', () => {
    fc.assert(fc.property(validFrame, (bytes) => {
      const frame = decodeFrame(bytes);
      expect(encodeFrame(frame)).toEqual(bytes);
    }), { seed: SEED, numRuns: 300 });
  });
});
