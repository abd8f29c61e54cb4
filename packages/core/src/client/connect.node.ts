/** A client for a Node process: the socket.io master connection, a WebRTC connection pool, node:crypto. */
import { createClient } from './create-client.js';
import type { MeshClient } from './mesh-client.js';
import { nodeHasher } from '../codec/hasher.node.js';
import { asPeerId, randomId } from '../ids.js';
import type { Layout } from '../chunking/layout.js';
import { MasterConnection } from '../transport/master-connection.js';
import { followPeerHealth } from '../peer/mesh-peer.js';
import { ConnectionPool } from '../transport/pool.js';
import { nodeRtcEndpoints } from '../transport/webrtc.node.js';

export interface ConnectedClient {
  client: MeshClient;
  master: MasterConnection;
  close(): void;
}

export async function connectClient(options: { signalUrl: string; token?: string; layout?: Layout; connectTimeoutMs?: number }): Promise<ConnectedClient> {
  const id = asPeerId(randomId());
  const master = new MasterConnection(options.signalUrl, { role: 'client', id, kind: 'node', token: options.token });
  const pool = new ConnectionPool({ selfId: id, signaling: master, createEndpoint: nodeRtcEndpoints() });
  followPeerHealth(master, pool);
  try {
    await master.ready(options.connectTimeoutMs);
  } catch (error) {
    master.close();
    throw error;
  }
  const client = createClient({ master, connect: (peer) => pool.connect(peer), hasher: nodeHasher, layout: options.layout });
  return {
    client,
    master,
    close() {
      pool.close();
      master.close();
    },
  };
}
