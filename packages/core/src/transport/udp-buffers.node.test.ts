/** Enlarging UDP receive buffers, on real sockets of this process. Linux only, as the code is. */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UdpReceiveBuffers } from './udp-buffers.node.js';

const MIB = 1024 * 1024;
const opened: (Socket | Server)[] = [];

async function udpSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  opened.push(socket);
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

afterEach(() => {
  for (const handle of opened.splice(0)) handle.close();
});

describe.runIf(process.platform === 'linux')('UdpReceiveBuffers', () => {
  it('loads its libc bindings here', () => {
    expect(new UdpReceiveBuffers().supported).toBe(true);
  });

  it('enlarges a UDP socket opened before the call, once, and leaves TCP sockets alone', async () => {
    const server = createServer();
    opened.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = await udpSocket();
    const before = socket.getRecvBufferSize();
    const buffers = new UdpReceiveBuffers(MIB);
    const result = buffers.enlarge();
    const after = socket.getRecvBufferSize();
    expect(result.sockets).toBe(1); // the UDP socket; the listening TCP socket is not counted
    expect(result.smallestBytes).toBe(after);
    // Linux doubles what it is given; without privilege it caps it at net.core.rmem_max.
    expect(after).toBeGreaterThan(before);
    if (process.getuid?.() === 0) expect(after).toBe(2 * MIB);
    expect(buffers.enlarge().sockets).toBe(0);
  });

  it('finds sockets opened after an earlier call', async () => {
    const buffers = new UdpReceiveBuffers(MIB);
    const first = await udpSocket();
    expect(buffers.enlarge().sockets).toBe(1);
    const second = await udpSocket();
    const before = second.getRecvBufferSize();
    expect(buffers.enlarge().sockets).toBe(1);
    expect(second.getRecvBufferSize()).toBeGreaterThan(before);
    expect(second.getRecvBufferSize()).toBe(first.getRecvBufferSize());
  });
});
