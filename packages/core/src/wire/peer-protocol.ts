/**
 * Data-channel messages: one frame type per request, each with a schema for its metadata.
 * A storage request names the segment's chunk list and the replicas still to reach (`next`);
 * the receiving peer handles it and forwards it down that chain (pipeline replication, as
 * HDFS does), so a client talks to the primary only.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { FrameBody } from './frame.js';
import { readTicketSchema, writeTicketSchema } from './tickets.js';

export const FrameType = {
  /** Offer a segment's chunk list; reply: indexes of chunks missing on any replica. */
  Offer: 1,
  /** Check the segment is complete and pin it; reply: the replicas that hold all of it. */
  Seal: 3,
  /** Read chunks of one segment by hash (body: concatenated raw hashes); reply: Data frames, the last FINAL. */
  Get: 4,
  /**
   * Store a batch of chunks (body: chunk batch), without a reply (request id 0): the client
   * streams a segment's batches and the Seal that follows reports whether every replica stored
   * them, and the first failure if not. On a replica chain a reply costs a data-channel send
   * like a batch does, so batches are never answered one by one. (Type 2, a replied batch, is
   * retired: a peer refuses it as an unknown type.)
   */
  Push: 5,
  /** Success reply with JSON metadata. */
  Ok: 64,
  /** Chunk batch reply to Get. */
  Data: 65,
  /** Failure reply: metadata is { code, message }. */
  Error: 66,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a 64-digit lower-case hex SHA-256');
const peerIdSchema = z.string().min(1).max(64);
/** A chain longer than this is not replication, it is abuse. */
const MAX_CHAIN_LENGTH = 8;

const segmentRequestSchema = z.object({
  list: hex64,
  next: z.array(peerIdSchema).max(MAX_CHAIN_LENGTH),
  /** The master's write ticket: shown with the Offer, which lets the write's Pushes and Seal through (peer/ticket-check.ts). */
  ticket: writeTicketSchema.optional(),
});
/** A Get names the segment its chunks belong to, and carries the master's read ticket for it. */
const getRequestSchema = z.object({ list: hex64, ticket: readTicketSchema.optional() }).optional();
export type SegmentRequest = z.infer<typeof segmentRequestSchema>;

const offerReplySchema = z.object({ missing: z.array(z.number().int().nonnegative()) });

const sealReplySchema = z.object({ holders: z.array(peerIdSchema) });

export const errorReplySchema = z.object({ code: z.string().max(64), message: z.string().max(2000) });

/**
 * The protocol map: for each request type, the schema of its metadata and of its reply. A Push
 * is never answered (Seal reports it); a Get is answered with a stream of Data frames.
 */
export const peerProtocol = {
  [FrameType.Offer]: { meta: segmentRequestSchema, reply: offerReplySchema },
  [FrameType.Seal]: { meta: segmentRequestSchema, reply: sealReplySchema },
  [FrameType.Push]: { meta: segmentRequestSchema, reply: undefined },
  [FrameType.Get]: { meta: getRequestSchema, reply: undefined },
} as const;
type PeerProtocol = typeof peerProtocol;
export type RequestType = keyof PeerProtocol;
/** Request types answered with one Ok reply. */
export type RepliedType = { [T in RequestType]: PeerProtocol[T]['reply'] extends z.ZodType ? T : never }[RequestType];
export type MetaOf<T extends RequestType> = z.infer<PeerProtocol[T]['meta']>;
export type ReplyOf<T extends RepliedType> = z.infer<NonNullable<PeerProtocol[T]['reply']>>;

/** A request as a handler sees it, its metadata already checked against its type's schema. */
export type PeerRequest = { [T in RequestType]: { type: T; meta: MetaOf<T>; body: Uint8Array } }[RequestType];

/** Each request type's name for error messages, worked out once: every batch that arrives is parsed. */
const REQUEST_NAMES = Object.fromEntries(
  Object.entries(FrameType)
    .filter(([, type]) => Object.hasOwn(peerProtocol, type))
    .map(([name, type]) => [type, name.toLowerCase()]),
) as Record<RequestType, string>;

/** Checks an incoming request's type and metadata: an unknown type or bad metadata is a ValidationError. */
export function parsePeerRequest(type: number, meta: unknown, body: Uint8Array): PeerRequest {
  if (!Object.hasOwn(peerProtocol, type)) throw new ValidationError(`unknown request type ${type}`);
  const known = type as RequestType;
  return { type: known, meta: parseMeta(peerProtocol[known].meta as z.ZodType<unknown>, meta, REQUEST_NAMES[known]), body } as PeerRequest;
}

/** What sends a request and waits for its reply: an RpcConnection, or a stand-in in tests. */
export interface RequestSender {
  request(type: number, meta: unknown, body?: FrameBody): Promise<{ meta: unknown; body: Uint8Array }>;
}

/** Sends a request that is answered once, and checks the reply against its type's schema. */
export async function callPeer<T extends RepliedType>(connection: RequestSender, type: T, meta: MetaOf<T>, body?: FrameBody): Promise<ReplyOf<T>> {
  const reply = await connection.request(type, meta, body);
  return parseMeta(peerProtocol[type].reply as unknown as z.ZodType<ReplyOf<T>>, reply.meta, `${REQUEST_NAMES[type]} reply`);
}

/** Parses untrusted metadata, turning a schema failure into a ValidationError with one line. */
export function parseMeta<T>(schema: z.ZodType<T>, meta: unknown, what: string): T {
  const result = schema.safeParse(meta);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new ValidationError(`invalid ${what}${where}: ${issue?.message ?? 'malformed'}`);
  }
  return result.data;
}
