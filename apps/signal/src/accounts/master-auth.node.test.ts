/**
 * Accounts on a real master over HTTP and socket.io: the endpoints, the handshake refusing each
 * kind of bad token with its own code, per-user namespaces, /api/state showing a caller only
 * their own files, and a long-lived socket ended at its token's expiry and rejoined fresh.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { generateKeyPair, SignJWT } from 'jose';
import { ephemeralIdentity, MasterConnection, provenJoin, type AuthSession, type MeshState } from '@meshdrive/core';
import { createMaster, type Master } from '../create-master.js';
import { MemoryDirectory } from '../directory/memory-directory.js';
import { openAccounts } from './accounts.js';
import { signUp } from './test-accounts.js';
import { ACCESS_AUDIENCE, TOKEN_ISSUER } from './tokens.js';

const JOIN_SECRET = 'a join secret for these tests';
const masters: Master[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const master of masters.splice(0)) await master.close();
});

async function startMaster(accessLifetimeMs?: number): Promise<Master> {
  const accounts = await openAccounts(undefined, { accessLifetimeMs });
  const master = await createMaster({ directory: new MemoryDirectory(), accounts, joinSecret: JOIN_SECRET, port: 0, host: '127.0.0.1' });
  masters.push(master);
  return master;
}

async function post(master: Master, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${master.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The code a handshake is refused with, or 'joined'. */
function join(master: Master, auth: Record<string, unknown>): Promise<string> {
  const socket = io(master.url, { auth: (send) => void provenJoin(master.url, { role: 'client', kind: 'node', ...auth }).then(send), transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('joined'));
    socket.once('connect_error', (error) => resolve((error as Error & { data?: { code?: string } }).data?.code ?? error.message));
  });
}

async function connected(master: Master, session: AuthSession): Promise<Socket> {
  const socket = io(master.url, { auth: (send) => void provenJoin(master.url, { role: 'client', kind: 'node', token: session.accessToken }).then(send), transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

function ask(socket: Socket, event: string, payload: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
  return socket.timeout(5_000).emitWithAck(event, payload) as Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>;
}

describe('account endpoints', () => {
  it('sign up, log in, refresh and log out, each refusal with a status and a typed error', async () => {
    const master = await startMaster();
    const signed = await post(master, '/api/signup', { user: 'ada', password: 'correct horse' });
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ user: 'ada' });
    expect(signed.body).not.toHaveProperty('password');
    expect((await post(master, '/api/signup', { user: 'ada', password: 'another one' })).body).toMatchObject({ code: 'ERR_USER_EXISTS' });
    expect(await post(master, '/api/signup', { user: 'Ada', password: 'correct horse' })).toMatchObject({ status: 400, body: { code: 'ERR_VALIDATION' } });
    expect(await post(master, '/api/signup', { user: 'bob', password: 'short' })).toMatchObject({ status: 400, body: { code: 'ERR_VALIDATION' } });
    expect(await post(master, '/api/login', { user: 'ada', password: 'wrong horse' })).toMatchObject({ status: 401, body: { code: 'ERR_BAD_CREDENTIALS' } });
    expect(await post(master, '/api/login', 'not json')).toMatchObject({ status: 400, body: { code: 'ERR_VALIDATION' } });
    expect(await post(master, '/api/login', { user: 'x'.repeat(20_000), password: 'p' })).toMatchObject({ status: 413 });
    const login = await post(master, '/api/login', { user: 'ada', password: 'correct horse' });
    const refreshed = await post(master, '/api/refresh', { refreshToken: login.body.refreshToken });
    expect(refreshed).toMatchObject({ status: 200, body: { user: 'ada' } });
    expect(await post(master, '/api/refresh', { refreshToken: login.body.refreshToken })).toMatchObject({ status: 401, body: { code: 'ERR_TOKEN_INVALID' } });
    expect((await post(master, '/api/logout', { refreshToken: refreshed.body.refreshToken })).status).toBe(200);
    expect(await post(master, '/api/refresh', { refreshToken: refreshed.body.refreshToken })).toMatchObject({ status: 401 });
  });
});

describe('password guessing', () => {
  it('is slowed per user name: past a burst of attempts, ERR_RATE_LIMITED with HTTP 429', async () => {
    const master = await startMaster();
    await signUp(master.url, 'ada');
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await post(master, '/api/login', { user: 'ada', password: `guess number ${i}` })).status);
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(10)).toContain(429);
    // Another name is not slowed by ada's guesser.
    expect((await post(master, '/api/login', { user: 'bob', password: 'guess number 1' })).status).toBe(401);
  });
});

describe('the socket.io handshake', () => {
  it('refuses no token, alg none, another key, another audience and an expired token, each with its own code', async () => {
    const master = await startMaster();
    const now = Math.floor(Date.now() / 1000);
    const claims = (audience = ACCESS_AUDIENCE, exp = now + 600) =>
      new SignJWT({}).setSubject('ada').setIssuer(TOKEN_ISSUER).setAudience(audience).setIssuedAt(now).setExpirationTime(exp);
    const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'none' })}.${encode({ sub: 'ada', iss: TOKEN_ISSUER, aud: ACCESS_AUDIENCE, exp: now + 600 })}.`;
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const foreign = await claims().setProtectedHeader({ alg: 'EdDSA' }).sign(privateKey);

    expect(await join(master, {})).toBe('ERR_AUTH_REQUIRED');
    expect(await join(master, { token: unsigned })).toBe('ERR_TOKEN_ALGORITHM');
    expect(await join(master, { token: foreign })).toBe('ERR_TOKEN_SIGNATURE');
    expect(await join(master, { token: 'garbage' })).toBe('ERR_TOKEN_INVALID');
    const session = await signUp(master.url, 'ada');
    expect(await join(master, { token: session.accessToken })).toBe('joined');
    // A headless storage peer joins without an account (with the join secret: peer-identity.node.test.ts), and may touch no file.
    expect(await join(master, { role: 'peer', kind: 'node', secret: JOIN_SECRET })).toBe('joined');
    const peer = sockets.at(-1)!;
    expect(await ask(peer, 'list', {})).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_REQUIRED' } });
    // A browser tab must be someone's, even as a storage peer.
    expect(await join(master, { role: 'peer', kind: 'browser' })).toBe('ERR_AUTH_REQUIRED');
  });

  it('refuses an expired token (another audience: accounts.node.test.ts)', async () => {
    const master = await startMaster(1_000);
    const session = await signUp(master.url, 'ada');
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(await join(master, { token: session.accessToken })).toBe('ERR_TOKEN_EXPIRED');
  });
});

describe('per-user namespaces', () => {
  it('B neither lists, locates, overwrites nor removes A’s file, and /api/state shows each their own', async () => {
    const master = await startMaster();
    const [ada, bob] = [await signUp(master.url, 'ada'), await signUp(master.url, 'bob')];
    const adaSocket = await connected(master, ada);
    const bobSocket = await connected(master, bob);
    const empty = { name: 'secret.txt', size: 0, chunkSize: 1024, segmentChunks: 1024 };
    const placed = await ask(adaSocket, 'place', empty);
    expect(placed.ok).toBe(true);
    const { fileId } = placed.value as { fileId: string };
    const committed = await ask(adaSocket, 'commit', { fileId, name: 'secret.txt', baseVersion: 0, size: 0, chunkSize: 1024, segmentChunks: 1024, segments: [] });
    expect(committed.ok).toBe(true);

    expect(await ask(bobSocket, 'list', {})).toEqual({ ok: true, value: [] });
    expect(await ask(bobSocket, 'locate', { name: 'secret.txt' })).toMatchObject({ ok: false, error: { code: 'ERR_FILE_NOT_FOUND' } });
    expect(await ask(bobSocket, 'remove', { name: 'secret.txt' })).toMatchObject({ ok: false, error: { code: 'ERR_FILE_NOT_FOUND' } });
    // A commit by B under A's file id changes nothing of A's.
    await ask(bobSocket, 'commit', { fileId, name: 'secret.txt', baseVersion: 1, size: 0, chunkSize: 1024, segmentChunks: 1024, segments: [] });
    expect(((await ask(adaSocket, 'list', {})).value as { version: number }[])[0]).toMatchObject({ name: 'secret.txt', version: 1 });

    const stateOf = async (session?: AuthSession): Promise<MeshState> =>
      (await (await fetch(`${master.url}/api/state`, { headers: session ? { authorization: `Bearer ${session.accessToken}` } : {} })).json()) as MeshState;
    expect((await stateOf(ada)).files.map((file) => file.name)).toEqual(['secret.txt']);
    expect((await stateOf(bob)).files.every((file) => file.owner === 'bob')).toBe(true);
    expect((await stateOf()).files).toEqual([]);
    const forged = await fetch(`${master.url}/api/state`, { headers: { authorization: 'Bearer forged' } });
    expect(forged.status).toBe(401);
  });
});

describe('a long-lived socket', () => {
  it('is ended when its token expires, and a MasterConnection rejoins with a fresh one', async () => {
    const master = await startMaster(1_500);
    let session = await signUp(master.url, 'ada');
    let asked = 0;
    const connection = new MasterConnection(master.url, {
      role: 'client',
      identity: await ephemeralIdentity(),
      kind: 'node',
      token: async () => {
        asked += 1;
        if (asked > 1) session = (await post(master, '/api/refresh', { refreshToken: session.refreshToken })).body as unknown as AuthSession;
        return session.accessToken;
      },
    });
    try {
      await connection.ready();
      let expired = false;
      connection.socket.on('session-expired', () => (expired = true));
      // At its 1.5 s expiry; waited for rather than slept on, as a loaded machine may have spent those joining.
      await vi.waitFor(() => expect(expired).toBe(true), { timeout: 10_000, interval: 100 });
      await connection.ready();
      expect(asked).toBeGreaterThanOrEqual(2);
      expect(await connection.list()).toEqual([]);
    } finally {
      connection.close();
    }
  });
});
