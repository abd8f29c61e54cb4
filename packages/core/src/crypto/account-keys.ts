/**
 * What a password becomes on the client, before anything leaves it. PBKDF2-SHA256 stretches it
 * (salted with the user name, so the same password gives different keys for different users)
 * into two halves: one wraps the user's master key, the other is sent to the master in the
 * password's place (the master hashes it again with Argon2id). The master never sees the
 * password, so it cannot unwrap the master key it keeps.
 */
import { fromBase64Url, toBase64Url, utf8 } from '../bytes.js';
import { BadCredentialsError, DecryptError, ValidationError } from '../errors.js';
import { AES_KEY_BYTES, NONCE_BYTES, randomBytes, type CryptoSuite } from './crypto-suite.js';

/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256; about 0.3 s in Node here and in Chromium. */
export const PASSWORD_KDF_ITERATIONS = 600_000;
export const MASTER_KEY_BYTES = 32;
const WRAP_FORMAT = 1;

export interface AccountSecrets {
  /** Sent to the master as the password (base64url). */
  authKey: string;
  /** Wraps and unwraps the master key; never leaves the client. */
  wrappingKey: Uint8Array;
}

export async function accountSecrets(crypto: CryptoSuite, user: string, password: string): Promise<AccountSecrets> {
  const bits = await crypto.pbkdf2Sha256(utf8(password.normalize('NFC')), utf8(`meshdrive/account/v1/${user}`), PASSWORD_KDF_ITERATIONS, 2 * AES_KEY_BYTES);
  return { wrappingKey: bits.subarray(0, AES_KEY_BYTES), authKey: toBase64Url(bits.subarray(AES_KEY_BYTES)) };
}

export function newMasterKey(): Uint8Array {
  return randomBytes(MASTER_KEY_BYTES);
}

const wrapAad = (user: string): Uint8Array => utf8(`meshdrive/master-key/v1/${user}`);

/** The master key sealed under the password's wrapping key, as the master keeps it. */
export async function wrapMasterKey(crypto: CryptoSuite, secrets: AccountSecrets, user: string, masterKey: Uint8Array): Promise<string> {
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = await crypto.gcmSeal(secrets.wrappingKey, nonce, masterKey, wrapAad(user));
  return toBase64Url(new Uint8Array([WRAP_FORMAT, ...nonce, ...sealed]));
}

/** The master key; BadCredentialsError when the password is not the one that wrapped it. */
export async function unwrapMasterKey(crypto: CryptoSuite, secrets: AccountSecrets, user: string, wrapped: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(wrapped);
  } catch {
    throw new ValidationError('the master sent a wrapped key that is not base64url');
  }
  if (bytes[0] !== WRAP_FORMAT || bytes.length < 1 + NONCE_BYTES) throw new ValidationError('the master sent a wrapped key of an unknown format');
  try {
    return await crypto.gcmOpen(secrets.wrappingKey, bytes.subarray(1, 1 + NONCE_BYTES), bytes.subarray(1 + NONCE_BYTES), wrapAad(user));
  } catch (error) {
    if (error instanceof DecryptError) throw new BadCredentialsError();
    throw error;
  }
}
