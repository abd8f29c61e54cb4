/**
 * RtcEndpoint over simple-peer. The platform files pass in the simple-peer constructor, the
 * WebRTC implementation (@roamhq/wrtc in Node, none in browsers) and how to yield.
 */
import type SimplePeer from 'simple-peer';
import type { PeerId } from '../ids.js';
import type { YieldToLoop } from './frame-channel.js';
import type { RtcEndpoint, RtcEndpointFactory } from './pool.js';
import { SimplePeerChannel, type WaitForDrain } from './simple-peer-channel.js';

export interface SimplePeerPlatform {
  Peer: typeof SimplePeer;
  wrtc?: SimplePeer.Options['wrtc'];
  yieldToLoop: YieldToLoop;
  /** How to wait for a full send buffer to drain; polling with 1 ms sleeps without it. */
  waitForDrain?: WaitForDrain;
  /** ICE servers; empty by default so nothing ever leaves the machine or its test namespace. */
  iceServers?: RTCIceServer[];
}

export function simplePeerEndpoints(platform: SimplePeerPlatform): RtcEndpointFactory {
  return ({ initiator, remoteId }) => createEndpoint(platform, initiator, remoteId);
}

function createEndpoint(platform: SimplePeerPlatform, initiator: boolean, remoteId: PeerId): RtcEndpoint {
  const peer = new platform.Peer({
    initiator,
    trickle: true,
    wrtc: platform.wrtc,
    config: { iceServers: platform.iceServers ?? [] },
    channelConfig: { ordered: true },
  });
  const connected = new Promise<SimplePeerChannel>((resolve, reject) => {
    peer.once('connect', () => resolve(new SimplePeerChannel(remoteId, peer, platform.yieldToLoop, platform.waitForDrain)));
    peer.once('error', (error: Error) => reject(error));
    peer.once('close', () => reject(new Error('connection closed before it opened')));
  });
  connected.catch(() => undefined);
  return {
    signal: (data) => {
      try {
        peer.signal(data as SimplePeer.SignalData);
      } catch {
        // A malformed or late signal must not take the process down; the attempt times out.
      }
    },
    onSignal: (listener) => {
      peer.on('signal', listener);
    },
    connected,
    destroy: () => {
      peer.destroy();
    },
  };
}
