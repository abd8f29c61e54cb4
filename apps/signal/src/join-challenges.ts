/**
 * The challenges a join signs to prove it holds its id's key (see peer/identity.ts in core).
 * A challenge is stateless until used: its expiry and a random nonce, MACed with a key this
 * master keeps in memory, so handing them out costs nothing and a restarted master simply asks
 * joiners for new ones. A used challenge is remembered until it expires: a captured proof
 * cannot be replayed.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { joinProofMessage, PeerProofError, verifySignedBy, type Clock, type JoinRequest } from '@meshdrive/core';

/** Time from fetching a challenge to joining with it: a slow machine's connect, with room to spare. */
const CHALLENGE_LIFETIME_MS = 60_000;

export class JoinChallenges {
  private readonly key = randomBytes(32);
  /** Used challenges, oldest first, with their expiry: forgotten once expired. */
  private readonly used = new Map<string, number>();

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  issue(): string {
    const body = `${this.clock.now() + CHALLENGE_LIFETIME_MS}.${randomBytes(16).toString('base64url')}`;
    return `${body}.${this.mac(body)}`;
  }

  /** Resolves when `join` proves its id with a fresh challenge of this master's; a PeerProofError says why not. */
  async check(join: JoinRequest): Promise<void> {
    const { proof } = join;
    if (!proof) throw new PeerProofError('the join did not prove its peer id (no signed challenge)');
    const [expires, nonce, mac, ...extra] = proof.challenge.split('.');
    const expiresAt = Number(expires);
    if (extra.length > 0 || nonce === undefined || mac === undefined || !this.macMatches(`${expires}.${nonce}`, mac)) {
      throw new PeerProofError('the join’s challenge was not issued by this master');
    }
    const now = this.clock.now();
    this.forgetExpired(now);
    if (!(expiresAt > now)) throw new PeerProofError('the join’s challenge has expired; ask for a new one');
    if (this.used.has(proof.challenge)) throw new PeerProofError('the join’s challenge was already used');
    this.used.set(proof.challenge, expiresAt);
    if (!(await verifySignedBy(join.id, joinProofMessage(proof.challenge, join.id, join.role), proof.signature))) {
      throw new PeerProofError('the join’s signature does not match its peer id');
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  private macMatches(body: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private forgetExpired(now: number): void {
    // Every challenge lives as long, so insertion order is expiry order.
    for (const [challenge, expiresAt] of this.used) {
      if (expiresAt > now) break;
      this.used.delete(challenge);
    }
  }
}
