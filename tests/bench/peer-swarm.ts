/**
 * The master load generator: SWARM_PEERS light simulated storage peers over socket.io-client,
 * spread over the masters in SWARM_MASTERS (comma-separated), or over a bare socket.io server
 * (SWARM_BARE=1, no join). Each joins as a headless peer (its own key, the master's challenge,
 * the join secret) and answers heartbeats, pin and holding questions, and drops; no WebRTC.
 *
 * Run by master-bench.ts on its own core. It prints one JSON line per event on stdout
 * ({"joined": N}, then a commit measurement's result) and reads commands on stdin:
 * `commits MS CONCURRENCY TOKEN` places and commits one-chunk files for MS milliseconds, making
 * the placed peers send their seal receipts, as a client and its peers would; `quit` ends it.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { io, type Socket } from 'socket.io-client';
import { ephemeralIdentity, provenJoin } from '@meshdrive/core';

const PEERS = Number(process.env.SWARM_PEERS ?? 1000);
const MASTERS = (process.env.SWARM_MASTERS ?? '').split(',').filter(Boolean);
const BARE = process.env.SWARM_BARE === '1';
const SECRET = process.env.SWARM_JOIN_SECRET ?? '';
/** Joins in flight at once. */
const JOIN_BATCH = 50;
const CAPACITY = 10 * 1024 ** 3;

type Reply = { ok: boolean; value?: unknown; error?: { code: string; message: string } };
const sockets = new Map<string, Socket>();

function print(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function answerAsPeer(socket: Socket): void {
  socket.on('heartbeat', (_beat: unknown, ack: (stats: object) => void) => ack({ chunks: 0, bytes: 0, capacity: CAPACITY }));
  socket.on('pins', (_question: unknown, ack: (report: object) => void) => ack({ pins: [], more: false }));
  socket.on('holding', (_question: unknown, ack: (lists: string[]) => void) => ack([]));
  socket.on('drop', (_order: unknown, ack: (done: boolean) => void) => ack(true));
  socket.on('copy', (_order: unknown, ack: (reply: Reply) => void) => ack({ ok: false, error: { code: 'ERR_INTERNAL', message: 'a simulated peer copies nothing' } }));
}

async function joinPeer(index: number): Promise<void> {
  const url = MASTERS[index % MASTERS.length]!;
  if (BARE) {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    socket.on('heartbeat', (_beat: unknown, ack: (stats: object) => void) => ack({ chunks: 0, bytes: 0, capacity: CAPACITY }));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    sockets.set(String(index), socket);
    return;
  }
  const identity = await ephemeralIdentity();
  const fields = { role: 'peer', kind: 'node', capacity: CAPACITY, secret: SECRET, label: `sim-${index}` };
  const auth = await retried(() => provenJoin(url, fields, identity));
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 120_000, auth });
  answerAsPeer(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('welcome', () => resolve());
    socket.once('connect_error', reject);
  });
  sockets.set(identity.id, socket);
}

/** `attempt` until it succeeds, at most five times: a master busy with thousands of joins answers some challenges late. */
async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries === 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * tries));
    }
  }
}

async function request(socket: Socket, event: string, payload: unknown): Promise<unknown> {
  const reply = (await socket.timeout(20_000).emitWithAck(event, payload)) as Reply;
  if (!reply.ok) throw new Error(`${event}: ${reply.error?.message ?? 'refused'}`);
  return reply.value;
}

/** A client joined to the first master with `token`. */
async function client(token: string): Promise<Socket> {
  const url = MASTERS[0]!;
  const auth = await retried(() => provenJoin(url, { role: 'client', kind: 'node', token }));
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth });
  await new Promise<void>((resolve, reject) => {
    socket.once('welcome', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/**
 * Places and commits one-chunk files for `ms` through `concurrency` clients on the first master,
 * each one write at a time (one client would meet the master's per-socket rate limit).
 */
async function commits(ms: number, concurrency: number, token: string): Promise<void> {
  const clients = await Promise.all(Array.from({ length: concurrency }, () => client(token)));
  const deadline = Date.now() + ms;
  let done = 0;
  let failed = 0;
  let lastError = '';
  const loop = async (socket: Socket): Promise<void> => {
    while (Date.now() < deadline) {
      const name = `load-${randomBytes(8).toString('hex')}`;
      try {
        const placed = (await request(socket, 'place', { name, size: 1024, chunkSize: 1024, segmentChunks: 1 })) as { fileId: string; baseVersion: number; segments: string[][] };
        const holders = placed.segments[0]!;
        const list = randomBytes(32).toString('hex');
        for (const holder of holders) sockets.get(holder)?.emit('sealed', { segments: [{ list, chunks: 1 }] });
        await request(socket, 'commit', {
          fileId: placed.fileId, name, baseVersion: placed.baseVersion, size: 1024, chunkSize: 1024, segmentChunks: 1,
          segments: [{ listHash: list, plainSize: 1024, storedSize: 1024, holders }],
        });
        done++;
      } catch (error) {
        failed++;
        lastError = error instanceof Error ? error.message : String(error);
      }
    }
  };
  const started = Date.now();
  await Promise.all(clients.map(loop));
  for (const socket of clients) socket.disconnect();
  print({ commits: done, failed, seconds: (Date.now() - started) / 1000, ...(lastError ? { lastError } : {}) });
}

async function main(): Promise<void> {
  if (MASTERS.length === 0) throw new Error('SWARM_MASTERS names no master');
  for (let start = 0; start < PEERS; start += JOIN_BATCH) {
    await Promise.all(Array.from({ length: Math.min(JOIN_BATCH, PEERS - start) }, (_, offset) => joinPeer(start + offset)));
  }
  print({ joined: sockets.size });
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, ...args] = line.trim().split(/\s+/);
    if (command === 'commits') await commits(Number(args[0]), Number(args[1]), args[2]!);
    else if (command === 'quit') break;
  }
  for (const socket of sockets.values()) socket.disconnect();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`peer-swarm: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
