/**
 * Signing up, logging in and changing a password, as the CLI and the web app both do it: the
 * password is stretched here (crypto/account-keys.ts), the master gets only the derived auth key
 * and the wrapped master key, and the caller keeps the unwrapped master key for this device.
 */
import { fromBase64Url, toBase64Url } from '../bytes.js';
import { accountSecrets, newMasterKey, unwrapMasterKey, wrapMasterKey, type AccountSecrets } from '../crypto/account-keys.js';
import { newSharingKeys } from '../crypto/share-keys.js';
import type { CryptoSuite } from '../crypto/crypto-suite.js';
import { UserKeys } from '../crypto/user-keys.js';
import { ProtocolError, ValidationError } from '../errors.js';
import { passwordSchema, type AccountKeys, type AuthSession } from '../wire/signal-protocol.js';

/** POSTs JSON to the master's account endpoint `path` (with a bearer token if given); rejects with the typed error it answers. */
export type PostJson = <T>(path: string, body: unknown, accessToken?: string) => Promise<T>;

/** A session and the master key that goes with it, base64url, as a device keeps it. */
export interface KeyedSession extends AuthSession {
  masterKey: string;
}

/** Refused here, before any work, with the words the master used to use. */
function checkNewPassword(password: string): void {
  const parsed = passwordSchema.safeParse(password);
  if (!parsed.success) throw new ValidationError(parsed.error.issues[0]?.message ?? 'invalid password');
}

/** A new master key's wrapped form and the sharing key pair that goes with it. */
async function newAccountKeys(crypto: CryptoSuite, secrets: AccountSecrets, user: string, masterKey: Uint8Array): Promise<AccountKeys> {
  return { masterKey: await wrapMasterKey(crypto, secrets, user, masterKey), sharing: await newSharingKeys(await UserKeys.fromMasterKey(crypto, user, masterKey)) };
}

export async function signUp(crypto: CryptoSuite, post: PostJson, user: string, password: string): Promise<KeyedSession> {
  checkNewPassword(password);
  const secrets = await accountSecrets(crypto, user, password);
  const masterKey = newMasterKey();
  const keys = await newAccountKeys(crypto, secrets, user, masterKey);
  const session = await post<AuthSession>('/api/signup', { user, password: secrets.authKey, keys });
  return { ...session, masterKey: toBase64Url(masterKey) };
}

/**
 * Logs in. An account made before encryption still checks the password itself: this once it is
 * sent, as it always was, in a password change to the derived key, with a new master key.
 */
export async function logIn(crypto: CryptoSuite, post: PostJson, user: string, password: string): Promise<KeyedSession> {
  const [{ derived }, secrets] = await Promise.all([post<{ derived: boolean }>('/api/prelogin', { user }), accountSecrets(crypto, user, password)]);
  if (!derived) {
    const masterKey = newMasterKey();
    const keys = await newAccountKeys(crypto, secrets, user, masterKey);
    const session = await post<AuthSession>('/api/password', { user, password, newPassword: secrets.authKey, keys });
    return { ...session, masterKey: toBase64Url(masterKey) };
  }
  const session = await post<AuthSession>('/api/login', { user, password: secrets.authKey });
  if (!session.keys) throw new ProtocolError(`the master sent no keys for ${user}, whose log-in it derives`);
  return { ...session, masterKey: toBase64Url(await unwrapMasterKey(crypto, secrets, user, session.keys.masterKey)) };
}

/** A new password: the same master key, wrapped again; no file is encrypted again. */
export async function changePassword(crypto: CryptoSuite, post: PostJson, user: string, password: string, newPassword: string): Promise<KeyedSession> {
  checkNewPassword(newPassword);
  const [old, next] = await Promise.all([accountSecrets(crypto, user, password), accountSecrets(crypto, user, newPassword)]);
  const login = await post<AuthSession>('/api/login', { user, password: old.authKey });
  const masterKey = login.keys ? await unwrapMasterKey(crypto, old, user, login.keys.masterKey) : newMasterKey();
  // The sharing keys stay: their private half is sealed under a key of the master key, which does not change.
  const sharing = login.keys?.sharing ?? (await newSharingKeys(await UserKeys.fromMasterKey(crypto, user, masterKey)));
  const keys = { masterKey: await wrapMasterKey(crypto, next, user, masterKey), sharing };
  const session = await post<AuthSession>('/api/password', { user, password: old.authKey, newPassword: next.authKey, keys });
  return { ...session, masterKey: toBase64Url(masterKey) };
}

/** The user's keys from a device's saved master key. */
export function userKeysOf(crypto: CryptoSuite, session: Pick<KeyedSession, 'user' | 'masterKey'>): Promise<UserKeys> {
  return UserKeys.fromMasterKey(crypto, session.user, fromBase64Url(session.masterKey));
}
