/**
 * axe-core on each main screen, in the light and the dark scheme, at desktop and phone size:
 * Files with a file and transfers listed, the same-name question, Network (also with a lost
 * peer), This device and the Stop-contributing question. No violation of serious or critical impact may remain; the
 * tab list also answers arrow keys, Home and End.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chooseFile, randomBytes, startBrowserMesh, uploadThroughUi, useColorScheme, type BrowserMesh, type Tab } from './harness.js';

const MiB = 1024 * 1024;
const SCHEMES = ['light', 'dark'] as const;
/** Impacts that fail the test; minor and moderate findings are printed but allowed. */
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);
const PHONE = { width: 390, height: 844 };

type Screen = 'Files' | 'Network' | 'This device';
type Violation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

async function show(page: Page, view: Screen): Promise<void> {
  await page.getByRole('tab', { name: view }).click();
}

/** One line per failing element, so a failure reads without opening a report. */
function describeViolations(violations: readonly Violation[]): string {
  return violations
    .map((violation) => {
      const nodes = violation.nodes.map((node) => `    at ${JSON.stringify(node.target)}\n      ${(node.failureSummary ?? '').replace(/\n\s*/g, '\n      ')}`);
      return `  [${violation.impact}] ${violation.id}: ${violation.help} (${violation.helpUrl})\n${nodes.join('\n')}`;
    })
    .join('\n');
}

/** Runs axe on the page as it is, in `scheme`, at desktop and phone size, and fails on any serious or critical violation. */
async function expectAccessible(page: Page, screen: string, scheme: (typeof SCHEMES)[number]): Promise<void> {
  await useColorScheme(page, scheme);
  const desktop = page.viewportSize();
  for (const [size, viewport] of [['desktop', desktop], ['phone', PHONE]] as const) {
    if (viewport) await page.setViewportSize(viewport);
    const { violations } = await new AxeBuilder({ page }).analyze();
    const blocking = violations.filter((violation) => BLOCKING_IMPACTS.has(violation.impact ?? ''));
    const minor = violations.filter((violation) => !BLOCKING_IMPACTS.has(violation.impact ?? ''));
    if (minor.length > 0) console.log(`axe, ${screen} (${scheme}, ${size}), allowed:\n${describeViolations(minor)}`);
    expect(blocking.length, `axe, ${screen} (${scheme}, ${size}):\n${describeViolations(blocking)}`).toBe(0);
  }
  if (desktop) await page.setViewportSize(desktop);
}

describe('accessibility of the main screens', () => {
  let mesh: BrowserMesh | undefined;
  let tab: Tab;

  beforeAll(async () => {
    // Two headless peers and the tab: at R = 3 the tab holds a copy of every file, so
    // Stop contributing asks first.
    mesh = await startBrowserMesh({ nodePeers: 2, tabs: 1 });
    tab = mesh.tabs[0]!;
    const { page } = tab;
    await uploadThroughUi(page, 'holiday-photos.zip', randomBytes(2 * MiB, 1));
    // A cancelled row beside the finished one: its pill, Retry and Dismiss get checked too.
    await chooseFile(page, 'long.bin', randomBytes(32 * MiB, 2));
    await page.getByRole('button', { name: 'Cancel upload of long.bin' }).click();
    await page.locator('md-transfer-list li[data-transfer="long.bin"][data-phase="cancelled"]').waitFor();
    await page.waitForFunction(() => {
      const state = window.meshdrive!.state();
      return (state.mesh?.peers.find((peer) => peer.id === state.peerId)?.atRisk.files ?? 0) >= 1;
    }, undefined, { timeout: 15_000 });
  }, 120_000);

  afterAll(async () => {
    await mesh?.stop();
  });

  for (const scheme of SCHEMES) {
    it(`Files, with a file and transfers (${scheme})`, async () => {
      const { page } = tab;
      await show(page, 'Files');
      await page.locator('md-file-list tr[data-file="holiday-photos.zip"]').waitFor();
      await expectAccessible(page, 'Files', scheme);
    });

    it(`the same-name question (${scheme})`, async () => {
      const { page } = tab;
      await show(page, 'Files');
      const dialog = page.getByRole('dialog', { name: '“holiday-photos.zip” is already in the mesh' });
      await chooseFile(page, 'holiday-photos.zip', randomBytes(1024, 3));
      await dialog.waitFor();
      await expectAccessible(page, 'same-name question', scheme);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
    });

    it(`Network (${scheme})`, async () => {
      const { page } = tab;
      await show(page, 'Network');
      await page.locator('md-network-view article[data-status="online"]').nth(2).waitFor();
      await expectAccessible(page, 'Network', scheme);
    });

    it(`This device (${scheme})`, async () => {
      const { page } = tab;
      await show(page, 'This device');
      await page.getByRole('heading', { name: 'Space offered to the mesh' }).waitFor();
      await expectAccessible(page, 'This device', scheme);
    });

    it(`the Stop-contributing question (${scheme})`, async () => {
      const { page } = tab;
      await show(page, 'This device');
      const question = page.getByRole('dialog', { name: 'Stop contributing?' });
      await page.getByRole('button', { name: 'Stop contributing' }).click();
      await question.waitFor();
      await expectAccessible(page, 'Stop-contributing question', scheme);
      await question.getByRole('button', { name: 'Keep contributing' }).click();
      await question.waitFor({ state: 'hidden' });
    });
  }

  it('the tab list answers arrow keys, Home and End', async () => {
    const { page } = tab;
    await show(page, 'Files');
    const selected = (): Promise<string | null> => page.locator('[role="tab"][aria-selected="true"]').textContent().then((text) => text?.trim() ?? null);
    const focused = (): Promise<string | undefined> => page.evaluate(() => document.querySelector('md-app')?.shadowRoot?.activeElement?.textContent?.trim());
    await page.getByRole('tab', { name: 'Files' }).focus();
    for (const [key, view] of [
      ['End', 'This device'],
      ['ArrowRight', 'Files'],
      ['ArrowLeft', 'This device'],
      ['Home', 'Files'],
      ['ArrowRight', 'Network'],
    ] as const) {
      await page.keyboard.press(key);
      await expect.poll(selected, { message: `after ${key}` }).toBe(view);
      await expect.poll(focused, { message: `focus after ${key}` }).toBe(view);
    }
    expect(tab.errors).toEqual([]);
  });

  it('Network with a lost peer, in both schemes', async () => {
    const { page } = tab;
    await mesh!.nodes[1]!.stop();
    await show(page, 'Network');
    // The master calls a silent peer dead after 3 s in tests.
    await page.locator('md-network-view article[data-status="dead"]').waitFor({ timeout: 15_000 });
    for (const scheme of SCHEMES) await expectAccessible(page, 'Network with a dead peer', scheme);
    await useColorScheme(page, 'light');
  }, 30_000);
});
