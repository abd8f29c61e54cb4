/**
 * Larger kernel receive buffers for @roamhq/wrtc's UDP sockets, as QUIC stacks ask for theirs.
 *
 * Linux gives a UDP socket 208 KiB to queue datagrams its owner has not read yet: about 90
 * of WebRTC's ~1.2 KB packets, 2 ms of a 50 MiB/s stream. On two busy cores libwebrtc's
 * network thread is often off the CPU longer than that, the kernel drops what arrives
 * (~0.7% of datagrams in a 64 MiB transfer here), and SCTP waits for its retransmission timer:
 * the link falls silent for ~400 ms. libwebrtc would enlarge the buffer behind a field trial
 * the binding never turns on, so this does it from outside: it finds the process's UDP sockets
 * among its open files and sets SO_RCVBUF on each through libc (koffi, a C FFI). Linux-only;
 * elsewhere, or without koffi, nothing changes.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The receive buffer asked for, per socket. Linux doubles it for its own bookkeeping and caps
 * a plain SO_RCVBUF at net.core.rmem_max; a privileged process (CAP_NET_ADMIN) may exceed it.
 */
export const UDP_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

// <sys/socket.h> on Linux, the same on every architecture Node runs on.
const SOL_SOCKET = 1;
const SO_TYPE = 3;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
const SO_DOMAIN = 39;
const SOCK_DGRAM = 2;
const AF_INET = 2;
const AF_INET6 = 10;

interface SocketOptions {
  /** The option's value, or undefined if the call failed (not a socket, closed meanwhile). */
  get(fd: number, name: number): number | undefined;
  /** True if the kernel took the value. */
  set(fd: number, name: number, value: number): boolean;
}

/** libc's getsockopt and setsockopt through koffi; undefined off Linux or without koffi. */
function loadSocketOptions(): SocketOptions | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const libc = koffi.load('libc.so.6');
    const getsockopt = libc.func('int getsockopt(int fd, int level, int name, _Out_ int *value, _Inout_ uint32_t *length)');
    const setsockopt = libc.func('int setsockopt(int fd, int level, int name, _In_ int *value, uint32_t length)');
    return {
      get(fd, name) {
        const value = [0];
        return getsockopt(fd, SOL_SOCKET, name, value, [4]) === 0 ? value[0] : undefined;
      },
      set: (fd, name, value) => setsockopt(fd, SOL_SOCKET, name, [value], 4) === 0,
    };
  } catch {
    return undefined; // koffi missing or built for another platform, or another libc
  }
}

export interface UdpBufferResult {
  /** Sockets found that had not been enlarged yet. */
  sockets: number;
  /** The smallest receive buffer among them afterwards, as the kernel reports it (doubled). */
  smallestBytes: number | undefined;
}

/** Enlarges the UDP sockets of this process, each once. */
export class UdpReceiveBuffers {
  /** Sockets done, by inode: those open at the last pass. */
  private done = new Set<string>();

  constructor(
    private readonly bytes = UDP_RECEIVE_BUFFER_BYTES,
    private readonly options = loadSocketOptions(),
  ) {}

  /** False where this cannot work (not Linux, no koffi): enlarge() then does nothing. */
  get supported(): boolean {
    return this.options !== undefined;
  }

  /** Enlarges every UDP socket opened since the last call. Cheap: one readdir of /proc/self/fd. */
  enlarge(): UdpBufferResult {
    const result: UdpBufferResult = { sockets: 0, smallestBytes: undefined };
    const options = this.options;
    if (!options) return result;
    const open = new Set<string>();
    let names: string[];
    try {
      names = readdirSync('/proc/self/fd');
    } catch {
      return result;
    }
    for (const name of names) {
      let target: string;
      try {
        target = readlinkSync(`/proc/self/fd/${name}`);
      } catch {
        continue; // closed meanwhile
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (!inode) continue;
      open.add(inode);
      if (this.done.has(inode)) continue;
      this.done.add(inode);
      const fd = Number(name);
      const domain = options.get(fd, SO_DOMAIN);
      if (options.get(fd, SO_TYPE) !== SOCK_DGRAM || (domain !== AF_INET && domain !== AF_INET6)) continue;
      if (!options.set(fd, SO_RCVBUFFORCE, this.bytes)) options.set(fd, SO_RCVBUF, this.bytes);
      const size = options.get(fd, SO_RCVBUF);
      if (size === undefined) continue;
      result.sockets++;
      result.smallestBytes = Math.min(result.smallestBytes ?? size, size);
    }
    this.done = open; // every open socket is done by now; closed ones drop out
    return result;
  }
}
