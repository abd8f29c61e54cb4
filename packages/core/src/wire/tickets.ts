/**
 * Tickets: the master's signed word that a client may write or read a segment, checked by the
 * peers that serve it, as HDFS DataNodes check block access tokens. A write ticket names the
 * client, the segment (file id and index), its replica chain and how many chunks it may hold; a
 * read ticket names the client and the segment's list hash. Both expire. The master signs with
 * its Ed25519 key; peers learn the public half (its base64url form, like a peer id) on join.
 */
import { z } from 'zod';
import { toBase64Url, utf8 } from '../bytes.js';
import type { PeerIdentity } from '../peer/identity.js';

const id = z.string().min(1).max(64);
const signature = z.string().max(100);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
/** A chain longer than this is not replication (the same bound as a request's `next`). */
const MAX_TICKET_CHAIN = 9;

export const writeTicketSchema = z.object({
  client: id,
  seg: z.string().min(1).max(200),
  chain: z.array(id).min(1).max(MAX_TICKET_CHAIN),
  chunks: z.number().int().positive().max(2 ** 31),
  exp: z.number().int().nonnegative(),
  sig: signature,
});
export type WriteTicket = z.infer<typeof writeTicketSchema>;

export const readTicketSchema = z.object({ client: id, list: hex64, exp: z.number().int().nonnegative(), sig: signature });
export type ReadTicket = z.infer<typeof readTicketSchema>;

/** The text a write ticket's signature covers (signed as UTF-8). */
export function writeTicketText(ticket: Omit<WriteTicket, 'sig'>): string {
  return `meshdrive-write/1\n${ticket.client}\n${ticket.seg}\n${ticket.chain.join(',')}\n${ticket.chunks}\n${ticket.exp}`;
}

/** The text a read ticket's signature covers (signed as UTF-8). */
export function readTicketText(ticket: Omit<ReadTicket, 'sig'>): string {
  return `meshdrive-read/1\n${ticket.client}\n${ticket.list}\n${ticket.exp}`;
}

/** What signs tickets: the master's key, seen as an identity whose id is its public key. */
export type TicketSigner = Pick<PeerIdentity, 'id' | 'sign'>;

export async function signWriteTicket(signer: TicketSigner, fields: Omit<WriteTicket, 'sig'>): Promise<WriteTicket> {
  return { ...fields, sig: toBase64Url(await signer.sign(utf8(writeTicketText(fields)))) };
}

export async function signReadTicket(signer: TicketSigner, fields: Omit<ReadTicket, 'sig'>): Promise<ReadTicket> {
  return { ...fields, sig: toBase64Url(await signer.sign(utf8(readTicketText(fields)))) };
}
