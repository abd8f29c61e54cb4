/**
 * @meshdrive/core for browsers: the shared library plus WebCrypto hashing and WebRTC through
 * the browser's own RTCPeerConnection, and the IndexedDB store.
 */
export * from './shared-exports.js';
export { browserHasher } from './codec/hasher.browser.js';
export { browserRtcEndpoints } from './transport/webrtc.browser.js';
export { IdbStore } from './stores/idb-store.browser.js';
