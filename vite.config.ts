/**
 * Builds the web app (apps/web) into apps/web/dist, which the master serves at `/`. Two pages:
 * the app itself and store-test.html, which runs the chunk-store acceptance suite on
 * IndexedDB for the Playwright tests. simple-peer comes in prebuilt (see webrtc.browser.ts),
 * so no Node polyfills or `global` defines are needed.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('./apps/web', import.meta.url));

export default defineConfig({
  root: webRoot,
  base: './',
  build: {
    outDir: `${webRoot}/dist`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: {
        app: `${webRoot}/index.html`,
        storeTest: `${webRoot}/store-test.html`,
      },
    },
  },
  server: { host: '127.0.0.1' },
});
