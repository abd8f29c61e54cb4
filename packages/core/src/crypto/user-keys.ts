/**
 * A user's keys, all derived (HKDF-SHA256) from their master key, which only their own clients
 * hold: the name key turns names into lookup tokens the master can index without learning them,
 * the chunk root gives each file its chunk key, the wrap key seals each version's file key, and
 * the sharing wrap key seals the private half of the key pair others share files to them with.
 */
import { toBase64Url, utf8 } from '../bytes.js';
import { AES_KEY_BYTES, type CryptoSuite } from './crypto-suite.js';
import { PASSWORD_KDF_ITERATIONS } from './account-keys.js';
import { CHUNK_KEY_BYTES } from './sealed-codec.js';

const SALT_BYTES = 16;

/** How a file's own password turned into its chunk key; kept in its sealed manifest. */
export interface PasswordLock {
  salt: Uint8Array;
  iterations: number;
  /** PBKDF2 of the password: seals the chunk key in the manifest. */
  passwordKey: Uint8Array;
}

export class UserKeys {
  private constructor(
    readonly user: string,
    readonly crypto: CryptoSuite,
    private readonly nameKey: Uint8Array,
    private readonly chunkRoot: Uint8Array,
    /** Seals file keys (sealed-manifest.ts). */
    readonly wrapKey: Uint8Array,
    /** Seals the user's sharing private key, which the master keeps for them (share-keys.ts). */
    readonly sharingWrapKey: Uint8Array,
  ) {}

  static async fromMasterKey(crypto: CryptoSuite, user: string, masterKey: Uint8Array): Promise<UserKeys> {
    // HKDF's output grows at its end: the first three keys are the ones a 96-byte expansion gave.
    const bits = await crypto.hkdfSha256(masterKey, utf8(user), 'meshdrive/user-keys/v1', 4 * AES_KEY_BYTES);
    return new UserKeys(user, crypto, bits.subarray(0, 32), bits.subarray(32, 64), bits.subarray(64, 96), bits.subarray(96, 128));
  }

  /** What the master knows a name by: HMAC-SHA256 under the name key, base64url (43 characters). */
  async lookupToken(name: string): Promise<string> {
    return toBase64Url(await this.crypto.hmacSha256(this.nameKey, utf8(`name\u0000${name.normalize('NFC')}`)));
  }

  /**
   * The chunk key of the file known by `token`: the same for every version, so unchanged chunks
   * encrypt to the same bytes. With a password of the file's own, it mixes in PBKDF2 of that
   * password, so the chunks cannot be read with the master key alone.
   */
  async chunkKey(token: string, password?: string): Promise<{ key: Uint8Array; lock?: PasswordLock }> {
    const base = await this.crypto.hkdfSha256(this.chunkRoot, utf8(token), 'meshdrive/chunk-key/v1', CHUNK_KEY_BYTES);
    if (password === undefined) return { key: base };
    const salt = (await this.crypto.hmacSha256(this.nameKey, utf8(`password-salt\u0000${token}`))).subarray(0, SALT_BYTES);
    const passwordKey = await this.crypto.pbkdf2Sha256(utf8(password.normalize('NFC')), salt, PASSWORD_KDF_ITERATIONS, AES_KEY_BYTES);
    const mixed = new Uint8Array(base.length + passwordKey.length);
    mixed.set(base);
    mixed.set(passwordKey, base.length);
    const key = await this.crypto.hkdfSha256(mixed, utf8(token), 'meshdrive/chunk-key/password/v1', CHUNK_KEY_BYTES);
    return { key, lock: { salt, iterations: PASSWORD_KDF_ITERATIONS, passwordKey } };
  }
}
