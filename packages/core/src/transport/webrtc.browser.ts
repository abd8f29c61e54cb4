/** Browser WebRTC: simple-peer's prebuilt bundle (it carries its own Buffer) over the native RTCPeerConnection. */
import Peer from 'simple-peer/simplepeer.min.js';
import type SimplePeer from 'simple-peer';
import type { RtcEndpointFactory } from './pool.js';
import { dataChannelOf, simplePeerEndpoints } from './simple-peer-endpoint.js';

const yieldChannel = new MessageChannel();
const waiting: (() => void)[] = [];
yieldChannel.port1.onmessage = () => waiting.shift()?.();

/** A macrotask without setTimeout's 4 ms clamp. */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    yieldChannel.port2.postMessage(0);
  });
}

/**
 * Waits for the data channel's `bufferedamountlow` event rather than polling with timers, which
 * Chromium throttles in hidden tabs (to once a minute after five minutes hidden). We never use
 * simple-peer's stream writes, so its threshold is ours to set.
 */
function waitForDrain(peer: SimplePeer.Instance, lowWaterBytes: number): Promise<void> {
  const channel = dataChannelOf(peer);
  if (!channel || channel.readyState !== 'open' || channel.bufferedAmount <= lowWaterBytes) return Promise.resolve();
  channel.bufferedAmountLowThreshold = lowWaterBytes;
  return new Promise((resolve) => {
    const done = (): void => {
      channel.removeEventListener('bufferedamountlow', done);
      channel.removeEventListener('close', done);
      resolve();
    };
    channel.addEventListener('bufferedamountlow', done);
    channel.addEventListener('close', done);
  });
}

export function browserRtcEndpoints(): RtcEndpointFactory {
  return simplePeerEndpoints({ Peer, yieldToLoop, waitForDrain });
}
