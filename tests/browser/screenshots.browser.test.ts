/**
 * Screenshots of each main screen, desktop and phone sized, each in the light and the dark
 * scheme (`*-dark.png`), into tests/artifacts/screenshots/ for a person to look at: files with
 * transfers, network with the ring, this device, the Stop-contributing question, and the
 * failure states (no peers, master unreachable). Each screen is also checked for its key text.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  chooseFile,
  chooseFiles,
  buildWebApp,
  launchChromium,
  openTab,
  randomBytes,
  REPO_ROOT,
  startMaster,
  startNodePeer,
  uploadThroughUi,
  useColorScheme,
  waitForTransfer,
  waitForOnlinePeers,
  type MasterProcess,
  type NodePeerProcess,
  type Tab,
} from './harness.js';

const SHOTS = join(REPO_ROOT, 'tests/artifacts/screenshots');
const MAX_SHOT_BYTES = 200 * 1024;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1100, height: 800 };

/** `name.png` in the light scheme and `name-dark.png` in the dark one, back to light after. */
async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await useColorScheme(page, colorScheme);
    const path = join(SHOTS, `${name}${colorScheme === 'dark' ? '-dark' : ''}.png`);
    await page.screenshot({ path, fullPage });
    expect(statSync(path).size).toBeLessThan(MAX_SHOT_BYTES);
  }
  await useColorScheme(page, 'light');
}

/** The same screen at phone size, then back to desktop for the next test. */
async function phoneShot(page: Page, name: string): Promise<void> {
  await page.setViewportSize(PHONE);
  await shot(page, name);
  await page.setViewportSize(DESKTOP);
}

async function show(page: Page, view: 'Files' | 'Network' | 'This device'): Promise<void> {
  await page.getByRole('tab', { name: view }).click();
}

describe('screenshots of the main screens', () => {
  let master: MasterProcess;
  let node: NodePeerProcess;
  let browser: Browser;
  let main: Tab;
  let second: Tab;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    buildWebApp();
    master = await startMaster();
    node = await startNodePeer(master.url, undefined, ['--label', 'build server']);
    browser = await launchChromium();
    [main, second] = await Promise.all([openTab(browser, `${master.url}/`), openTab(browser, `${master.url}/`)]);
    await waitForOnlinePeers(main.page, 3);
    await uploadThroughUi(main.page, 'holiday-photos.zip', randomBytes(1536 * 1024, 1));
    await uploadThroughUi(second.page, 'notes.txt', randomBytes(20 * 1024, 2));
    // Version 2 from the other tab: once the first tab lists notes.txt it asks before replacing.
    await main.page.waitForFunction(() => window.meshdrive!.state().mesh?.files.some((file) => file.name === 'notes.txt') ?? false, undefined, { timeout: 15_000 });
    await chooseFile(main.page, 'notes.txt', randomBytes(24 * 1024, 3));
    await main.page.getByRole('dialog', { name: '“notes.txt” is already in the mesh' }).getByRole('button', { name: 'Replace' }).click();
    await waitForTransfer(main.page, 'notes.txt');
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await master?.stop();
  });

  it('files, with an upload in progress', async () => {
    const page = main.page;
    await chooseFiles(page, [
      { name: 'big-video.mp4', bytes: randomBytes(24 * 1024 * 1024, 4) },
      { name: 'report.pdf', bytes: randomBytes(3 * 1024 * 1024, 5) },
      { name: 'queued-archive.tar', bytes: randomBytes(2 * 1024 * 1024, 6) },
    ]);
    await page.waitForFunction(() => document.querySelector('md-app')?.shadowRoot?.querySelector('md-transfer-list')?.shadowRoot?.textContent?.includes('left') ?? false, undefined, { timeout: 20_000 });
    await shot(page, 'files-desktop');
    await page.locator('md-transfer-list li[data-transfer="queued-archive.tar"][data-phase="done"]').waitFor({ timeout: 90_000 });
    await phoneShot(page, 'files-phone');
  }, 120_000);

  it('network view with the ring', async () => {
    const page = main.page;
    await show(page, 'Network');
    await page.locator('md-network-view article[data-status="online"]').nth(2).waitFor();
    await page.waitForFunction(() => (window.meshdrive!.state().mesh?.peers.every((peer) => peer.chunks > 0) ?? false), undefined, { timeout: 10_000 });
    await shot(page, 'network-desktop');
    await phoneShot(page, 'network-phone');
  });

  it('this device', async () => {
    const page = main.page;
    await show(page, 'This device');
    await page.getByRole('heading', { name: 'Space offered to the mesh' }).waitFor();
    await shot(page, 'device-desktop');
    await phoneShot(page, 'device-phone');
  });

  it('no peers online, and an upload that fails for it', async () => {
    const page = main.page;
    await node.stop();
    await second.close();
    await show(page, 'This device');
    await page.getByRole('button', { name: 'Stop contributing' }).click();
    // This tab holds the only live copies now, so it asks first.
    const question = page.getByRole('dialog', { name: 'Stop contributing?' });
    await question.waitFor();
    await shot(page, 'stop-question', false);
    await question.getByRole('button', { name: 'Stop contributing' }).click();
    await page.locator('md-app .banner', { hasText: 'No storage peers are online' }).waitFor({ timeout: 15_000 });
    await show(page, 'Files');
    await chooseFile(page, 'nowhere-to-go.txt', randomBytes(4096, 7));
    await page.locator('md-transfer-list li[data-transfer="nowhere-to-go.txt"][data-phase="failed"]').waitFor({ timeout: 30_000 });
    await shot(page, 'no-peers');
  }, 60_000);

  it('master unreachable, with reconnect', async () => {
    const page = main.page;
    await master.stop();
    await page.locator('md-app .banner', { hasText: 'Cannot reach the master' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Reconnect now' }).waitFor();
    await shot(page, 'master-unreachable', false);
  }, 30_000);
});
