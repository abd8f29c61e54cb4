/**
 * A hidden, throttled tab stays a peer: heartbeats are driven by the master and answered from
 * the socket.io event handler, never from a timer, so throttled timers must not make the tab
 * stale, and it must still serve reads. Headless Chromium keeps every page "visible", so the
 * test gets as close as it can: Playwright's anti-throttling flags are dropped, the tab loses
 * focus to a page opened over it, reports itself hidden, gets no animation frames, and every
 * timer it sets from then on waits at least a minute (Chromium's intensive throttling of
 * pages hidden for five minutes).
 */
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { MeshState } from '@meshdrive/core';
import {
  buildWebApp,
  downloadThroughUi,
  launchChromium,
  openTab,
  randomBytes,
  startMaster,
  uploadThroughUi,
  waitForOnlinePeers,
  type MasterProcess,
  type Tab,
} from './harness.js';

const MiB = 1024 * 1024;
/**
 * Large enough that serving it fills the hidden tab's data-channel send buffer: waiting for it
 * to drain with a timer stalled this read for a minute (the reason for WaitForDrain).
 */
const FILE_BYTES = 24 * MiB + 5;
/** Well under the minute a throttled timer waits, so such a stall fails the test. */
const DOWNLOAD_TIMEOUT_MS = 30_000;
/** How long the hidden tab must stay online, sampled this often. */
const HIDDEN_FOR_MS = 10_000;
const SAMPLE_EVERY_MS = 250;
/** Every timer set while throttled waits at least this long. */
const THROTTLED_TIMER_MS = 60_000;

/**
 * Installed before the app loads, so libraries that keep a reference to setTimeout (socket.io
 * does) get the throttled one too. `window.throttleLikeHiddenTab()` switches it on. Intervals
 * are rebuilt from timeouts so ones started before hiding slow down as well, as in Chromium.
 */
const THROTTLE_SCRIPT = `(() => {
  const realSetTimeout = window.setTimeout.bind(window);
  const realClearTimeout = window.clearTimeout.bind(window);
  const intervals = new Map();
  let nextIntervalId = 1e9;
  let throttled = false;
  const delayOf = (ms) => (throttled ? Math.max(Number(ms) || 0, ${THROTTLED_TIMER_MS}) : ms);
  window.setTimeout = (handler, ms, ...args) => realSetTimeout(handler, delayOf(ms), ...args);
  window.setInterval = (handler, ms, ...args) => {
    const id = nextIntervalId++;
    const interval = { timer: 0, schedule: () => {
      interval.timer = realSetTimeout(() => {
        if (!intervals.has(id)) return;
        interval.schedule();
        handler(...args);
      }, delayOf(ms));
    } };
    intervals.set(id, interval);
    interval.schedule();
    return id;
  };
  window.clearInterval = (id) => {
    const interval = intervals.get(id);
    if (interval) realClearTimeout(interval.timer);
    intervals.delete(id);
  };
  window.throttleLikeHiddenTab = () => {
    throttled = true;
    for (const interval of intervals.values()) {
      realClearTimeout(interval.timer);
      interval.schedule();
    }
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    window.requestAnimationFrame = () => 0;
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new Event('blur'));
  };
})();`;

async function meshState(masterUrl: string): Promise<MeshState> {
  const response = await fetch(`${masterUrl}/api/state`);
  return (await response.json()) as MeshState;
}

describe('a hidden, throttled tab', () => {
  let master: MasterProcess;
  let browser: Browser;
  let hidden: Tab;
  let other: Tab;
  let client: Tab;
  let cover: Page | undefined;
  let cdp: CDPSession | undefined;

  beforeAll(async () => {
    buildWebApp();
    master = await startMaster();
    browser = await launchChromium({ backgroundThrottling: true });
    hidden = await openTab(browser, `${master.url}/`, { initScript: THROTTLE_SCRIPT });
    other = await openTab(browser, `${master.url}/`);
    client = await openTab(browser, `${master.url}/`);
    // The client tab only uploads and downloads, so every segment lands on the other two.
    await client.page.getByRole('tab', { name: 'This device' }).click();
    await client.page.getByRole('button', { name: 'Stop contributing' }).click();
    await client.page.getByRole('button', { name: 'Resume contributing' }).waitFor();
    await client.page.getByRole('tab', { name: 'Files' }).click();
    await waitForOnlinePeers(client.page, 2);
  }, 60_000);

  afterAll(async () => {
    await cdp?.detach().catch(() => undefined);
    await browser?.close();
    await master?.stop();
  });

  it('stays online for 10 s and still serves a file read', async () => {
    const bytes = randomBytes(FILE_BYTES, 31);
    await uploadThroughUi(client.page, 'kept-while-hidden.bin', bytes, 60_000);

    // Hide and throttle the tab: focus goes to a page opened over it in the same window.
    cdp = await hidden.context.newCDPSession(hidden.page);
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
    cover = await hidden.context.newPage();
    await cover.bringToFront();
    await hidden.page.evaluate(() => (window as unknown as { throttleLikeHiddenTab(): void }).throttleLikeHiddenTab());
    expect(await hidden.page.evaluate(() => document.visibilityState)).toBe('hidden');
    await hidden.page.evaluate(() => setTimeout(() => Object.assign(window, { zeroTimerFired: true }), 0));

    const statuses: string[] = [];
    const until = Date.now() + HIDDEN_FOR_MS;
    while (Date.now() < until) {
      const peer = (await meshState(master.url)).peers.find((candidate) => candidate.id === hidden.peerId);
      statuses.push(peer?.status ?? 'missing');
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
    }
    expect(statuses.length).toBeGreaterThan(HIDDEN_FOR_MS / SAMPLE_EVERY_MS / 2);
    expect(statuses.filter((status) => status !== 'online')).toEqual([]);
    // Throttling was real: a zero-delay timer set after hiding has not fired 10 s later.
    expect(await hidden.page.evaluate(() => 'zeroTimerFired' in window)).toBe(false);

    // Only the hidden tab holds the file now: the read must come from it.
    await other.close();
    await client.page.waitForFunction(
      (id) => window.meshdrive!.state().mesh?.peers.find((peer) => peer.id === id)?.status !== 'online',
      other.peerId,
      { timeout: 15_000, polling: 100 },
    );
    const received = await downloadThroughUi(client.page, 'kept-while-hidden.bin', DOWNLOAD_TIMEOUT_MS);
    expect(received.equals(bytes)).toBe(true);
    const peer = (await meshState(master.url)).peers.find((candidate) => candidate.id === hidden.peerId);
    expect(peer?.status).toBe('online');
    expect(hidden.errors).toEqual([]);
    expect(client.errors).toEqual([]);
  }, 120_000);
});
