/**
 * A client-only endpoint on the mesh, the same in Node and in browsers: a socket.io line to the
 * master under a fresh identity, a WebRTC connection pool that drops peers the master reports lost,
 * and the client over both. The platform brings its WebRTC endpoints and its hasher.
 */
import type { Layout } from '../chunking/layout.js';
import type { Hasher } from '../codec/hasher.js';
import type { PeerId } from '../ids.js';
import { ephemeralIdentity } from '../peer/identity.js';
import { followPeerHealth } from '../peer/mesh-peer.js';
import { MasterConnection, type TokenSource } from '../transport/master-connection.js';
import { ConnectionPool, type RtcEndpointFactory } from '../transport/pool.js';
import type { PeerKind } from '../wire/signal-protocol.js';
import { createClient } from './create-client.js';
import type { MeshClient } from './mesh-client.js';
import type { Sealing } from './sealing.js';

export interface ClientLinkOptions {
  signalUrl: string;
  kind: PeerKind;
  createEndpoint: RtcEndpointFactory;
  hasher: Hasher;
  token?: TokenSource;
  label?: string;
  /** What it runs on ("the command line on laptop"): what others are told when it holds a lock. */
  device?: string;
  layout?: Layout;
  /** The user's keys: files are sealed in this client (client/sealing.ts). */
  sealing?: Sealing;
  /** This client is the tab whose storage peer (this id) stopped contributing: the mesh shows that peer as paused. */
  pauses?: PeerId;
}

export interface ClientLink {
  client: MeshClient;
  master: MasterConnection;
  close(): void;
}

/** Opens the link under a fresh identity; the master connection keeps trying in the background (see MasterConnection.ready). */
export async function openClientLink(options: ClientLinkOptions): Promise<ClientLink> {
  const identity = await ephemeralIdentity();
  const id = identity.id;
  const master = new MasterConnection(options.signalUrl, { role: 'client', identity, kind: options.kind, token: options.token, label: options.label, device: options.device, pauses: options.pauses });
  const pool = new ConnectionPool({ selfId: id, signaling: master, createEndpoint: options.createEndpoint });
  followPeerHealth(master, pool);
  const client = createClient({ master, connect: (peer) => pool.connect(peer), hasher: options.hasher, layout: options.layout, ...(options.sealing ? { sealing: options.sealing } : {}) });
  // A peer came, went or changed: the ring may have moved, so cached placements are asked for afresh.
  master.socket.on('peer-status', () => client.forgetPlacements());
  return {
    client,
    master,
    close() {
      pool.close();
      master.close();
    },
  };
}
