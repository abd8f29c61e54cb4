/**
 * The master against hostile clients: sockets from foreign origins refused (no reflected CORS),
 * a socket flooding requests slowed with a typed error and then cut off, and HTTPS when given a
 * certificate (made here with openssl).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { provenJoin } from '@meshdrive/core';
import { signUp } from './accounts/test-accounts.js';
import { createMaster, type Master, type MasterOptions } from './create-master.js';
import { MemoryDirectory } from './directory/memory-directory.js';

const masters: Master[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const master of masters.splice(0)) await master.close();
});

async function start(options: Partial<MasterOptions> = {}): Promise<Master> {
  const master = await createMaster({ directory: new MemoryDirectory(), port: 0, host: '127.0.0.1', ...options });
  masters.push(master);
  return master;
}

function open(url: string, token: string, origin?: string): Socket {
  const socket = io(url, {
    auth: (send) => void provenJoin(url, { role: 'client', kind: 'node', token }).then(send),
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: origin ? { origin } : {},
  });
  sockets.push(socket);
  return socket;
}

function outcome(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('joined'));
    socket.once('connect_error', (error) => resolve(error.message));
  });
}

describe('origins', () => {
  it('accepts the master’s own origin and configured ones, and refuses any other', async () => {
    const master = await start({ allowedOrigins: ['http://dev.example:5173'] });
    const { accessToken } = await signUp(master.url, 'ada');
    expect(await outcome(open(master.url, accessToken, master.url))).toBe('joined');
    expect(await outcome(open(master.url, accessToken, 'http://dev.example:5173'))).toBe('joined');
    expect(await outcome(open(master.url, accessToken, 'http://evil.example'))).not.toBe('joined');
    // No Access-Control-Allow-Origin for a foreign page.
    const polling = await fetch(`${master.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'http://evil.example' } });
    expect(polling.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('a flood of requests', () => {
  it('is answered with ERR_RATE_LIMITED past the limit, and the socket is closed if it goes on', async () => {
    const master = await start();
    const { accessToken } = await signUp(master.url, 'ada');
    const socket = open(master.url, accessToken);
    expect(await outcome(socket)).toBe('joined');
    const replies = await Promise.all(Array.from({ length: 1_500 }, () =>
      (socket.timeout(10_000).emitWithAck('list', {}) as Promise<{ ok: boolean; error?: { code: string } }>).catch(() => ({ ok: false, error: { code: 'no answer' } }))));
    const limited = replies.filter((reply) => reply.error?.code === 'ERR_RATE_LIMITED').length;
    expect(replies.filter((reply) => reply.ok).length).toBeGreaterThanOrEqual(1_000);
    expect(limited).toBeGreaterThan(0);
    const closed = new Promise((resolve) => socket.once('disconnect', resolve));
    socket.emit('list', {}, () => undefined);
    for (let i = 0; i < 1_100; i++) socket.emit('list', {}, () => undefined);
    await expect(closed).resolves.toBe('io server disconnect');
  });
});

describe('HTTPS', () => {
  it('serves over TLS with the certificate it is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshdrive-tls-'));
    try {
      const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
      const master = await start({ tls: { cert: readFileSync(cert), key: readFileSync(key) } });
      expect(master.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const body = await new Promise<string>((resolve, reject) => {
        request(`${master.url}/healthz`, { ca: readFileSync(cert) }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text));
        }).on('error', reject).end();
      });
      expect(JSON.parse(body)).toMatchObject({ ok: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
