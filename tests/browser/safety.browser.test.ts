/**
 * Honest safety: "Stop contributing" says first what it would lower, a tab that stopped shows
 * as paused (not dead), and closing a tab in the middle of a transfer asks before it goes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseFile, randomBytes, startBrowserMesh, uploadThroughUi, type BrowserMesh, type Tab } from './harness.js';

const MiB = 1024 * 1024;

describe('what a tab leaving would cost', () => {
  let mesh: BrowserMesh | undefined;
  let tab: Tab;

  beforeAll(async () => {
    // Two headless peers and the tab: at R = 3 the tab holds a copy of every segment.
    mesh = await startBrowserMesh({ nodePeers: 2, tabs: 1 });
    tab = mesh.tabs[0]!;
  }, 90_000);

  afterAll(async () => {
    await mesh?.stop();
  });

  it('asks before closing while an upload runs', async () => {
    const { page } = tab;
    await page.getByRole('tab', { name: 'Files' }).click(); // the page has had a user gesture
    await chooseFile(page, 'long.bin', randomBytes(32 * MiB, 3));
    await page.locator('md-transfer-list li[data-transfer="long.bin"][data-phase="running"]').waitFor();
    const asked = page.waitForEvent('dialog');
    await page.close({ runBeforeUnload: true });
    const dialog = await asked;
    expect(dialog.type()).toBe('beforeunload');
    await dialog.dismiss();
    expect(page.isClosed()).toBe(false);
    await page.getByRole('button', { name: 'Cancel upload of long.bin' }).click();
  }, 60_000);

  it('says how many files stopping would put below R copies, and stops only when told to', async () => {
    const { page } = tab;
    await uploadThroughUi(page, 'kept.bin', randomBytes(2 * MiB, 4));
    await page.waitForFunction(() => {
      const state = window.meshdrive!.state();
      return (state.mesh?.peers.find((peer) => peer.id === state.peerId)?.atRisk.files ?? 0) >= 1;
    }, undefined, { timeout: 15_000 });

    await page.getByRole('tab', { name: 'This device' }).click();
    const question = page.getByRole('dialog', { name: 'Stop contributing?' });
    await page.getByRole('button', { name: 'Stop contributing' }).click();
    await question.waitFor();
    expect(await question.innerText()).toMatch(/keeps copies of 1 file that would drop below 3 copies while it is away/);
    await question.getByRole('button', { name: 'Keep contributing' }).click();
    await question.waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => window.meshdrive!.state().contributing)).toBe(true);

    await page.getByRole('button', { name: 'Stop contributing' }).click();
    await question.getByRole('button', { name: 'Stop contributing' }).click();
    await page.waitForFunction(() => window.meshdrive!.state().contributing === false, undefined, { timeout: 15_000 });
    // The mesh shows it as paused, not dead, past the master's dead timeout (3 s in tests).
    await page.waitForTimeout(4_000);
    const statusOf = async (): Promise<string | undefined> => {
      const state = (await (await fetch(`${mesh!.master.url}/api/state`)).json()) as { peers: { id: string; status: string }[] };
      return state.peers.find((peer) => peer.id === tab.peerId)?.status;
    };
    expect(await statusOf()).toBe('paused');
    await page.getByRole('button', { name: 'Resume contributing' }).click();
    await page.waitForFunction(() => window.meshdrive!.state().contributing, undefined, { timeout: 15_000 });
    await expect.poll(statusOf, { timeout: 10_000 }).toBe('online');
    expect(tab.errors).toEqual([]);
  }, 90_000);
});
