/**
 * Who a peer or client is: an Ed25519 key pair, and an id that is its public key (base64url, 43
 * characters), as libp2p inlines Ed25519 keys in its peer ids. Whoever sees an id can check a
 * signature by it, and nobody can claim it without the private key. A storage peer makes its
 * pair once and keeps it with its store, so a restarted peer is the same peer with the same
 * chunks; a client line makes a fresh pair each time. WebCrypto, the same in Node and browsers.
 *
 * On join the master hands out a challenge (GET /api/challenge) and the joiner signs it with
 * its id and role (joinProofMessage): a socket claiming an id without its key is refused.
 */
import { fromBase64Url, toBase64Url, utf8 } from '../bytes.js';
import { asPeerId, type PeerId } from '../ids.js';
import type { MetaStore } from '../stores/chunk-store.js';

const PEER_KEY_META_KEY = 'peer-key';
const ED25519 = { name: 'Ed25519' } as const;
/** The raw public key's length, and the length of its base64url form: a peer id. */
const PUBLIC_KEY_BYTES = 32;
export const PEER_ID_CHARS = 43;
const SIGNATURE_BYTES = 64;
/** How long a joiner waits for the master's challenge before trying again. */
const CHALLENGE_FETCH_TIMEOUT_MS = 5_000;

export interface PeerIdentity {
  readonly id: PeerId;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

interface StoredKey {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  d: string;
}

function identityOf(privateKey: CryptoKey, publicKey: Uint8Array): PeerIdentity {
  return {
    id: asPeerId(toBase64Url(publicKey)),
    sign: async (message) => new Uint8Array(await crypto.subtle.sign(ED25519, privateKey, message as BufferSource)),
  };
}

async function newPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ED25519, true, ['sign', 'verify']);
}

/** A fresh identity that lives as long as this object: a client line's. */
export async function ephemeralIdentity(): Promise<PeerIdentity> {
  const pair = await newPair();
  return identityOf(pair.privateKey, new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
}

/**
 * The identity kept in `store`, made and kept there on first use. A store from before peers had
 * keys held a random id; its peer gets a new, key-derived id (the old one cannot be proved).
 */
export async function loadPeerIdentity(store: MetaStore): Promise<PeerIdentity> {
  const saved = await store.getMeta(PEER_KEY_META_KEY);
  if (saved) {
    const jwk = JSON.parse(saved) as StoredKey;
    const privateKey = await crypto.subtle.importKey('jwk', { ...jwk, key_ops: ['sign'], ext: false }, ED25519, false, ['sign']);
    return identityOf(privateKey, fromBase64Url(jwk.x));
  }
  const pair = await newPair();
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const stored: StoredKey = { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, d: jwk.d! };
  await store.setMeta(PEER_KEY_META_KEY, JSON.stringify(stored));
  return identityOf(pair.privateKey, fromBase64Url(stored.x));
}

/** What a joiner signs: the master's challenge, bound to the id and the role it joins as. */
export function joinProofMessage(challenge: string, id: string, role: string): Uint8Array {
  return utf8(`meshdrive-join/1\n${challenge}\n${id}\n${role}`);
}

/**
 * Whether `signature` (base64url) is `message` signed by the key whose id is `id`. Malformed
 * ids and signatures are false, never an exception: they come from whoever connects.
 */
export async function verifySignedBy(id: string, message: Uint8Array, signature: string): Promise<boolean> {
  let key: Uint8Array;
  let signatureBytes: Uint8Array;
  try {
    key = fromBase64Url(id);
    signatureBytes = fromBase64Url(signature);
  } catch {
    return false;
  }
  if (key.length !== PUBLIC_KEY_BYTES || signatureBytes.length !== SIGNATURE_BYTES) return false;
  try {
    const publicKey = await crypto.subtle.importKey('raw', key as BufferSource, ED25519, false, ['verify']);
    return await crypto.subtle.verify(ED25519, publicKey, signatureBytes as BufferSource, message as BufferSource);
  } catch {
    return false; // not a point on the curve
  }
}

/**
 * Asks the master at `url` for a join challenge and signs it: the `proof` a join carries.
 * Rejects when the master cannot be reached.
 */
export async function proveJoin(url: string, identity: PeerIdentity, role: string): Promise<{ challenge: string; signature: string }> {
  // Bounded: a request that hangs would hold the join, which socket.io does not retry until it is sent.
  const response = await fetch(new URL('/api/challenge', url), { cache: 'no-store', signal: AbortSignal.timeout(CHALLENGE_FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`the master answered ${response.status} to a challenge request`);
  const { challenge } = (await response.json()) as { challenge?: unknown };
  if (typeof challenge !== 'string') throw new Error('the master sent no challenge');
  return { challenge, signature: toBase64Url(await identity.sign(joinProofMessage(challenge, identity.id, role))) };
}

/** Join fields with an identity's id and a fresh proof (a new identity unless one is given): for raw socket.io clients in tests and tools. */
export async function provenJoin<T extends { role: string }>(url: string, fields: T, identity?: PeerIdentity): Promise<T & { id: PeerId; proof: { challenge: string; signature: string } }> {
  const who = identity ?? (await ephemeralIdentity());
  return { ...fields, id: who.id, proof: await proveJoin(url, who, fields.role) };
}
