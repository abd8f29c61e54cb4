/**
 * A file version's secrets (its name, exact size, chunk key and a digest of its segments) sealed
 * with AES-256-GCM under a random file key, itself sealed under the user's wrap key. Both are
 * bound to the version they belong to (owner, lookup token, file id, version): the master keeps
 * the envelope and serves it back, and cannot pass off another file's or version's as this one.
 *
 *   format (1) ‖ u16 binding length ‖ binding (JSON) ‖ nonce (12) ‖ sealed file key (48)
 *   ‖ nonce (12) ‖ sealed body (JSON)
 */
import { bytesEqual, fromBase64Url, fromHex, fromUtf8, toBase64Url, toHex, utf8 } from '../bytes.js';
import type { Hasher } from '../codec/hasher.js';
import { DecryptError, FilePasswordRequiredError, ManifestMismatchError, WrongFilePasswordError } from '../errors.js';
import { AES_KEY_BYTES, GCM_TAG_BYTES, NONCE_BYTES, randomBytes } from './crypto-suite.js';
import type { PasswordLock, UserKeys } from './user-keys.js';

const ENVELOPE_FORMAT = 1;
const BINDING_TAG = 'meshdrive/manifest/v1';
/** Longest envelope the master keeps: a 1024-character name and the fields around it fit easily. */
export const MAX_SEALED_MANIFEST_CHARS = 16 * 1024;

/** What a sealed manifest belongs to; all of it is known to the master. */
export interface ManifestBinding {
  owner: string;
  token: string;
  fileId: string;
  version: number;
}

/** What only the user's clients learn. */
export interface ManifestSecrets {
  name: string;
  /** The exact size; the master knows it rounded up to a chunk. */
  size: number;
  /** segmentsDigest of the version's segments. */
  digest: string;
  chunkKey: Uint8Array;
}

interface SealedBody {
  name: string;
  size: number;
  digest: string;
  /** The chunk key, for a file without a password of its own. */
  key?: string;
  /** For one with: how to derive the password key, and the chunk key sealed under it. */
  password?: { salt: string; iterations: number; key: string };
}

const bindingBytes = (binding: ManifestBinding): Uint8Array => utf8(JSON.stringify([BINDING_TAG, binding.owner, binding.token, binding.fileId, binding.version]));

/**
 * SHA-256 over every segment's list hash and stored size, in order: the sealed manifest commits
 * to the master's segment records, so swapped, replaced or reordered segments show.
 */
export async function segmentsDigest(hasher: Hasher, segments: readonly { listHash: string; storedSize: number }[]): Promise<string> {
  const bytes = new Uint8Array(segments.length * 36);
  const view = new DataView(bytes.buffer);
  segments.forEach((segment, i) => {
    bytes.set(fromHex(segment.listHash), i * 36);
    view.setUint32(i * 36 + 32, segment.storedSize);
  });
  const [digest] = await hasher.sha256Many([bytes]);
  return toHex(digest!);
}

async function sealWithNonce(keys: UserKeys, key: Uint8Array, plain: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = await keys.crypto.gcmSeal(key, nonce, plain, aad);
  const out = new Uint8Array(NONCE_BYTES + sealed.length);
  out.set(nonce);
  out.set(sealed, NONCE_BYTES);
  return out;
}

const openWithNonce = (keys: UserKeys, key: Uint8Array, bytes: Uint8Array, aad: Uint8Array): Promise<Uint8Array> =>
  keys.crypto.gcmOpen(key, bytes.subarray(0, NONCE_BYTES), bytes.subarray(NONCE_BYTES), aad);

/**
 * The version's secrets sealed under `fileKey` (a fresh random key unless given: a writer that
 * shares the version seals the same key to each recipient), the file key under the user's wrap key.
 */
export async function sealManifest(keys: UserKeys, binding: ManifestBinding, secrets: ManifestSecrets, lock?: PasswordLock, fileKey: Uint8Array = randomBytes(AES_KEY_BYTES)): Promise<string> {
  const aad = bindingBytes(binding);
  const body: SealedBody = { name: secrets.name, size: secrets.size, digest: secrets.digest };
  if (lock) {
    const sealedKey = await sealWithNonce(keys, lock.passwordKey, secrets.chunkKey, aad);
    body.password = { salt: toBase64Url(lock.salt), iterations: lock.iterations, key: toBase64Url(sealedKey) };
  } else {
    body.key = toBase64Url(secrets.chunkKey);
  }
  const wrappedKey = await sealWithNonce(keys, keys.wrapKey, fileKey, aad);
  const sealedBody = await sealWithNonce(keys, fileKey, utf8(JSON.stringify(body)), aad);
  const out = new Uint8Array(3 + aad.length + wrappedKey.length + sealedBody.length);
  out[0] = ENVELOPE_FORMAT;
  new DataView(out.buffer).setUint16(1, aad.length);
  out.set(aad, 3);
  out.set(wrappedKey, 3 + aad.length);
  out.set(sealedBody, 3 + aad.length + wrappedKey.length);
  return toBase64Url(out);
}

/** What a shared file key is bound to: the version, and who it was sealed for. */
export const shareContext = (binding: ManifestBinding, recipient: string): Uint8Array => utf8(JSON.stringify([BINDING_TAG, 'share', binding.owner, binding.token, binding.fileId, binding.version, recipient]));

/** The version's file key, opened with the user's own wrap key (they wrote the version). */
export async function fileKeyOf(keys: UserKeys, binding: ManifestBinding, sealed: string): Promise<Uint8Array> {
  return (await openEnvelope(keys, binding, sealed)).fileKey;
}

/**
 * The body of a sealed manifest, after checking it belongs to `binding`: opened with `fileKey`
 * when the version was shared with this user, else with the key the user's wrap key opens.
 */
async function openBody(keys: UserKeys, binding: ManifestBinding, sealed: string, fileKey?: Uint8Array): Promise<SealedBody> {
  const envelope = await openEnvelope(keys, binding, sealed, fileKey);
  const body = JSON.parse(fromUtf8(await openWithNonce(keys, envelope.fileKey, envelope.sealedBody, envelope.aad))) as SealedBody;
  if (typeof body.name !== 'string' || typeof body.size !== 'number' || typeof body.digest !== 'string') throw new DecryptError('a sealed manifest without its fields');
  return body;
}

/** The envelope's parts, its binding checked, and its file key (`fileKey` as given, else unwrapped with the user's wrap key). */
async function openEnvelope(keys: UserKeys, binding: ManifestBinding, sealed: string, fileKey?: Uint8Array): Promise<{ fileKey: Uint8Array; sealedBody: Uint8Array; aad: Uint8Array }> {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(sealed);
  } catch {
    throw new DecryptError('a sealed manifest that is not base64url');
  }
  const wrappedKeyBytes = NONCE_BYTES + AES_KEY_BYTES + GCM_TAG_BYTES;
  if (bytes.length < 3 || bytes[0] !== ENVELOPE_FORMAT) throw new DecryptError('a sealed manifest of an unknown format');
  const aadLength = new DataView(bytes.buffer, bytes.byteOffset).getUint16(1);
  if (bytes.length < 3 + aadLength + wrappedKeyBytes + NONCE_BYTES + GCM_TAG_BYTES) throw new DecryptError('a sealed manifest cut short');
  const claimed = bytes.subarray(3, 3 + aadLength);
  const aad = bindingBytes(binding);
  if (!bytesEqual(claimed, aad)) {
    throw new ManifestMismatchError(`the master answered with the manifest of another file or version (sealed for ${fromUtf8(claimed).slice(0, 200)}, expected version ${binding.version} of file ${binding.fileId})`);
  }
  const key = fileKey ?? (await openWithNonce(keys, keys.wrapKey, bytes.subarray(3 + aadLength, 3 + aadLength + wrappedKeyBytes), aad));
  return { fileKey: key, sealedBody: bytes.subarray(3 + aadLength + wrappedKeyBytes), aad };
}

/** The name and exact size, for listings: no password needed. */
export async function revealManifest(keys: UserKeys, binding: ManifestBinding, sealed: string, fileKey?: Uint8Array): Promise<{ name: string; size: number; locked: boolean }> {
  const body = await openBody(keys, binding, sealed, fileKey);
  return { name: body.name, size: body.size, locked: body.password !== undefined };
}

/**
 * Everything needed to read the version. A file with a password of its own needs it:
 * FilePasswordRequiredError without one, WrongFilePasswordError for a wrong one.
 */
export async function openManifest(keys: UserKeys, binding: ManifestBinding, sealed: string, password?: string, fileKey?: Uint8Array): Promise<ManifestSecrets> {
  const body = await openBody(keys, binding, sealed, fileKey);
  const secrets = { name: body.name, size: body.size, digest: body.digest };
  if (body.key !== undefined) return { ...secrets, chunkKey: fromBase64Url(body.key) };
  if (!body.password) throw new DecryptError('a sealed manifest without a chunk key');
  if (password === undefined) throw new FilePasswordRequiredError(body.name);
  const passwordKey = await keys.crypto.pbkdf2Sha256(utf8(password.normalize('NFC')), fromBase64Url(body.password.salt), body.password.iterations, AES_KEY_BYTES);
  try {
    return { ...secrets, chunkKey: await openWithNonce(keys, passwordKey, fromBase64Url(body.password.key), bindingBytes(binding)) };
  } catch (error) {
    if (error instanceof DecryptError) throw new WrongFilePasswordError(body.name);
    throw error;
  }
}
