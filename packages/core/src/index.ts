/**
 * @meshdrive/core: chunking, manifests, the ring, the wire protocol, stores, transport and the
 * client API, shared by the master, the CLI and the web app. This entry adds the Node adapters
 * (node:crypto hashing, the pack and SQLite stores, @roamhq/wrtc); browsers get index.browser.ts.
 *
 * @example
 * const client = await connectClient({ signalUrl: 'http://127.0.0.1:7070' });
 * await client.store('notes.txt', bytesSource(new TextEncoder().encode('hello')));
 */
export * from './shared-exports.js';
export { nodeHasher } from './codec/hasher.node.js';
export { nodeCryptoSuite } from './crypto/crypto-suite.node.js';
export { nodeCompressor } from './codec/compressor.node.js';
export { nodeSealing } from './client/sealing.node.js';
export { SqliteStore } from './stores/sqlite-store.node.js';
export { PackStore } from './stores/pack-store.node.js';
export { nodeRtcEndpoints, type NodeRtcOptions } from './transport/webrtc.node.js';
export { UDP_RECEIVE_BUFFER_BYTES, UdpReceiveBuffers, type UdpBufferResult } from './transport/udp-buffers.node.js';
export { connectClient, type ConnectedClient } from './client/connect.node.js';
