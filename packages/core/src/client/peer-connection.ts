/**
 * What the client's writer and reader need of a line to a peer: requests with replies or
 * streamed Data frames, and notifications. An RpcConnection is one, over a WebRTC data channel
 * in the apps and over an in-memory channel in tests.
 */
import type { PeerId } from '../ids.js';
import type { RpcConnection } from '../transport/rpc.js';

export type PeerConnection = Pick<RpcConnection, 'request' | 'notify'>;

/** Opens (or reuses) the connection to `peer`. */
export type ConnectPeer = (peer: PeerId) => Promise<PeerConnection>;
