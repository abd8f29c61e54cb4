/** Browser WebRTC: simple-peer's prebuilt bundle (it carries its own Buffer) over the native RTCPeerConnection. */
import Peer from 'simple-peer/simplepeer.min.js';
import type { RtcEndpointFactory } from './pool.js';
import { simplePeerEndpoints } from './simple-peer-endpoint.js';

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

export function browserRtcEndpoints(): RtcEndpointFactory {
  return simplePeerEndpoints({ Peer, yieldToLoop });
}
