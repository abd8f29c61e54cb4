/**
 * The one way to make a client, in Node and in browsers alike: give it the master (a
 * MasterPort), a way to reach peers and a hasher; the codec, layout and clock have defaults.
 *
 * @example
 * const client = createClient({ master, connect: (peer) => pool.connect(peer), hasher: nodeHasher });
 * await client.store('notes.txt', bytesSource(bytes));
 */
import { systemClock, type Clock } from '../clock.js';
import type { Hasher } from '../codec/hasher.js';
import { identityCodec, type SegmentCodec } from '../codec/segment-codec.js';
import { Hedger } from '../concurrency.js';
import { DEFAULT_LAYOUT, type Layout } from '../chunking/layout.js';
import type { MasterPort } from './master-port.js';
import type { Sealing } from './sealing.js';
import { MeshClient, WRITE_HEDGE } from './mesh-client.js';
import type { ConnectPeer } from './peer-connection.js';
import { READ_HEDGE } from './read-scheduler.js';
import { SegmentReader } from './segment-reader.js';

export interface ClientOptions {
  master: MasterPort;
  connect: ConnectPeer;
  hasher: Hasher;
  /** How segments are stored without `sealing` (identity: as they are). */
  codec?: SegmentCodec;
  /** The user's keys: every file is compressed and encrypted in this client (client/sealing.ts). */
  sealing?: Sealing;
  /** Chunk and segment size of new files (reads follow each file's own). */
  layout?: Layout;
  clock?: Clock;
}

export function createClient(options: ClientOptions): MeshClient {
  const { master, connect, hasher } = options;
  const clock = options.clock ?? systemClock;
  return new MeshClient({
    master,
    connect,
    hasher,
    codec: options.codec ?? identityCodec,
    layout: options.layout ?? DEFAULT_LAYOUT,
    clock,
    ...(options.sealing ? { sealing: options.sealing } : {}),
    reader: new SegmentReader({ connect, hasher }),
    readHedge: new Hedger(READ_HEDGE, clock),
    writeHedge: new Hedger(WRITE_HEDGE, clock),
  });
}
