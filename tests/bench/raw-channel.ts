/**
 * The ceiling for `npm run bench`: raw data-channel throughput between two Node processes,
 * through the same pool and transport the mesh uses, with 64 KiB messages and no storage.
 *   tsx raw-channel.ts receive URL            prints "ready <id>", then "received <bytes> <ms>"
 *   tsx raw-channel.ts send URL <id> <MiB>    prints "sent <MiB/s>"
 */
import { asPeerId, ConnectionPool, encodeFrame, FrameType, MasterConnection, nodeRtcEndpoints, randomId } from '@meshdrive/core';

const MESSAGE_BYTES = 64 * 1024;
const [role, url, target, mib] = process.argv.slice(2);
const id = asPeerId(randomId());
const master = new MasterConnection(url!, { role: 'client', id, kind: 'node' });
await master.ready();

if (role === 'receive') {
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
        if (message[3] === 1) {
          // The sender's last message: answer so it can stop its clock.
          void connection.channel.send(encodeFrame({ type: FrameType.Ok, requestId: 0xfffffff0 }));
          process.stdout.write(`received ${received} ${(performance.now() - started).toFixed(0)}\n`);
        }
      });
    },
  });
  process.stdout.write(`ready ${id}\n`);
} else {
  const pool = new ConnectionPool({ selfId: id, signaling: master, createEndpoint: nodeRtcEndpoints() });
  const connection = await pool.connect(asPeerId(target!));
  const total = Number(mib) * 1024 * 1024;
  const body = new Uint8Array(MESSAGE_BYTES - 16).fill(7);
  const done = new Promise<void>((resolve) => connection.channel.onMessage(() => resolve()));
  const started = performance.now();
  for (let sent = 0; sent < total; sent += MESSAGE_BYTES) {
    const last = sent + MESSAGE_BYTES >= total;
    await connection.channel.send(encodeFrame({ type: FrameType.Data, requestId: 0xfffffff1, flags: last ? 1 : 0, body }));
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`sent ${(total / 1024 / 1024 / seconds).toFixed(2)}\n`);
  process.exit(0);
}
