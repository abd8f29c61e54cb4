/**
 * A client-only endpoint on the mesh, the same in Node and in browsers: a socket.io line to the
 * master under a fresh id, a WebRTC connection pool that drops peers the master reports lost,
 * and the client over both. The platform brings its WebRTC endpoints and its hasher.
 */
import type { Layout } from '../chunking/layout.js';
import type { Hasher } from '../codec/hasher.js';
import { asPeerId, randomId, type PeerId } from '../ids.js';
import { followPeerHealth } from '../peer/mesh-peer.js';
import { MasterConnection, type TokenSource } from '../transport/master-connection.js';
import { ConnectionPool, type RtcEndpointFactory } from '../transport/pool.js';
import type { PeerKind } from '../wire/signal-protocol.js';
import { createClient } from './create-client.js';
import type { MeshClient } from './mesh-client.js';

export interface ClientLinkOptions {
  signalUrl: string;
  kind: PeerKind;
  createEndpoint: RtcEndpointFactory;
  hasher: Hasher;
  token?: TokenSource;
  label?: string;
  layout?: Layout;
  /** This client is the tab whose storage peer (this id) stopped contributing: the mesh shows that peer as paused. */
  pauses?: PeerId;
}

export interface ClientLink {
  client: MeshClient;
  master: MasterConnection;
  close(): void;
}

/** Opens the link; the master connection keeps trying in the background (see MasterConnection.ready). */
export function openClientLink(options: ClientLinkOptions): ClientLink {
  const id = asPeerId(randomId());
  const master = new MasterConnection(options.signalUrl, { role: 'client', id, kind: options.kind, token: options.token, label: options.label, pauses: options.pauses });
  const pool = new ConnectionPool({ selfId: id, signaling: master, createEndpoint: options.createEndpoint });
  followPeerHealth(master, pool);
  return {
    client: createClient({ master, connect: (peer) => pool.connect(peer), hasher: options.hasher, layout: options.layout }),
    master,
    close() {
      pool.close();
      master.close();
    },
  };
}
