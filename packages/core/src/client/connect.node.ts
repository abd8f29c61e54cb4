/** A client for a Node process: a client link with @roamhq/wrtc and node:crypto, once the master answers. */
import { hostname } from 'node:os';
import type { Layout } from '../chunking/layout.js';
import { nodeHasher } from '../codec/hasher.node.js';
import { nodeRtcEndpoints } from '../transport/webrtc.node.js';
import type { TokenSource } from '../transport/master-connection.js';
import { openClientLink, type ClientLink } from './client-link.js';
import type { Sealing } from './sealing.js';

export type ConnectedClient = ClientLink;

export async function connectClient(options: { signalUrl: string; token?: TokenSource; layout?: Layout; connectTimeoutMs?: number; sealing?: Sealing }): Promise<ConnectedClient> {
  const link = await openClientLink({ ...options, kind: 'node', device: `the command line on ${hostname()}`, createEndpoint: nodeRtcEndpoints(), hasher: nodeHasher });
  try {
    await link.master.ready(options.connectTimeoutMs);
  } catch (error) {
    link.close();
    throw error;
  }
  return link;
}
