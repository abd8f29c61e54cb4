/**
 * Peer identity on a real master: a join proves its id by signing the master's challenge, so a
 * socket claiming a live peer's id is refused and the real peer stays, while the real peer
 * restarted (same key) replaces its old socket; challenges are single-use and expire; headless
 * peers without an account need the mesh's join secret; a tab can pause only its own person's peer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { ephemeralIdentity, joinProofMessage, proveJoin, provenJoin, toBase64Url, type PeerIdentity } from '@meshdrive/core';
import { signUp } from './accounts/test-accounts.js';
import { createMaster, type Master } from './create-master.js';
import { MemoryDirectory } from './directory/memory-directory.js';

const JOIN_SECRET = 'the mesh join secret of this test';
const masters: Master[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const master of masters.splice(0)) await master.close();
});

async function startMaster(): Promise<Master> {
  const master = await createMaster({ directory: new MemoryDirectory(), joinSecret: JOIN_SECRET, port: 0, host: '127.0.0.1', heartbeatMs: 50 });
  masters.push(master);
  return master;
}

/** Joins with exactly these fields; resolves with the socket and 'joined' or the refusal's code. */
async function join(master: Master, auth: Record<string, unknown>): Promise<{ socket: Socket; outcome: string }> {
  const socket = io(master.url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  const outcome = await new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('joined'));
    socket.once('connect_error', (error) => resolve((error as Error & { data?: { code?: string } }).data?.code ?? error.message));
  });
  return { socket, outcome };
}

const noSecret = { role: 'peer', kind: 'node', capacity: 1 << 30 } as const;
const headless = { ...noSecret, secret: JOIN_SECRET };

async function peerStatus(master: Master, id: string): Promise<string | undefined> {
  return (await master.state()).peers.find((peer) => peer.id === id)?.status;
}

describe('peer identity', () => {
  it('refuses a socket claiming a live peer’s id, and the real peer stays online', async () => {
    const master = await startMaster();
    const real = await ephemeralIdentity();
    const { socket: realSocket, outcome } = await join(master, await provenJoin(master.url, headless, real));
    expect(outcome).toBe('joined');
    realSocket.on('heartbeat', (_beat: unknown, ack: (stats: unknown) => void) => ack({ chunks: 0, bytes: 0 }));

    // The impostor knows the id (ids are public) but signs with its own key.
    const impostor = await ephemeralIdentity();
    const stolen = { ...headless, id: real.id, proof: await proveJoin(master.url, { id: real.id, sign: (message) => impostor.sign(message) }, 'peer') };
    expect((await join(master, stolen)).outcome).toBe('ERR_PEER_PROOF');
    // No proof at all, or a made-up signature: refused the same way.
    expect((await join(master, { ...headless, id: real.id })).outcome).toBe('ERR_PEER_PROOF');
    const { challenge } = await proveJoin(master.url, real, 'peer');
    expect((await join(master, { ...headless, id: real.id, proof: { challenge, signature: toBase64Url(new Uint8Array(64)) } })).outcome).toBe('ERR_PEER_PROOF');

    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(realSocket.connected).toBe(true);
    expect(await peerStatus(master, real.id)).toBe('online');
  });

  it('lets the real peer, restarted with its key, replace its old socket', async () => {
    const master = await startMaster();
    const real = await ephemeralIdentity();
    const first = await join(master, await provenJoin(master.url, headless, real));
    const closed = new Promise((resolve) => first.socket.once('disconnect', resolve));
    const second = await join(master, await provenJoin(master.url, headless, real));
    expect(second.outcome).toBe('joined');
    await expect(closed).resolves.toBe('io server disconnect');
  });

  it('takes a challenge once, only from this master, and only while it is fresh', async () => {
    const master = await startMaster();
    const other = await startMaster();
    const identity = await ephemeralIdentity();
    const proof = await proveJoin(master.url, identity, 'peer');
    const fields = { ...headless, id: identity.id, proof };
    expect((await join(master, fields)).outcome).toBe('joined');
    expect((await join(master, fields)).outcome).toBe('ERR_PEER_PROOF'); // replayed
    expect((await join(other, { ...headless, id: identity.id, proof: await proveJoin(master.url, identity, 'peer') })).outcome).toBe('ERR_PEER_PROOF');
    // A challenge whose expiry was edited no longer matches its MAC.
    const [, nonce, mac] = (await proveJoin(master.url, identity, 'peer')).challenge.split('.');
    const edited = `${Date.now() + 3_600_000}.${nonce}.${mac}`;
    const signature = toBase64Url(await identity.sign(joinProofMessage(edited, identity.id, 'peer')));
    expect((await join(master, { ...headless, id: identity.id, proof: { challenge: edited, signature } })).outcome).toBe('ERR_PEER_PROOF');
    // A proof for one role does not join as another.
    const asClient = await proveJoin(master.url, identity, 'client');
    expect((await join(master, { ...headless, id: identity.id, proof: asClient })).outcome).toBe('ERR_PEER_PROOF');
  });
});

describe('the join secret', () => {
  it('admits a headless peer without an account only with the mesh’s secret', async () => {
    const master = await startMaster();
    expect((await join(master, await provenJoin(master.url, noSecret))).outcome).toBe('ERR_JOIN_SECRET');
    expect((await join(master, await provenJoin(master.url, { ...headless, secret: 'not the secret' }))).outcome).toBe('ERR_JOIN_SECRET');
    expect((await join(master, await provenJoin(master.url, headless))).outcome).toBe('joined');
    // With an account a headless peer needs no secret.
    const { accessToken } = await signUp(master.url, 'ada');
    expect((await join(master, await provenJoin(master.url, { ...noSecret, token: accessToken }))).outcome).toBe('joined');
  });

  it('is required of every headless peer when the master has none', async () => {
    const master = await createMaster({ directory: new MemoryDirectory(), port: 0, host: '127.0.0.1' });
    masters.push(master);
    expect((await join(master, await provenJoin(master.url, headless))).outcome).toBe('ERR_JOIN_SECRET');
  });
});

describe('pausing', () => {
  it('shows a browser peer paused only when its own person says so', async () => {
    const master = await startMaster();
    const [ada, bob] = [await signUp(master.url, 'ada'), await signUp(master.url, 'bob')];
    const tab: PeerIdentity = await ephemeralIdentity();
    const peer = await join(master, await provenJoin(master.url, { role: 'peer', kind: 'browser', capacity: 1 << 30, token: ada.accessToken }, tab));
    expect(peer.outcome).toBe('joined');
    peer.socket.disconnect();
    // Bob's client claims to pause Ada's peer: nothing changes.
    const bobs = await join(master, await provenJoin(master.url, { role: 'client', kind: 'browser', token: bob.accessToken, pauses: tab.id }));
    expect(bobs.outcome).toBe('joined');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await peerStatus(master, tab.id)).not.toBe('paused');
    const adas = await join(master, await provenJoin(master.url, { role: 'client', kind: 'browser', token: ada.accessToken, pauses: tab.id }));
    expect(adas.outcome).toBe('joined');
    await expect.poll(() => peerStatus(master, tab.id)).toBe('paused');
  });
});
