/**
 * Uploading a name that is already in the mesh asks first: Replace makes a new version, Keep
 * both stores the new file as "name (2).ext", Cancel uploads nothing. Two tabs racing to create
 * one name: one wins, the other says so in plain words and offers to retry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chooseFile, randomBytes, startBrowserMesh, waitForTransfer, type BrowserMesh, type Tab } from './harness.js';

const MiB = 1024 * 1024;

/** The name → version of every file the master lists, as the tab last polled it. */
async function listedVersions(page: Page, names: readonly string[]): Promise<Record<string, number>> {
  await page.waitForFunction((wanted) => wanted.every((name) => window.meshdrive!.state().mesh?.files.some((file) => file.name === name)), names, { timeout: 15_000 });
  return page.evaluate(() => Object.fromEntries(window.meshdrive!.state().mesh!.files.map((file) => [file.name, file.version])));
}

function choose(page: Page, name: string, bytes: Buffer): Promise<void> {
  return chooseFile(page, name, bytes);
}

interface HeldCommits {
  heldCommits: unknown[];
  releaseCommits(): void;
}

/**
 * Run in a page: its socket.io frames carrying a `commit` are held back until releaseCommits().
 * Patched on the prototype, so the tab's open socket is caught too (engine.io calls `ws.send`).
 */
function holdCommits(): void {
  type Send = (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) => void;
  const prototype = WebSocket.prototype as unknown as { send: Send };
  const send = prototype.send;
  const held: [WebSocket, string][] = [];
  const page = window as unknown as HeldCommits;
  page.heldCommits = held;
  prototype.send = function (data) {
    if (typeof data === 'string' && data.includes('["commit"')) held.push([this, data]);
    else send.call(this, data);
  };
  page.releaseCommits = () => {
    prototype.send = send;
    for (const [socket, data] of held) send.call(socket, data);
  };
}

describe('the same name again', () => {
  let mesh: BrowserMesh | undefined;
  let tabs: Tab[] = [];

  beforeAll(async () => {
    mesh = await startBrowserMesh({ nodePeers: 2, tabs: 2 });
    tabs = mesh.tabs;
  }, 90_000);

  afterAll(async () => {
    await mesh?.stop();
  });

  it('asks before replacing: Replace makes version 2, Keep both adds "notes (2).txt", Cancel uploads nothing', async () => {
    const { page } = tabs[0]!;
    await choose(page, 'notes.txt', Buffer.from('first'));
    await waitForTransfer(page, 'notes.txt');
    expect((await listedVersions(page, ['notes.txt']))['notes.txt']).toBe(1);

    const dialog = page.getByRole('dialog', { name: '“notes.txt” is already in the mesh' });
    await choose(page, 'notes.txt', Buffer.from('second'));
    await dialog.waitFor();
    // Focus starts on the choice that loses nothing.
    expect(await page.evaluate(() => document.querySelector('md-app')?.shadowRoot?.querySelector('md-name-conflict')?.shadowRoot?.activeElement?.textContent?.trim())).toBe('Keep both');
    await dialog.getByRole('button', { name: 'Replace' }).click();
    await page.waitForFunction(() => window.meshdrive!.state().mesh?.files.find((file) => file.name === 'notes.txt')?.version === 2, undefined, { timeout: 15_000 });

    await choose(page, 'notes.txt', Buffer.from('third'));
    await dialog.getByRole('button', { name: 'Keep both' }).click();
    await waitForTransfer(page, 'notes (2).txt');
    expect(await listedVersions(page, ['notes.txt', 'notes (2).txt'])).toMatchObject({ 'notes.txt': 2, 'notes (2).txt': 1 });

    await choose(page, 'notes.txt', Buffer.from('fourth'));
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.locator('md-transfer-list li[data-transfer="notes.txt"]').count()).toBe(2); // the first and the replace
    expect(tabs[0]!.errors).toEqual([]);
  }, 120_000);

  it('tells the loser of a race for one new name, in plain words, and its retry saves the newest version', async () => {
    // A real race, whatever the machine's load: each tab's commit is held until both tabs have
    // written every segment (both placed on version 0), then both go.
    await Promise.all(tabs.map((tab) => tab.page.evaluate(holdCommits)));
    const bytes = [randomBytes(4 * MiB, 1), randomBytes(4 * MiB, 2)];
    await Promise.all(tabs.map((tab, i) => choose(tab.page, 'shared.bin', bytes[i]!)));
    for (const tab of tabs) await tab.page.waitForFunction(() => (window as unknown as HeldCommits).heldCommits.length > 0, undefined, { timeout: 60_000 });
    await Promise.all(tabs.map((tab) => tab.page.evaluate(() => (window as unknown as HeldCommits).releaseCommits())));
    const rows = tabs.map((tab) => tab.page.locator('md-transfer-list li[data-transfer="shared.bin"]').first());
    const ended = '[data-phase="done"], [data-phase="failed"]';
    await Promise.all(rows.map((row, i) => row.and(tabs[i]!.page.locator(ended)).waitFor({ timeout: 60_000 })));
    const phases = await Promise.all(rows.map((row) => row.getAttribute('data-phase')));
    expect([...phases].sort()).toEqual(['done', 'failed']);
    const loser = phases.indexOf('failed');
    const text = await rows[loser]!.innerText();
    expect(text).toContain('Someone saved a new version of this file while you were uploading yours, so yours was not saved.');
    expect(text).not.toMatch(/expected version/);

    await rows[loser]!.getByRole('button', { name: /Retry/ }).click();
    await rows[loser]!.and(tabs[loser]!.page.locator('[data-phase="done"]')).waitFor({ timeout: 60_000 });
    expect((await listedVersions(tabs[loser]!.page, ['shared.bin']))['shared.bin']).toBe(2);
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  }, 120_000);
});
