/**
 * The tickets the master hands out with placements and locations (wire/tickets.ts in core):
 * signed with the master's key, short-lived. A client whose ticket lapsed mid-transfer gets a
 * typed refusal it retries with a fresh placement or location, so the lifetime bounds how long
 * a leaked ticket is good for, not how long a transfer may take.
 */
import { signReadTicket, signWriteTicket, type Clock, type PeerId, type ReadTicket, type TicketSigner, type WriteTicket } from '@meshdrive/core';

export const TICKET_LIFETIME_MS = 15 * 60_000;

/** What placement and the catalogue ask for tickets; the master's is TicketIssuer, the bench's may sign nothing. */
export interface TicketSource {
  /** The key peers check tickets with (base64url), sent to every socket on join. */
  readonly masterKey: string;
  write(client: PeerId, seg: string, chain: readonly PeerId[], chunks: number): Promise<WriteTicket>;
  read(client: PeerId, list: string): Promise<ReadTicket>;
}

export class TicketIssuer implements TicketSource {
  constructor(
    private readonly signer: TicketSigner,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly lifetimeMs = TICKET_LIFETIME_MS,
  ) {}

  /** The key peers check tickets with (base64url), sent to every socket on join. */
  get masterKey(): string {
    return this.signer.id;
  }

  /** `client` may write segment `seg` (file id and index), of at most `chunks` chunks, down `chain`. */
  write(client: PeerId, seg: string, chain: readonly PeerId[], chunks: number): Promise<WriteTicket> {
    return signWriteTicket(this.signer, { client, seg, chain: [...chain], chunks, exp: this.clock.now() + this.lifetimeMs });
  }

  /** `client` may read the segment whose chunk list hashes to `list`. */
  read(client: PeerId, list: string): Promise<ReadTicket> {
    return signReadTicket(this.signer, { client, list, exp: this.clock.now() + this.lifetimeMs });
  }
}
