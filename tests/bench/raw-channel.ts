/**
 * Raw data-channel throughput for `npm run bench`: the same pool and transport the mesh uses,
 * 64 KiB messages, no storage and no hashing.
 *   tsx raw-channel.ts receive URL [SENDERS]  prints "ready <id>"; once SENDERS (default 1)
 *                                            senders finished, "received <bytes> <ms>"
 *   tsx raw-channel.ts relay URL <next-id>   prints "ready <id>", forwards every message to
 *                                            <next-id> and its answer back (a chain hop)
 *   tsx raw-channel.ts send URL <id> <MiB>   prints "sent <MiB/s>" once the far end answered
 * One sender and one receiver is the ceiling; send → relay → relay → receive is what a write
 * with R = 3 moves, and three senders into one receiver is what a read from 3 peers moves.
 */
import { asPeerId, ConnectionPool, encodeFrame, ephemeralIdentity, FrameType, MasterConnection, nodeRtcEndpoints, type RpcConnection } from '@meshdrive/core';

const MESSAGE_BYTES = 64 * 1024;
const FINAL_FLAG_OFFSET = 3;
const ANSWER = encodeFrame({ type: FrameType.Ok, requestId: 0xfffffff0 });
const [role, url, target, mib] = process.argv.slice(2);
const identity = await ephemeralIdentity();
const id = identity.id;
// The bench logs in for it: MESHDRIVE_TOKEN is its access token.
const master = new MasterConnection(url!, { role: 'client', identity, kind: 'node', token: process.env.MESHDRIVE_TOKEN });
await master.ready();
const isFinal = (message: Uint8Array): boolean => message[FINAL_FLAG_OFFSET] === 1;

if (role === 'receive') {
  let senders = Number(target ?? 1);
  let received = 0;
  let started = 0;
  new ConnectionPool({
    selfId: id,
    signaling: master,
    createEndpoint: nodeRtcEndpoints(),
    onConnection: (connection) => {
      connection.channel.onMessage((message) => {
        if (received === 0) started = performance.now();
        received += message.length;
        if (!isFinal(message)) return;
        // A sender's last message: answer so it can stop its clock.
        void connection.channel.send(ANSWER);
        if (--senders === 0) process.stdout.write(`received ${received} ${(performance.now() - started).toFixed(0)}\n`);
      });
    },
  });
  process.stdout.write(`ready ${id}\n`);
} else if (role === 'relay') {
  let downstream: Promise<RpcConnection> | undefined;
  const pool: ConnectionPool = new ConnectionPool({
    selfId: id,
    signaling: master,
    createEndpoint: nodeRtcEndpoints(),
    onConnection: (upstream) => {
      if (upstream.remoteId === target) return;
      downstream ??= pool.connect(asPeerId(target!));
      // Forward in arrival order, each send waiting for the channel's backpressure.
      let forwarding = Promise.resolve();
      upstream.channel.onMessage((message) => {
        forwarding = forwarding.then(async () => (await downstream!).channel.send(message));
      });
      void downstream.then((next) => next.channel.onMessage((answer) => void upstream.channel.send(answer)));
    },
  });
  process.stdout.write(`ready ${id}\n`);
} else {
  const pool = new ConnectionPool({ selfId: id, signaling: master, createEndpoint: nodeRtcEndpoints() });
  const connection = await pool.connect(asPeerId(target!));
  const total = Number(mib) * 1024 * 1024;
  const body = new Uint8Array(MESSAGE_BYTES - 16).fill(7);
  const done = new Promise<void>((resolve) => connection.channel.onMessage(() => resolve()));
  // Encoded once, as the mesh reuses its frame buffers: a channel copies a message as it takes it.
  const [middle, last] = [0, 1].map((flags) => encodeFrame({ type: FrameType.Data, requestId: 0xfffffff1, flags, body }));
  const started = performance.now();
  for (let sent = 0; sent < total; sent += MESSAGE_BYTES) {
    await connection.channel.send(sent + MESSAGE_BYTES >= total ? last! : middle!);
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`sent ${(total / 1024 / 1024 / seconds).toFixed(2)}\n`);
  process.exit(0);
}
