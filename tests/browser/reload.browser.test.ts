/** A reloaded tab is the same peer: its id and chunks live in IndexedDB, and it comes back online. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  buildWebApp,
  joined,
  launchChromium,
  openPersistentTab,
  openTab,
  randomBytes,
  removeDir,
  startMaster,
  tempDir,
  uploadThroughUi,
  waitForOnlinePeers,
  type MasterProcess,
  type Tab,
} from './harness.js';

describe('reloading a tab', () => {
  let master: MasterProcess;
  let browser: Browser;
  let persistent: Tab;
  let other: Tab;
  const profile = tempDir('reload-profile');

  beforeAll(async () => {
    buildWebApp();
    master = await startMaster();
    browser = await launchChromium();
    persistent = await openPersistentTab(profile, `${master.url}/`);
    other = await openTab(browser, `${master.url}/`);
    await waitForOnlinePeers(persistent.page, 2);
  }, 60_000);

  afterAll(async () => {
    await persistent?.close();
    await browser?.close();
    await master?.stop();
    removeDir(profile);
  });

  it('keeps its peer id and chunks, and is online again', async () => {
    await uploadThroughUi(other.page, 'kept.bin', randomBytes(1024 * 1024 + 3, 5));
    // With two peers and R=3, both tabs hold every segment. The tab reads its counters once a second.
    await persistent.page.waitForFunction(() => window.meshdrive!.stats().chunks > 1024, undefined, { timeout: 5_000, polling: 100 });
    const before = await persistent.page.evaluate(() => window.meshdrive!.stats());

    await persistent.page.reload();
    const state = await joined(persistent.page);
    expect(state.peerId).toBe(persistent.peerId);
    expect(state.stats).toEqual(before);
    // The chunks themselves, not only the counters: count the packs' hash lists in IndexedDB directly.
    const keys = await persistent.page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('meshdrive');
          open.onerror = () => reject(open.error ?? new Error('open failed'));
          open.onsuccess = () => {
            const lists = open.result.transaction('packHashes').objectStore('packHashes').getAll();
            lists.onsuccess = () => {
              resolve((lists.result as ArrayBuffer[]).reduce((sum, list) => sum + list.byteLength / 32, 0));
              open.result.close();
            };
          };
        }),
    );
    expect(keys).toBe(before.chunks);
    // Its own view after rejoining (fetched after the reconnect, so not a pre-reload snapshot).
    await persistent.page.waitForFunction(
      (id) => window.meshdrive!.state().mesh?.peers.find((peer) => peer.id === id)?.status === 'online',
      persistent.peerId,
      { timeout: 10_000 },
    );
    expect(persistent.errors).toEqual([]);
  }, 60_000);
});
