/**
 * The small things of issue 15 and the keyboard: an empty file's replicas pill, no speed for a
 * blink-short upload, peer colours alike in every tab, this tab's card first and whole, the
 * offer slider within the browser's quota, focus kept after Stop/Resume and moved off a deleted
 * row, Escape disarming a delete, and a page that is not a secure context saying it cannot join.
 * One mesh (a headless peer and two tabs) for the whole file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startBrowserMesh, startNodePeer, uploadThroughUi, waitForOnlinePeers, type BrowserMesh, type Tab } from './harness.js';

const GiB = 1024 ** 3;
const PHONE = { width: 390, height: 844 };
/** Longer than the tab's 1 s status poll, so a second delete would have shown by then. */
const SETTLE_MS = 2_000;
/** A host the test routes to the master: plain http and not localhost, so not a secure context. */
const INSECURE_ORIGIN = 'http://meshdrive-lan.test';

/** The element that has focus, looking inside shadow roots. */
function focused(page: Page): Promise<{ tag: string; id: string; label: string | null; action: string | null; text: string } | null> {
  return page.evaluate(() => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    if (!element || element === document.body) return null;
    return {
      tag: element.tagName.toLowerCase(),
      id: element.id,
      label: element.getAttribute('aria-label'),
      action: element.getAttribute('data-action'),
      text: element.textContent?.trim() ?? '',
    };
  });
}

/** Peer id → the colour its card is drawn in, as this tab's network view shows it. */
async function cardColors(page: Page): Promise<Record<string, string>> {
  const pairs = await page
    .locator('md-network-view article[data-peer]')
    .evaluateAll((cards): [string, string][] => cards.map((card) => [(card as HTMLElement).dataset.peer!, (card as HTMLElement).style.getPropertyValue('--peer-color')]));
  return Object.fromEntries(pairs);
}

async function showNetwork(page: Page, peers: number): Promise<void> {
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.locator('md-network-view article[data-status="online"]').nth(peers - 1).waitFor();
}

describe('small things and the keyboard', () => {
  let mesh: BrowserMesh | undefined;
  let tabs: Tab[] = [];

  beforeAll(async () => {
    mesh = await startBrowserMesh({ nodePeers: 1, tabs: 2 });
    tabs = mesh.tabs;
  }, 60_000);

  afterAll(async () => {
    await mesh?.stop();
  });

  it('an empty file gets a neutral "empty" pill, and a 15-byte upload shows no speed', async () => {
    const { page } = tabs[0]!;
    await uploadThroughUi(page, 'empty.txt', Buffer.alloc(0));
    await uploadThroughUi(page, 'tiny.txt', Buffer.from('fifteen bytes!\n'));

    const tinyDetail = await page.locator('md-transfer-list li[data-transfer="tiny.txt"] .detail').innerText();
    expect(tinyDetail).toContain('15 B of 15 B');
    expect(tinyDetail).not.toMatch(/\/s/);

    const pill = page.locator('md-file-list tr[data-file="empty.txt"] .pill');
    await pill.waitFor({ timeout: 15_000 });
    expect((await pill.innerText()).trim()).toBe('empty');
    expect(await pill.getAttribute('class')).not.toMatch(/\b(good|warn|bad)\b/);
    expect(tabs[0]!.errors).toEqual([]);
  }, 60_000);

  it('puts this tab’s card first and whole, draws each peer in one colour in every tab, and says what the ring shows', async () => {
    const colors: Record<string, string>[] = [];
    for (const tab of tabs) {
      await showNetwork(tab.page, 3);
      const first = tab.page.locator('md-network-view article[data-peer]').first();
      expect(await first.getAttribute('data-peer')).toBe(tab.peerId);
      expect(await first.locator('.you').innerText()).toMatch(/this tab/i);
      const label = first.locator('.label');
      const whole = (): Promise<boolean> => label.evaluate((element) => element.scrollWidth <= element.clientWidth);
      expect(await whole()).toBe(true);
      const desktop = tab.page.viewportSize()!;
      await tab.page.setViewportSize(PHONE);
      expect(await whole()).toBe(true);
      await tab.page.setViewportSize(desktop);
      expect(await label.innerText()).toMatch(/Chromium on Linux [A-Za-z0-9_-]{4}/);
      expect(await tab.page.locator('md-network-view [data-ring-explain]').innerText()).toMatch(/segment .* clockwise/);
      colors.push(await cardColors(tab.page));
    }
    expect(Object.keys(colors[0]!)).toHaveLength(3);
    expect(colors[1]).toEqual(colors[0]);
    expect(new Set(Object.values(colors[0]!)).size).toBe(3);

    // A peer joining leaves everyone else's colour alone.
    const joining = await startNodePeer(mesh!.master.url, undefined, ['--capacity', '1GiB']);
    mesh!.nodes.push(joining);
    await tabs[0]!.page.locator(`md-network-view article[data-peer="${joining.id}"]`).waitFor({ timeout: 15_000 });
    expect(await cardColors(tabs[0]!.page)).toMatchObject(colors[0]!);
  }, 30_000);

  it('keeps focus on Stop/Resume contributing, and a peer keeps its colour when it leaves and rejoins', async () => {
    const [watcher, switcher] = tabs as [Tab, Tab];
    const colorBefore = (await cardColors(watcher.page))[switcher.peerId];
    const page = switcher.page;
    await page.getByRole('tab', { name: 'This device' }).click();
    const button = page.locator('md-device-panel button[data-action="contributing"]');
    await button.focus();

    await page.keyboard.press('Enter');
    // This tab holds copies of tiny.txt, so stopping asks first; answer it from the keyboard too.
    const question = page.getByRole('dialog', { name: 'Stop contributing?' });
    const resume = button.filter({ hasText: 'Resume contributing' });
    await question.or(resume).waitFor({ timeout: 15_000 });
    if (await question.isVisible()) {
      await page.keyboard.press('Shift+Tab'); // from "Keep contributing" to "Stop contributing"
      await page.keyboard.press('Enter');
    }
    await resume.waitFor({ timeout: 15_000 });
    expect(await focused(page)).toMatchObject({ tag: 'button', action: 'contributing', text: 'Resume contributing' });

    await page.keyboard.press('Enter');
    await button.filter({ hasText: 'Stop contributing' }).waitFor({ timeout: 15_000 });
    expect(await focused(page)).toMatchObject({ tag: 'button', action: 'contributing', text: 'Stop contributing' });

    await waitForOnlinePeers(watcher.page, 3);
    await watcher.page.locator(`md-network-view article[data-peer="${switcher.peerId}"][data-status="online"]`).waitFor({ timeout: 15_000 });
    expect((await cardColors(watcher.page))[switcher.peerId]).toBe(colorBefore);
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  }, 60_000);

  it('lets the offer slider go only as far as the browser’s quota (or 1 GiB)', async () => {
    const { page } = tabs[1]!;
    await page.getByRole('tab', { name: 'This device' }).click();
    await page.waitForFunction(() => window.meshdrive!.state().quota !== null, undefined, { timeout: 15_000 });
    const quota = await page.evaluate(() => window.meshdrive!.state().quota!);
    const slider = page.locator('md-device-panel input#capacity');
    await slider.focus();
    await page.keyboard.press('End');
    const top = (await page.locator('md-device-panel [data-top-offer]').innerText()).trim();
    await page.waitForFunction((text) => document.querySelector('md-app')?.shadowRoot?.querySelector('md-device-panel')?.shadowRoot?.querySelector('.offer')?.textContent?.trim() === text, top);
    const capacity = await page.evaluate(() => window.meshdrive!.state().capacity);
    expect(capacity).toBeLessThanOrEqual(Math.max(quota, GiB));
    expect(await slider.getAttribute('aria-valuetext')).toBe(top);
  }, 30_000);

  it('Escape disarms "Confirm delete"; after a delete focus leaves the row, so Enter pressed four times deletes one file', async () => {
    const { page } = tabs[0]!;
    await page.getByRole('tab', { name: 'Files' }).click();
    const names = ['first.txt', 'second.txt', 'third.txt'];
    for (const name of names) await uploadThroughUi(page, name, Buffer.from(`${name} body`));
    for (const name of names) await page.locator(`md-file-list tr[data-file="${name}"]`).waitFor({ timeout: 15_000 });

    // Newest first: third, second, first. The row after "second.txt" is "first.txt".
    await page.getByRole('button', { name: 'Delete second.txt', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Confirm delete of second.txt', exact: true }).waitFor();
    await page.keyboard.press('Escape');
    // Well before the 4 s the armed button waits on its own.
    await page.getByRole('button', { name: 'Delete second.txt', exact: true }).waitFor({ timeout: 1_000 });
    expect(await focused(page)).toMatchObject({ label: 'Delete second.txt' });

    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.locator('md-file-list tr[data-file="second.txt"]').waitFor({ state: 'detached', timeout: 15_000 });
    expect(await focused(page)).toMatchObject({ tag: 'h2', id: 'files-title' });
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(SETTLE_MS);

    const listed = await page.evaluate(() => window.meshdrive!.state().mesh!.files.map((file) => file.name));
    expect(listed).toEqual(expect.arrayContaining(['first.txt', 'third.txt', 'empty.txt', 'tiny.txt']));
    expect(listed).not.toContain('second.txt');
    expect(await page.locator('md-file-list tr[data-file="first.txt"]').count()).toBe(1);
    expect(tabs[0]!.errors).toEqual([]);
  }, 60_000);

  it('on a page that is not a secure context, says it cannot join and offers no upload', async () => {
    const context = await mesh!.browser.newContext();
    try {
      // The LAN address a person would type: plain http to a host that is not localhost.
      await context.route(`${INSECURE_ORIGIN}/**`, async (route) => {
        const url = new URL(route.request().url());
        await route.fulfill({ response: await route.fetch({ url: `${mesh!.master.url}${url.pathname}${url.search}` }) });
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${INSECURE_ORIGIN}/`);
      expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
      await page.waitForFunction(() => window.meshdrive !== undefined);
      const state = await page.evaluate(() => window.meshdrive!.joined());
      expect(state.fatal).toMatch(/https:\/\/ or localhost/);

      await page.locator('md-app [data-link="fatal"]').waitFor();
      expect(await page.locator('md-app [data-link="fatal"]').innerText()).toMatch(/Cannot join/);
      expect(await page.locator('md-app [data-link="connecting"]').count()).toBe(0);
      expect(await page.locator('md-app .banner', { hasText: 'This tab cannot join the mesh' }).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Choose files…' }).isDisabled()).toBe(true);
      expect(await page.locator('md-drop-zone input[type=file]').isDisabled()).toBe(true);
      expect(await page.locator('md-file-list .empty').innerText()).toMatch(/cannot join/);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 30_000);
});
