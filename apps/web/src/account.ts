/**
 * The person logged in on this browser: their session (access and refresh token, and the master
 * key their password unwrapped at log-in) in localStorage, shared by every tab of the profile,
 * and the calls to the master's account endpoints. The password never leaves the page: what the
 * master gets is derived from it (client/account-flow.ts in core). A refresh token is good for
 * one use, so tabs refresh under a Web Lock and each reads what the one before it saved; logging
 * out in one tab logs out all of them.
 */
import {
  fetchFromMasters, fromErrorPayload, KeysMissingError, logIn, MasterUnreachableError, ProtocolError, signUp, streamCompressor, userKeysOf, webCryptoSuite,
  type AuthSession, type ErrorPayload, type KeyedSession, type Sealing,
} from '@meshdrive/core';
import { browserHasher } from '@meshdrive/core';

const STORAGE_KEY = 'meshdrive.session';
const REFRESH_LOCK = 'meshdrive-refresh';
/** Refreshed when less than this is left, so a token does not expire on its way to the master. */
const REFRESH_MARGIN_MS = 60_000;

export class Account extends EventTarget {
  constructor(private readonly masterUrl: string) {
    super();
    // Another tab logged in or out: this one follows.
    window.addEventListener('storage', (event) => {
      if (event.key === STORAGE_KEY) this.dispatchEvent(new Event('change'));
    });
  }

  /** The saved session; one from before encryption (no master key) counts as none, so the person logs in again. */
  get session(): KeyedSession | null {
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as KeyedSession | null;
      return saved && typeof saved.accessToken === 'string' && typeof saved.refreshToken === 'string' && typeof saved.masterKey === 'string' ? saved : null;
    } catch {
      return null;
    }
  }

  async signup(user: string, password: string): Promise<void> {
    this.save(await signUp(webCryptoSuite, this.post, user, password));
  }

  async login(user: string, password: string): Promise<void> {
    this.save(await logIn(webCryptoSuite, this.post, user, password));
  }

  /** The logged-in person's keys: every file is sealed in this page before it leaves. */
  async sealing(): Promise<Sealing> {
    const session = this.session;
    if (!session) throw new KeysMissingError('this browser has no keys for you');
    return { keys: await userKeysOf(webCryptoSuite, session), compressor: streamCompressor, hasher: browserHasher };
  }

  async logout(): Promise<void> {
    const session = this.session;
    this.save(null);
    // Forgotten here first: a master that cannot be reached still leaves this browser logged out.
    if (session) await this.post('/api/logout', { refreshToken: session.refreshToken }).catch(() => undefined);
  }

  /** A token to join with, refreshed first when due; undefined once the session is gone (the master then asks to log in). */
  async accessToken(): Promise<string | undefined> {
    const fresh = (): string | undefined => {
      const session = this.session;
      return session && session.accessExpiresAt - Date.now() > REFRESH_MARGIN_MS ? session.accessToken : undefined;
    };
    if (fresh() || !this.session) return fresh();
    const refresh = async (): Promise<string | undefined> => {
      // Another tab may have refreshed while this one waited for the lock.
      const session = this.session;
      if (!session || fresh()) return fresh();
      try {
        const next = await this.post<AuthSession>('/api/refresh', { refreshToken: session.refreshToken });
        this.save({ ...next, masterKey: session.masterKey });
        return next.accessToken;
      } catch (error) {
        // A refused refresh (expired, revoked) ends the session; an unreachable master does not.
        if (!(error instanceof MasterUnreachableError)) this.save(null);
        throw error;
      }
    };
    return 'locks' in navigator ? navigator.locks.request(REFRESH_LOCK, refresh) : refresh();
  }

  private save(session: KeyedSession | null): void {
    // The wrapped key is the master's copy; this browser keeps the unwrapped one.
    if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...session, keys: undefined }));
    else localStorage.removeItem(STORAGE_KEY);
    this.dispatchEvent(new Event('change'));
  }

  /** POSTs to the first of the masters that answers (`masterUrl` may name several, comma-separated). */
  private readonly post = async <T>(path: string, body: unknown, accessToken?: string): Promise<T> => {
    const headers = { 'content-type': 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) };
    const response = await fetchFromMasters(this.masterUrl, path, () => ({ method: 'POST', headers, body: JSON.stringify(body) }));
    const value = (await response.json().catch(() => undefined)) as unknown;
    if (response.ok) return value as T;
    const payload = value as Partial<ErrorPayload> | undefined;
    if (typeof payload?.code === 'string' && typeof payload.message === 'string') throw fromErrorPayload(payload as ErrorPayload);
    throw new ProtocolError(`the master answered ${path} with HTTP ${response.status}`);
  };
}
