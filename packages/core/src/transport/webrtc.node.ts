/** Node's WebRTC: simple-peer over @roamhq/wrtc (the maintained fork of `wrtc`). */
import { createRequire } from 'node:module';
import Peer from 'simple-peer';
import type { RtcEndpointFactory } from './pool.js';
import { simplePeerEndpoints } from './simple-peer-endpoint.js';

const require = createRequire(import.meta.url);

export function nodeRtcEndpoints(): RtcEndpointFactory {
  // Loaded lazily: the native module costs ~100 ms and processes that never dial skip it.
  const wrtc = require('@roamhq/wrtc') as NonNullable<Peer.Options['wrtc']>;
  return simplePeerEndpoints({
    Peer,
    wrtc,
    yieldToLoop: () => new Promise((resolve) => setImmediate(resolve)),
  });
}
