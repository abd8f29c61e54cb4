/**
 * The master's signing key and the access tokens it issues: short-lived JWTs signed with
 * Ed25519 (`EdDSA`, the only algorithm accepted), naming the user in `sub`, with issuer,
 * audience and expiry checked on every use. The same key signs the tickets peers check, so
 * its public half is what peers receive on join. The key lives in the master's data directory,
 * readable by its owner only, or, for several masters, in their shared PostgreSQL database; a
 * volatile master makes a new one each run.
 */
import { KeyObject, sign } from 'node:crypto';
import { join } from 'node:path';
import { errors, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { asPeerId, TokenAlgorithmError, TokenClaimsError, TokenExpiredError, TokenInvalidError, TokenSignatureError, type Clock, type TicketSigner } from '@meshdrive/core';
import { readOrCreatePrivateFile } from '../private-file.js';

export const TOKEN_ALGORITHM = 'EdDSA';
export const TOKEN_ISSUER = 'meshdrive-master';
/** What an access token is for; tickets for the data channels will carry their own audience. */
export const ACCESS_AUDIENCE = 'meshdrive:access';
const KEY_FILE = 'master-key.jwk';

/** Where a secret is kept: gives the one kept, or keeps `make()`'s and gives it (readOrCreatePrivateFile, Database.secret). */
export type SecretSource = (make: () => Promise<string>) => Promise<string>;

export interface AccessClaims {
  user: string;
  /** Epoch ms when the token stops being accepted. */
  expiresAt: number;
}

export class TokenAuthority {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly publicJwk: JWK,
    private readonly publicKey: CryptoKey,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /**
   * The key in `keys`: a data directory (made there on first use, mode 0600), a shared secret
   * source, or, when undefined, a fresh one kept in memory.
   */
  static async open(keys: string | SecretSource | undefined, clock: Pick<Clock, 'now'>): Promise<TokenAuthority> {
    const source: SecretSource | undefined = typeof keys === 'string' ? (make) => readOrCreatePrivateFile(join(keys, KEY_FILE), make) : keys;
    const privateJwk = source === undefined ? await newPrivateJwk() : JSON.parse(await source(async () => JSON.stringify(await newPrivateJwk()))) as JWK;
    const publicJwk: JWK = { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x };
    const [privateKey, publicKey] = await Promise.all([importJWK(privateJwk, TOKEN_ALGORITHM), importJWK(publicJwk, TOKEN_ALGORITHM)]);
    return new TokenAuthority(privateKey as CryptoKey, publicJwk, publicKey as CryptoKey, clock);
  }

  async issueAccess(user: string, lifetimeMs: number): Promise<{ token: string; expiresAt: number }> {
    const now = this.clock.now();
    const expiresAt = now + lifetimeMs;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: 'JWT' })
      .setSubject(user)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(ACCESS_AUDIENCE)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(this.privateKey);
    return { token, expiresAt: Math.floor(expiresAt / 1000) * 1000 };
  }

  /**
   * The same key as a ticket signer: its id is the public key (base64url), as peers receive it.
   * Signs through node:crypto, several times faster than WebCrypto's async call: a placement
   * signs a ticket per segment.
   */
  ticketSigner(): TicketSigner {
    const key = KeyObject.from(this.privateKey);
    return { id: asPeerId(this.publicJwk.x!), sign: (message) => Promise.resolve(new Uint8Array(sign(null, message, key))) };
  }

  /** The user an access token names, or the typed error saying why it is refused. */
  async verifyAccess(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: [TOKEN_ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: ACCESS_AUDIENCE,
        requiredClaims: ['sub', 'exp'],
        currentDate: new Date(this.clock.now()),
      });
      return { user: payload.sub!, expiresAt: payload.exp! * 1000 };
    } catch (error) {
      throw tokenError(error);
    }
  }
}

/** jose's failures as Meshdrive's typed errors, one per way a token can be wrong. */
function tokenError(error: unknown): Error {
  if (error instanceof errors.JWTExpired) return new TokenExpiredError();
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenAlgorithmError(`the access token is not signed with ${TOKEN_ALGORITHM}`);
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenSignatureError('the access token is not signed by this master');
  if (error instanceof errors.JWTClaimValidationFailed && (error.claim === 'aud' || error.claim === 'iss')) {
    return new TokenClaimsError(`the access token was issued for another service (its ${error.claim === 'aud' ? 'audience' : 'issuer'} is wrong)`);
  }
  return new TokenInvalidError(`the access token is malformed: ${error instanceof Error ? error.message : String(error)}`);
}

async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(TOKEN_ALGORITHM, { crv: 'Ed25519', extractable: true });
  return exportJWK(privateKey);
}
