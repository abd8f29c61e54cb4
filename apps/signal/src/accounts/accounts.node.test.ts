/**
 * Accounts: the store on memory and SQLite (PostgreSQL: postgres.node.test.ts), the service's sign-up, log-in, refresh and log-out,
 * and every way an access token can be wrong, each refused with its own typed error.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair, importJWK, type JWK } from 'jose';
import {
  BadCredentialsError, TokenAlgorithmError, TokenClaimsError, TokenExpiredError, TokenInvalidError, TokenSignatureError, UserExistsError,
} from '@meshdrive/core';
import { ManualClock } from '@meshdrive/core/testing';
import { runAccountStoreTests } from './account-store-acceptance.js';
import { Accounts, ACCESS_LIFETIME_MS } from './accounts.js';
import { MemoryAccountStore } from './memory-account-store.js';
import { SqliteAccountStore } from './sqlite-account-store.js';
import { ACCESS_AUDIENCE, TOKEN_ISSUER, TokenAuthority } from './tokens.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshdrive-accounts-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

runAccountStoreTests('memory', () => new MemoryAccountStore());
runAccountStoreTests('sqlite', () => new SqliteAccountStore(tempDir()));

async function service(clock = new ManualClock(Date.UTC(2026, 11, 1))): Promise<{ accounts: Accounts; tokens: TokenAuthority; clock: ManualClock }> {
  const tokens = await TokenAuthority.open(undefined, clock);
  return { accounts: new Accounts({ store: new MemoryAccountStore(), tokens, clock }), tokens, clock };
}

describe('accounts', () => {
  it('signs up, logs in and names the user in the access token', async () => {
    const { accounts } = await service();
    const first = await accounts.signup('ada', 'correct horse');
    expect((await accounts.verify(first.accessToken)).user).toBe('ada');
    const again = await accounts.login('ada', 'correct horse');
    expect((await accounts.verify(again.accessToken)).user).toBe('ada');
    await expect(accounts.signup('ada', 'another password')).rejects.toBeInstanceOf(UserExistsError);
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    const { accounts } = await service();
    await accounts.signup('ada', 'correct horse');
    const wrong = await accounts.login('ada', 'wrong horse').catch((error: unknown) => error);
    const unknown = await accounts.login('bob', 'correct horse').catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(BadCredentialsError);
    expect(unknown).toBeInstanceOf(BadCredentialsError);
    expect((wrong as Error).message).toBe((unknown as Error).message);
  });

  it('spends a refresh token once, and logout spends it too', async () => {
    const { accounts } = await service();
    const session = await accounts.signup('ada', 'correct horse');
    const next = await accounts.refresh(session.refreshToken);
    expect(next.user).toBe('ada');
    await expect(accounts.refresh(session.refreshToken)).rejects.toBeInstanceOf(TokenInvalidError);
    await accounts.logout(next.refreshToken);
    await expect(accounts.refresh(next.refreshToken)).rejects.toBeInstanceOf(TokenInvalidError);
  });

  it('refuses an expired refresh token', async () => {
    const { accounts, clock } = await service();
    const session = await accounts.signup('ada', 'correct horse');
    clock.advance(session.refreshExpiresAt - clock.now() + 1);
    await expect(accounts.refresh(session.refreshToken)).rejects.toBeInstanceOf(TokenExpiredError);
  });
});

describe('access tokens', () => {
  it('expire after their lifetime', async () => {
    const { accounts, clock } = await service();
    const session = await accounts.signup('ada', 'correct horse');
    clock.advance(ACCESS_LIFETIME_MS - 1_000);
    await expect(accounts.verify(session.accessToken)).resolves.toMatchObject({ user: 'ada' });
    clock.advance(2_000);
    await expect(accounts.verify(session.accessToken)).rejects.toBeInstanceOf(TokenExpiredError);
  });

  it('with alg none, another key, another audience or issuer, or garbage: each its own error', async () => {
    const { accounts, clock } = await service();
    const now = Math.floor(clock.now() / 1000);
    const claims = (audience: string, issuer: string) =>
      new SignJWT({}).setSubject('ada').setIssuer(issuer).setAudience(audience).setIssuedAt(now).setExpirationTime(now + 600);
    const header = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const payload = header({ sub: 'ada', iss: TOKEN_ISSUER, aud: ACCESS_AUDIENCE, iat: now, exp: now + 600 });
    const unsigned = `${header({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    const { privateKey: otherKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const foreign = await claims(ACCESS_AUDIENCE, TOKEN_ISSUER).setProtectedHeader({ alg: 'EdDSA' }).sign(otherKey);
    const hmac = await claims(ACCESS_AUDIENCE, TOKEN_ISSUER).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'));

    await expect(accounts.verify(unsigned)).rejects.toBeInstanceOf(TokenAlgorithmError);
    await expect(accounts.verify(hmac)).rejects.toBeInstanceOf(TokenAlgorithmError);
    await expect(accounts.verify(foreign)).rejects.toBeInstanceOf(TokenSignatureError);
    await expect(accounts.verify('not.a.token')).rejects.toBeInstanceOf(TokenInvalidError);

    // Signed with this master's own key, but for another audience or from another issuer.
    const dir = tempDir();
    const keyed = new Accounts({ store: new MemoryAccountStore(), tokens: await TokenAuthority.open(dir, clock), clock });
    const masterKey = await importJWK(JSON.parse(readFileSync(join(dir, 'master-key.jwk'), 'utf8')) as JWK, 'EdDSA');
    const otherAudience = await claims('meshdrive:ticket', TOKEN_ISSUER).setProtectedHeader({ alg: 'EdDSA' }).sign(masterKey);
    const otherIssuer = await claims(ACCESS_AUDIENCE, 'someone-else').setProtectedHeader({ alg: 'EdDSA' }).sign(masterKey);
    await expect(keyed.verify(otherAudience)).rejects.toBeInstanceOf(TokenClaimsError);
    await expect(keyed.verify(otherIssuer)).rejects.toBeInstanceOf(TokenClaimsError);
  });

  it('keeps the signing key in the data directory, readable by its owner only, across restarts', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 1));
    const dir = tempDir();
    const first = await TokenAuthority.open(dir, clock);
    const { token } = await first.issueAccess('ada', 60_000);
    expect(statSync(join(dir, 'master-key.jwk')).mode & 0o777).toBe(0o600);
    const reopened = await TokenAuthority.open(dir, clock);
    await expect(reopened.verifyAccess(token)).resolves.toMatchObject({ user: 'ada' });
    expect(reopened.publicJwk).toEqual(first.publicJwk);
    expect(reopened.publicJwk).not.toHaveProperty('d');
  });
});
