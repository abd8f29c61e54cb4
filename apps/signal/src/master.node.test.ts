/**
 * The master's request handlers answer every request, even when a handler throws before its
 * first await (the signal relay does): a regression test for acks that were never sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { provenJoin } from '@meshdrive/core';
import { createMaster, type Master } from './create-master.js';
import { MemoryDirectory } from './directory/memory-directory.js';
import { signUp } from './accounts/test-accounts.js';

const ACK_TIMEOUT_MS = 2_000;

describe('master request handlers', () => {
  let master: Master;
  let socket: Socket;

  beforeAll(async () => {
    master = await createMaster({ directory: new MemoryDirectory(), port: 0, host: '127.0.0.1' });
    const { accessToken } = await signUp(master.url, 'ada');
    socket = io(master.url, { auth: (send) => void provenJoin(master.url, { role: 'client', kind: 'node', token: accessToken }).then(send), transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  });

  afterAll(async () => {
    socket?.disconnect();
    await master?.close();
  });

  async function ask(event: string, payload: unknown): Promise<unknown> {
    const reply: unknown = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
    return reply;
  }

  it('answers a signal relay to a peer that is not connected with ERR_PEER_UNAVAILABLE', async () => {
    expect(await ask('signal', { to: 'gone', connectionId: 'c1', data: {} })).toMatchObject({ ok: false, error: { code: 'ERR_PEER_UNAVAILABLE' } });
  });

  it('answers a malformed signal relay with ERR_VALIDATION', async () => {
    expect(await ask('signal', { to: 5 })).toMatchObject({ ok: false, error: { code: 'ERR_VALIDATION' } });
    expect(await ask('signal', null)).toMatchObject({ ok: false, error: { code: 'ERR_VALIDATION' } });
  });

  it('keeps answering afterwards', async () => {
    expect(await ask('list', {})).toEqual({ ok: true, value: [] });
  });
});
