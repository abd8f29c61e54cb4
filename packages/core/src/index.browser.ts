/**
 * @meshdrive/core for browsers: the shared library plus WebCrypto hashing and WebRTC through
 * the browser's own RTCPeerConnection. The IndexedDB store lives with the web app.
 */
export * from './shared-exports.js';
export { browserHasher } from './hasher.browser.js';
export { browserRtcEndpoints } from './transport/webrtc.browser.js';
