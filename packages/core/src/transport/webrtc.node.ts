/** Node's WebRTC: simple-peer over @roamhq/wrtc (the maintained fork of `wrtc`). */
import { createRequire } from 'node:module';
import Peer from 'simple-peer';
import type { RtcEndpointFactory } from './pool.js';
import { simplePeerEndpoints } from './simple-peer-endpoint.js';
import { UdpReceiveBuffers, type UdpBufferResult } from './udp-buffers.node.js';

const require = createRequire(import.meta.url);

/** One per process (every endpoint's sockets are found by scanning its files), made on first use. */
let udpBuffers: UdpReceiveBuffers | undefined;

export interface NodeRtcOptions {
  /** Told, after each connection opens, about the UDP sockets it enlarged (if any). */
  onUdpBuffers?: (result: UdpBufferResult, supported: boolean) => void;
}

export function nodeRtcEndpoints(options: NodeRtcOptions = {}): RtcEndpointFactory {
  // Loaded lazily: the native module costs ~100 ms and processes that never dial skip it.
  const wrtc = require('@roamhq/wrtc') as NonNullable<Peer.Options['wrtc']>;
  const buffers = (udpBuffers ??= new UdpReceiveBuffers());
  const create = simplePeerEndpoints({
    Peer,
    wrtc,
    yieldToLoop: () => new Promise((resolve) => setImmediate(resolve)),
  });
  return (request) => {
    const endpoint = create(request);
    // The connection's sockets exist once it opens, before any data: enlarge them now.
    endpoint.connected.then(
      () => {
        const result = buffers.enlarge();
        if (result.sockets > 0 || !buffers.supported) options.onUdpBuffers?.(result, buffers.supported);
      },
      () => undefined,
    );
    return endpoint;
  };
}
