/**
 * A storage peer's check of the master's tickets (wire/tickets.ts) before it writes or reads
 * anything for anyone. An Offer must carry a write ticket: the master's, unexpired, for the
 * peer that sent it (the client, or a replica of the chain forwarding it), naming this peer and
 * the rest of the chain; the first list it is used with is the only one it may ever write. The
 * Pushes and the Seal of that write, from the same peer, are then let through by a map lookup,
 * so a batch costs nothing more. A Get must carry a read ticket for the segment it reads, and
 * ask only for that segment's list and chunks. Signatures checked once are remembered.
 */
import { fromHex, toHex, utf8 } from '../bytes.js';
import { HASH_BYTES } from '../chunking/chunk-list.js';
import { ChunkNotFoundError, ValidationError, TicketExpiredError, TicketInvalidError, TicketMismatchError, TicketRequiredError } from '../errors.js';
import type { PeerId } from '../ids.js';
import type { ChunkStore } from '../stores/chunk-store.js';
import { readTicketText, writeTicketText, type ReadTicket, type WriteTicket } from '../wire/tickets.js';
import { verifySignedBy } from './identity.js';

/** Remembered signatures, list bindings, allowed writes: each map keeps at most this many, oldest out first. */
const MAX_REMEMBERED = 65_536;
/** Segments whose chunk names are kept at hand for the checks of their Gets. */
const LIST_CACHE = 32;

/** A write as its Pushes and Seal name it, from the peer that sends them. */
const writeKey = (from: PeerId, list: string, next: readonly string[]): string => `${from}|${list}>${next.join(',')}`;

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value!);
}

/**
 * What a storage peer asks before it writes or reads for anyone. The mesh's is TicketCheck; the
 * seam lets the bench measure what checking tickets costs against checking nothing.
 */
export interface AccessCheck {
  /** The master's public key (base64url), told on join. */
  trust(masterKey: string): void;
  /** An Offer: resolves to when its permission lapses, or throws a typed refusal. */
  allowWrite(from: PeerId, request: { list: string; next: readonly string[]; ticket?: WriteTicket }, chunks: number): Promise<number>;
  /** A Push or Seal of a write whose Offer came before. */
  checkWrite(from: PeerId, request: { list: string; next: readonly string[] }): Promise<void>;
  /** A Get of `names` (32-byte hashes, back to back). */
  allowRead(from: PeerId, meta: { list: string; ticket?: ReadTicket } | undefined, names: Uint8Array): Promise<void>;
}

export class TicketCheck implements AccessCheck {
  private masterKey: string | undefined;
  /** `message|signature` pairs found good. */
  private readonly verified = new Map<string, true>();
  /** Each write ticket's signature, and the one list it was first used for. */
  private readonly bound = new Map<string, string>();
  /**
   * Writes whose Offer came, and whether it was allowed: its ticket's expiry, or the refusal.
   * Set as the Offer arrives, so a Push that overtakes the Offer's check waits for it.
   */
  private readonly writes = new Map<string, Promise<number>>();
  private readonly lists = new Map<string, Set<string>>();

  constructor(
    private readonly selfId: PeerId,
    private readonly store: ChunkStore,
    private readonly now: () => number,
  ) {}

  /** The master's public key (base64url), told on join; tickets signed by any other are refused. */
  trust(masterKey: string): void {
    if (masterKey !== this.masterKey) this.verified.clear();
    this.masterKey = masterKey;
  }

  /** An Offer of `list` (a chain of `chunks` chunks) from `from`, down `next`: allowed by `ticket`, or refused with a typed error. */
  allowWrite(from: PeerId, request: { list: string; next: readonly string[]; ticket?: WriteTicket }, chunks: number): Promise<number> {
    const allowed = this.checkWriteTicket(from, request, chunks);
    allowed.catch(() => undefined); // the Offer reports it; Pushes and the Seal are refused for it
    remember(this.writes, writeKey(from, request.list, request.next), allowed);
    return allowed;
  }

  /** A Push or Seal: allowed only once this write's Offer was. */
  async checkWrite(from: PeerId, request: { list: string; next: readonly string[] }): Promise<void> {
    const allowed = this.writes.get(writeKey(from, request.list, request.next));
    if (allowed === undefined) throw new TicketRequiredError('a write needs the master’s ticket, shown with its Offer');
    const expires = await allowed.catch(() => {
      throw new TicketRequiredError('the Offer of this write was refused its ticket');
    });
    if (expires <= this.now()) throw new TicketExpiredError('the write ticket has expired');
  }

  private async checkWriteTicket(from: PeerId, request: { list: string; next: readonly string[]; ticket?: WriteTicket }, chunks: number): Promise<number> {
    const { ticket } = request;
    if (!ticket) throw new TicketRequiredError('a write needs the master’s ticket');
    await this.verify(writeTicketText(ticket), ticket.sig, ticket.exp);
    const chain = new Set(ticket.chain);
    if (!chain.has(this.selfId)) throw new TicketMismatchError('the write ticket is for other peers');
    if (from !== ticket.client && !chain.has(from)) throw new TicketMismatchError('the write ticket is another client’s');
    if (!request.next.every((peer) => chain.has(peer))) throw new TicketMismatchError('the write names replicas its ticket does not');
    if (chunks > ticket.chunks) throw new TicketMismatchError(`the segment has ${chunks} chunks; its ticket allows ${ticket.chunks}`);
    const boundTo = this.bound.get(ticket.sig);
    if (boundTo !== undefined && boundTo !== request.list) throw new TicketMismatchError('the write ticket is for another segment');
    remember(this.bound, ticket.sig, request.list);
    return ticket.exp;
  }

  /** A Get of `names` (32-byte hashes, back to back) by `from`: allowed by a read ticket for the segment they belong to. */
  async allowRead(from: PeerId, meta: { list: string; ticket?: ReadTicket } | undefined, names: Uint8Array): Promise<void> {
    if (names.length % HASH_BYTES !== 0) throw new ValidationError(`get body of ${names.length} bytes is not a list of hashes`);
    const ticket = meta?.ticket;
    if (!meta || !ticket) throw new TicketRequiredError('a read needs the master’s ticket');
    await this.verify(readTicketText(ticket), ticket.sig, ticket.exp);
    if (ticket.client !== from) throw new TicketMismatchError('the read ticket is another client’s');
    if (ticket.list !== meta.list) throw new TicketMismatchError('the read ticket is for another segment');
    // The list itself, then its chunks: nothing of any other segment.
    if (names.length === HASH_BYTES && toHex(names) === meta.list) return;
    const members = await this.chunksOf(meta.list);
    for (let offset = 0; offset < names.length; offset += HASH_BYTES) {
      if (!members.has(toHex(names.subarray(offset, offset + HASH_BYTES)))) throw new TicketMismatchError('the read asks for chunks of another segment');
    }
  }

  private async verify(text: string, signature: string, expires: number): Promise<void> {
    if (this.masterKey === undefined) throw new TicketInvalidError('this peer has not heard the master’s key yet; try again');
    if (expires <= this.now()) throw new TicketExpiredError('the ticket has expired');
    const key = `${text}|${signature}`;
    if (this.verified.has(key)) return;
    if (!(await verifySignedBy(this.masterKey, utf8(text), signature))) throw new TicketInvalidError('the ticket is not signed by the master');
    remember(this.verified, key, true);
  }

  private async chunksOf(list: string): Promise<Set<string>> {
    const cached = this.lists.get(list);
    if (cached) return cached;
    const [bytes] = await this.store.getMany([fromHex(list)]);
    if (!bytes) throw new ChunkNotFoundError(list);
    const members = new Set<string>();
    for (let offset = 0; offset < bytes.length; offset += HASH_BYTES) members.add(toHex(bytes.subarray(offset, offset + HASH_BYTES)));
    this.lists.set(list, members);
    if (this.lists.size > LIST_CACHE) this.lists.delete(this.lists.keys().next().value!);
    return members;
  }
}
