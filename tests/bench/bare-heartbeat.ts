/**
 * The ceiling for the master load bench: a bare socket.io server that does only what the
 * master's heartbeat does, in the same shape (every HEARTBEAT_MS, an acknowledged `heartbeat` to
 * every socket, with a timeout), and nothing else. It prints `{"port": N}`, then, for each
 * `metrics` line on stdin, the round trips since the last as JSON.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { Server } from 'socket.io';
import { LatencyRing } from '../../apps/signal/src/services/latency.js';

const HEARTBEAT_MS = Number(process.env.BARE_HEARTBEAT_MS ?? 200);
const http = createServer();
const io = new Server(http, { serveClient: false });
const rtts = new LatencyRing();
let seq = 0;
setInterval(() => {
  seq++;
  for (const socket of io.sockets.sockets.values()) {
    const sent = performance.now();
    socket.timeout(10_000).emit('heartbeat', { seq }, (error: Error | null) => {
      if (!error) rtts.record(performance.now() - sent);
    });
  }
}, HEARTBEAT_MS);
http.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (http.address() as AddressInfo).port })}\n`));
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'metrics') process.stdout.write(`${JSON.stringify({ connections: io.sockets.sockets.size, heartbeat: rtts.take() })}\n`);
}
