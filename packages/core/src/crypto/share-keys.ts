/**
 * Sharing a file without the master seeing its key: every user has an ECDH P-256 key pair, made
 * on their device at sign-up. The master keeps the public half for others to fetch, and the
 * private half sealed under the user's sharing wrap key (derived from their master key), so any
 * of their devices can open it and the master cannot. To share a version, its file key is sealed
 * to the recipient's public key (ECIES: an ephemeral ECDH key, HKDF-SHA256, AES-256-GCM), bound
 * to the version and the recipient.
 *
 *   shared file key = ephemeral public key (65) ‖ nonce (12) ‖ AES-GCM(file key) (48)
 */
import { fromBase64Url, toBase64Url, utf8 } from '../bytes.js';
import { DecryptError } from '../errors.js';
import { AES_KEY_BYTES, NONCE_BYTES, randomBytes, type CryptoSuite } from './crypto-suite.js';
import type { UserKeys } from './user-keys.js';

const P256 = { name: 'ECDH', namedCurve: 'P-256' } as const;
const PUBLIC_KEY_BYTES = 65;
const SHARE_INFO = 'meshdrive/share/v1';

/** A user's sharing key pair as the master keeps it: base64url, the private half sealed. */
export interface SharingKeys {
  publicKey: string;
  privateKey: string;
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;
const asBuffer = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes as Uint8Array<ArrayBuffer>;
const privateAad = (user: string): Uint8Array => utf8(`meshdrive/sharing-key/v1\u0000${user}`);

/** A new key pair for `keys`' user, its private half sealed under their sharing wrap key. */
export async function newSharingKeys(keys: UserKeys): Promise<SharingKeys> {
  const pair = (await subtle().generateKey(P256, true, ['deriveBits']));
  const publicKey = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  const pkcs8 = new Uint8Array(await subtle().exportKey('pkcs8', pair.privateKey));
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = await keys.crypto.gcmSeal(keys.sharingWrapKey, nonce, pkcs8, privateAad(keys.user));
  return { publicKey: toBase64Url(publicKey), privateKey: toBase64Url(concat(nonce, sealed)) };
}

/** The user's private sharing key, opened on this device; DecryptError if it was not sealed under these keys. */
export async function openSharingKey(keys: UserKeys, sharing: SharingKeys): Promise<CryptoKey> {
  const bytes = fromBase64Url(sharing.privateKey);
  const pkcs8 = await keys.crypto.gcmOpen(keys.sharingWrapKey, bytes.subarray(0, NONCE_BYTES), bytes.subarray(NONCE_BYTES), privateAad(keys.user));
  return subtle().importKey('pkcs8', asBuffer(pkcs8), P256, false, ['deriveBits']);
}

/** `fileKey` sealed to the holder of `publicKey` (base64url), bound to `context` (the version and the recipient). */
export async function sealToRecipient(crypto: CryptoSuite, publicKey: string, fileKey: Uint8Array, context: Uint8Array): Promise<string> {
  const recipient = await importPublic(publicKey);
  const ephemeral = (await subtle().generateKey(P256, true, ['deriveBits']));
  const ephemeralPublic = new Uint8Array(await subtle().exportKey('raw', ephemeral.publicKey));
  const kek = await shareKek(crypto, ephemeral.privateKey, recipient, ephemeralPublic, context);
  const nonce = randomBytes(NONCE_BYTES);
  return toBase64Url(concat(ephemeralPublic, nonce, await crypto.gcmSeal(kek, nonce, fileKey, context)));
}

/** The file key `sealed` carries, opened with the recipient's private key; DecryptError for anything else. */
export async function openFromSender(crypto: CryptoSuite, privateKey: CryptoKey, sealed: string, context: Uint8Array): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(sealed);
  } catch {
    throw new DecryptError('a shared file key that is not base64url');
  }
  if (bytes.length < PUBLIC_KEY_BYTES + NONCE_BYTES + AES_KEY_BYTES) throw new DecryptError('a shared file key cut short');
  const ephemeralPublic = bytes.subarray(0, PUBLIC_KEY_BYTES);
  let ephemeral: CryptoKey;
  try {
    ephemeral = await subtle().importKey('raw', asBuffer(ephemeralPublic), P256, false, []);
  } catch {
    throw new DecryptError('a shared file key with a malformed public key');
  }
  const kek = await shareKek(crypto, privateKey, ephemeral, ephemeralPublic, context);
  return crypto.gcmOpen(kek, bytes.subarray(PUBLIC_KEY_BYTES, PUBLIC_KEY_BYTES + NONCE_BYTES), bytes.subarray(PUBLIC_KEY_BYTES + NONCE_BYTES), context);
}

async function importPublic(publicKey: string): Promise<CryptoKey> {
  try {
    return await subtle().importKey('raw', asBuffer(fromBase64Url(publicKey)), P256, false, []);
  } catch {
    throw new DecryptError('a sharing public key that is not a P-256 point');
  }
}

async function shareKek(crypto: CryptoSuite, privateKey: CryptoKey, publicKey: CryptoKey, ephemeralPublic: Uint8Array, context: Uint8Array): Promise<Uint8Array> {
  const shared = new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: publicKey }, privateKey, 256));
  return crypto.hkdfSha256(shared, concat(ephemeralPublic, context), SHARE_INFO, AES_KEY_BYTES);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
