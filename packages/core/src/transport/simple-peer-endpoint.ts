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

/**
 * simple-peer's data channel, which it does not expose: created at once on the dialing side, on
 * arrival on the answering side. The one place that reaches into simple-peer's internals.
 */
export function dataChannelOf(peer: SimplePeer.Instance): RTCDataChannel | undefined {
  const channel = (peer as unknown as { _channel?: unknown })._channel;
  return channel && typeof (channel as EventTarget).addEventListener === 'function' ? (channel as RTCDataChannel) : undefined;
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
  const channel = new SimplePeerChannel(remoteId, peer, platform.yieldToLoop, platform.waitForDrain);
  // simple-peer emits 'connect' only once getStats reports a selected candidate pair, polled
  // every 100 ms; with @roamhq/wrtc that took up to 6 s after the data channel was already
  // open, and a read waited for it. The channel is usable as soon as it is open (dialing side)
  // or a message arrives on it (answering side), whichever comes first.
  const connected = new Promise<SimplePeerChannel>((resolve, reject) => {
    const ready = (): void => resolve(channel);
    peer.once('connect', ready);
    peer.once('data', ready);
    dataChannelOf(peer)?.addEventListener('open', ready, { once: true });
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
