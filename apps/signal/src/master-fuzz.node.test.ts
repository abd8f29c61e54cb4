/**
 * Seeded fuzzing (fast-check) of every socket.io handler of a real master: thousands of random
 * and mutated payloads, each answered with a reply (a value or a typed error) or ignored; then
 * random handshakes, each refused cleanly. Afterwards the master still serves a normal request.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { ERROR_CLASSES, provenJoin } from '@meshdrive/core';
import { signUp } from './accounts/test-accounts.js';
import { createMaster, type Master } from './create-master.js';
import { MemoryDirectory } from './directory/memory-directory.js';

const SEED = 20261201;
const EVENTS = [
  'place', 'commit', 'locate', 'list', 'remove', 'status', 'signal', 'sealed',
  'lock', 'renew', 'unlock', 'versions', 'restore', 'share', 'unshare', 'sharees', 'user-key', 'my-keys', 'set-my-keys',
] as const;
const KNOWN_CODES = new Set(ERROR_CLASSES.map((type) => type.code));
const REPLY_TIMEOUT_MS = 5_000;

/** Payloads near the real ones: right keys, wrong or extreme values, plus anything at all. */
const payload = fc.oneof(
  fc.anything(),
  fc.record({
    name: fc.oneof(fc.string(), fc.constantFrom('../x', 'a//b', '/etc/passwd', 'ok.txt', 'x'.repeat(5000))),
    size: fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 60)),
    chunkSize: fc.integer({ min: -10, max: 2 ** 22 }),
    segmentChunks: fc.integer({ min: -10, max: 2 ** 22 }),
    fileId: fc.string({ maxLength: 80 }),
    baseVersion: fc.integer(),
    version: fc.integer(),
    segments: fc.array(fc.record({ listHash: fc.stringMatching(/^[0-9a-f]{64}$/), plainSize: fc.integer(), storedSize: fc.integer(), holders: fc.array(fc.string()) }), { maxLength: 4 }),
    to: fc.string(),
    connectionId: fc.string(),
    data: fc.anything(),
    ttlMs: fc.oneof(fc.integer(), fc.constantFrom(1_000, 30_000, 2 ** 40)),
    wait: fc.boolean(),
    token: fc.oneof(fc.integer(), fc.double()),
    lock: fc.integer(),
    owner: fc.oneof(fc.string(), fc.constantFrom('fuzzer', 'nobody', 'Upper')),
    with: fc.oneof(fc.string(), fc.constantFrom('fuzzer', 'nobody')),
    write: fc.anything(),
    user: fc.oneof(fc.string(), fc.constantFrom('fuzzer', 'nobody')),
    keys: fc.oneof(fc.anything(), fc.array(fc.record({ version: fc.integer(), key: fc.string() }), { maxLength: 3 })),
    shareKeys: fc.array(fc.record({ user: fc.string(), key: fc.string() }), { maxLength: 3 }),
    sharing: fc.oneof(fc.anything(), fc.record({ publicKey: fc.base64String(), privateKey: fc.base64String() })),
  }, { requiredKeys: [] }),
);

describe('fuzzing the master’s socket.io handlers', () => {
  let master: Master;
  let socket: Socket;
  let token: string;

  beforeAll(async () => {
    master = await createMaster({ directory: new MemoryDirectory(), port: 0, host: '127.0.0.1', rateLimit: { perSecond: 1e6, burst: 1e6 } });
    token = (await signUp(master.url, 'fuzzer')).accessToken;
    socket = io(master.url, { auth: (send) => void provenJoin(master.url, { role: 'client', kind: 'node', token }).then(send), transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  });

  afterAll(async () => {
    socket?.disconnect();
    await master?.close();
  });

  it('answers thousands of random requests with a value or a typed error, and keeps serving', async () => {
    const samples = fc.sample(fc.tuple(fc.constantFrom(...EVENTS), payload), { seed: SEED, numRuns: 4_000 });
    const replies = await Promise.all(samples.map(async ([event, body]) => {
      if (event === 'sealed') {
        socket.emit(event, body); // a peer's report: no reply, and a client's is ignored
        return { ok: true };
      }
      return (await socket.timeout(REPLY_TIMEOUT_MS).emitWithAck(event, body)) as { ok: boolean; error?: { code: string; message: string } };
    }));
    for (const reply of replies) {
      if (reply.ok) continue;
      expect(KNOWN_CODES.has(reply.error!.code), reply.error!.code).toBe(true);
      expect(reply.error!.message.length).toBeLessThan(2_000);
    }
    expect(socket.connected).toBe(true);
    expect(await socket.timeout(REPLY_TIMEOUT_MS).emitWithAck('list', {})).toMatchObject({ ok: true });
  }, 60_000);

  it('refuses random handshakes cleanly, and still lets a real client join', async () => {
    // Objects only: socket.io itself drops a handshake whose auth is not an object, before the master sees it.
    const joins = fc.sample(fc.oneof(fc.object(), fc.record({ role: fc.string(), id: fc.string(), kind: fc.string(), token: fc.string(), capacity: fc.integer() }, { requiredKeys: [] })), { seed: SEED, numRuns: 150 });
    for (const auth of joins) {
      const probe = io(master.url, { auth: auth as Record<string, unknown>, transports: ['websocket'], reconnection: false, forceNew: true });
      const outcome = await new Promise<string>((resolve) => {
        probe.once('connect', () => resolve('joined'));
        probe.once('connect_error', (error) => resolve(error.message));
      });
      probe.disconnect();
      // None proves an id (no signed challenge), so none joins.
      expect(outcome).not.toBe('joined');
    }
    const healthy = await fetch(`${master.url}/healthz`);
    expect(healthy.ok).toBe(true);
    expect(await socket.timeout(REPLY_TIMEOUT_MS).emitWithAck('status', {})).toMatchObject({ ok: true });
  }, 60_000);
});
