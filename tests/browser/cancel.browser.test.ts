/**
 * Cancel cancels: an upload cancelled at ~10% greys at once, the tab queues no more bytes on its
 * data channels within 500 ms, and nothing is committed. Bytes are counted from the tab's own
 * RTCPeerConnections (getStats), recorded by an init script before the app loads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  buildWebApp,
  chooseFile,
  dataChannelBuffered,
  dataChannelBytes,
  launchChromium,
  masterState,
  openTab,
  randomBytes,
  RECORD_CONNECTIONS,
  startMaster,
  startNodePeer,
  waitForOnlinePeers,
  type MasterProcess,
  type NodePeerProcess,
  type Tab,
} from './harness.js';

const MiB = 1024 * 1024;
const FILE_BYTES = 40 * MiB;

describe('cancelling an upload', () => {
  let master: MasterProcess;
  const nodes: NodePeerProcess[] = [];
  let browser: Browser;
  let tab: Tab;

  beforeAll(async () => {
    buildWebApp();
    master = await startMaster();
    for (let i = 0; i < 3; i++) nodes.push(await startNodePeer(master.url, undefined, ['--capacity', '1GiB']));
    browser = await launchChromium();
    tab = await openTab(browser, `${master.url}/`, { initScript: RECORD_CONNECTIONS });
    // A client only: its chunks go to the three headless peers, none to this tab's own store.
    await tab.page.getByRole('tab', { name: 'This device' }).click();
    await tab.page.getByRole('button', { name: 'Stop contributing' }).click();
    await tab.page.waitForFunction(() => window.meshdrive?.state().contributing === false && window.meshdrive.state().link === 'connected');
    await waitForOnlinePeers(tab.page, 3);
    await tab.page.getByRole('tab', { name: 'Files' }).click();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const node of nodes) await node.stop();
    await master?.stop();
  });

  it('stops at once: the row greys within 500 ms, no more bytes move after that, and nothing is committed', async () => {
    const { page } = tab;
    const name = 'cancel-me.bin';
    await chooseFile(page, name, randomBytes(FILE_BYTES, 31));
    const row = page.locator(`md-transfer-list li[data-transfer="${name}"]`);
    // Cancelled once a tenth of the file is on the wire: by bytes sent, not by the progress bar,
    // which counts only segments every replica has sealed. Waiting for 10% there let a loaded
    // machine hand the channels the whole file first (16 segments in flight, some hedged).
    const deadline = Date.now() + 60_000;
    let before = 0;
    while ((before = await dataChannelBytes(page, 'bytesSent')) < FILE_BYTES * 0.1) {
      if (Date.now() > deadline) throw new Error(`only ${before} bytes sent after 60 s`);
      await page.waitForTimeout(20);
    }

    const cancelledAt = Date.now();
    await row.getByRole('button', { name: `Cancel upload of ${name}` }).click();
    await row.and(page.locator('[data-phase="cancelled"]')).waitFor({ timeout: 500 });
    expect(await row.innerText()).not.toMatch(/\/s/); // no speed left on a stopped row

    await page.waitForTimeout(Math.max(0, cancelledAt + 500 - Date.now()));
    // What the page handed its channels before then may still drain onto the wire; from then on it hands them nothing.
    const [sent, buffered] = await Promise.all([dataChannelBytes(page, 'bytesSent'), dataChannelBuffered(page)]);
    const settled = sent + buffered;
    await page.waitForTimeout(2_000);
    // Sent plus still buffered never grows: the page handed its channels nothing more.
    const [sentLater, bufferedLater] = await Promise.all([dataChannelBytes(page, 'bytesSent'), dataChannelBuffered(page)]);
    expect(sentLater + bufferedLater).toBeLessThanOrEqual(settled);
    expect(settled).toBeLessThan(FILE_BYTES * 0.9);

    const state = await masterState(page);
    expect(state.files.map((file) => file.name)).not.toContain(name);
    expect(await row.getAttribute('data-phase')).toBe('cancelled');
    expect(tab.errors).toEqual([]);
  }, 120_000);
});
