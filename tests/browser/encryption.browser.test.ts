/**
 * Encryption in the tab (issue 18): text uploaded in a tab is deflated and encrypted there (no
 * tab's IndexedDB holds a marker from it or its name) and the CLI reads it; a file given its own
 * password in the web app asks for it on download, says plainly when it is wrong, and the CLI
 * reads it with the password too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseFile, removeDir, runCli, startBrowserMesh, tempDir, uploadThroughUi, waitForTransfer, type BrowserMesh, type MasterProcess, type Tab } from './harness.js';

const MARKER = 'MESHDRIVE-TAB-MARKER-z81k';

function markerText(): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) lines.push(`${i} ${MARKER} a line of a diary kept in a browser, entry ${(i * 7919) % 10007}`);
  return Buffer.from(lines.join('\n'));
}

/** Whether any value in any of the page's IndexedDB databases holds `needle` (bytes or text). */
function idbHolds(page: Page, needle: string): Promise<boolean> {
  return page.evaluate(async (text) => {
    const wanted = new TextEncoder().encode(text);
    const holds = (bytes: Uint8Array): boolean => {
      outer: for (let i = 0; i + wanted.length <= bytes.length; i++) {
        for (let j = 0; j < wanted.length; j++) if (bytes[i + j] !== wanted[j]) continue outer;
        return true;
      }
      return false;
    };
    const inValue = (value: unknown): boolean => {
      if (value instanceof Uint8Array) return holds(value);
      if (value instanceof ArrayBuffer) return holds(new Uint8Array(value));
      if (typeof value === 'string') return value.includes(text);
      if (value && typeof value === 'object') return Object.values(value).some(inValue);
      return false;
    };
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name!);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(new Error(`IndexedDB: ${String(request.error)}`));
      });
      for (const store of db.objectStoreNames) {
        const values = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(new Error(`IndexedDB: ${String(request.error)}`));
        });
        if (values.some(inValue)) return true;
      }
      db.close();
    }
    return false;
  }, needle);
}

describe('encryption in the tab', () => {
  let mesh: BrowserMesh | undefined;
  let master: MasterProcess;
  let tabs: Tab[] = [];
  const work = tempDir('encryption');

  beforeAll(async () => {
    mesh = await startBrowserMesh({ nodePeers: 1, tabs: 2 });
    ({ master, tabs } = mesh);
  }, 60_000);

  afterAll(async () => {
    await mesh?.stop();
    removeDir(work);
  });

  it('says files are encrypted here, keeps the text out of every tab, and the CLI reads what a tab sealed', async () => {
    const page = tabs[0]!.page;
    await expect.poll(() => page.locator('md-app [data-encrypted]').innerText()).toContain('encrypted on this device');
    const text = markerText();
    await uploadThroughUi(page, 'tab-diary.txt', text);
    // The search does find what a tab keeps in clear: its own peer id.
    const peerId = await page.evaluate(() => window.meshdrive!.state().peerId!);
    expect(await idbHolds(page, peerId.slice(0, 20)), 'the search finds the peer id the tab keeps').toBe(true);
    for (const tab of tabs) {
      expect(await idbHolds(tab.page, MARKER), 'a tab holds the marker').toBe(false);
      expect(await idbHolds(tab.page, 'tab-diary'), "a tab holds the file's name").toBe(false);
    }
    const out = join(work, 'tab-diary.txt');
    await runCli(['receive', 'tab-diary.txt', '--out', out, '--signal', master.url]);
    expect(readFileSync(out).equals(text)).toBe(true);
  }, 90_000);

  it('asks for a file password on download, says a wrong one plainly, and the CLI needs it too', async () => {
    const [uploader, downloader] = [tabs[0]!.page, tabs[1]!.page];
    const bytes = Buffer.from(`${MARKER} kept under its own password\n`.repeat(300));
    await uploader.locator('md-app [data-protect]').check();
    await chooseFile(uploader, 'locked.txt', bytes);
    const choose = uploader.locator('md-file-password');
    await choose.locator('input[type=password]').fill('tab secret');
    await choose.getByRole('button', { name: 'Upload' }).click();
    await waitForTransfer(uploader, 'locked.txt');
    await uploader.locator('md-app [data-protect]').uncheck();

    await downloader.getByRole('tab', { name: 'Files' }).click();
    const button = downloader.getByRole('button', { name: 'Download locked.txt', exact: true });
    await button.waitFor({ timeout: 15_000 });
    const downloaded = downloader.waitForEvent('download', { timeout: 60_000 });
    await button.click();
    const ask = downloader.locator('md-file-password');
    await ask.locator('input[type=password]').fill('not the secret');
    await ask.getByRole('button', { name: 'Download' }).click();
    await expect.poll(() => ask.getByRole('alert').innerText()).toContain('Wrong password');
    // The question itself passes axe: no serious or critical violation.
    const { violations } = await new AxeBuilder({ page: downloader }).analyze();
    expect(violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => violation.id)).toEqual([]);
    await ask.locator('input[type=password]').fill('tab secret');
    await ask.getByRole('button', { name: 'Download' }).click();
    expect(readFileSync(await (await downloaded).path()).equals(bytes)).toBe(true);

    const out = join(work, 'locked.txt');
    await expect(runCli(['receive', 'locked.txt', '--out', out, '--signal', master.url])).rejects.toThrow(/has a password of its own/);
    const passwordFile = join(work, 'password');
    writeFileSync(passwordFile, 'tab secret\n');
    await runCli(['receive', 'locked.txt', '--out', out, '--password-file', passwordFile, '--signal', master.url]);
    expect(readFileSync(out).equals(bytes)).toBe(true);
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  }, 90_000);
});
