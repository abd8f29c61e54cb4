/**
 * The root tsconfig resolves `@meshdrive/core` with Node conditions (index.ts), while Vite
 * bundles the web app with the `browser` condition (index.browser.ts), which adds the browser
 * adapters. Declaring them here, typed from their own source, keeps both views in step.
 */
import type { browserHasher as BrowserHasher } from '../../../packages/core/src/codec/hasher.browser.js';
import type { IdbStore as BrowserIdbStore } from '../../../packages/core/src/stores/idb-store.browser.js';
import type { browserRtcEndpoints as BrowserRtcEndpoints } from '../../../packages/core/src/transport/webrtc.browser.js';

declare module '@meshdrive/core' {
  export const browserHasher: typeof BrowserHasher;
  export const browserRtcEndpoints: typeof BrowserRtcEndpoints;
  export const IdbStore: typeof BrowserIdbStore;
  export type IdbStore = BrowserIdbStore;
}
