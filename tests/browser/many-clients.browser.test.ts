/**
 * Many clients, one file, in the web app (issue 19): a file's details list its versions and
 * restore an old one; a lock taken in the tab keeps the CLI from writing until it is released,
 * and the list says who holds it; a file another user shared shows as theirs and downloads; the
 * filter takes globs. The details dialog passes axe.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadThroughUi, removeDir, runCli, runCliAs, startBrowserMesh, tempDir, uploadThroughUi, type BrowserMesh, type MasterProcess } from './harness.js';

const text = (version: number): Buffer => Buffer.from(`version ${version} of the notes\n`.repeat(200));

describe('many clients, one file, in the web app', () => {
  let mesh: BrowserMesh | undefined;
  let master: MasterProcess;
  let page: Page;
  const work = tempDir('many-clients');

  beforeAll(async () => {
    mesh = await startBrowserMesh({ nodePeers: 2, tabs: 1 });
    master = mesh.master;
    page = mesh.tabs[0]!.page;
  }, 90_000);

  afterAll(async () => {
    await mesh?.stop();
    removeDir(work);
  });

  const row = (name: string) => page.locator(`md-file-list tr[data-file="${name}"]`);
  const details = () => page.locator('md-file-details dialog');
  const send = (bytes: Buffer, name: string): Promise<string> => {
    const path = join(work, `${name}-${Date.now()}`);
    writeFileSync(path, bytes);
    return runCli(['send', path, '--name', name, '--signal', master.url]);
  };

  it('lists versions in a file\'s details and restores an old one as the newest', async () => {
    await uploadThroughUi(page, 'notes.txt', text(1));
    await send(text(2), 'notes.txt');
    await expect.poll(() => row('notes.txt').locator('[data-label="Version"]').innerText(), { timeout: 15_000 }).toBe('v2');
    await page.getByRole('button', { name: 'Versions, lock and sharing of notes.txt' }).click();
    await expect.poll(() => details().locator('tr[data-version]').count()).toBe(2);
    const { violations } = await new AxeBuilder({ page }).analyze();
    expect(violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => violation.id)).toEqual([]);
    await details().getByRole('button', { name: 'Restore version 1 as the newest' }).click();
    await expect.poll(() => details().locator('[data-status]').innerText()).toBe('Restored v1 as v3; no data moved.');
    await details().getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => row('notes.txt').locator('[data-label="Version"]').innerText(), { timeout: 15_000 }).toBe('v3');
    expect((await downloadThroughUi(page, 'notes.txt')).equals(text(1))).toBe(true);
    // A new version of a file this browser has: only what changed moves.
    await send(Buffer.concat([text(1), Buffer.from('one more line\n')]), 'notes.txt');
    await expect.poll(() => row('notes.txt').locator('[data-label="Version"]').innerText(), { timeout: 15_000 }).toBe('v4');
    expect((await downloadThroughUi(page, 'notes.txt')).equals(Buffer.concat([text(1), Buffer.from('one more line\n')]))).toBe(true);
    await expect.poll(() => page.locator('md-transfer-list li[data-transfer="notes.txt"]').first().innerText()).toMatch(/moved [\d.]+ (B|KiB), the rest was this browser's copy/);
  }, 120_000);

  it('holds a lock while the tab is open: the CLI is refused and told who holds it, until the tab unlocks', async () => {
    await page.getByRole('button', { name: 'Versions, lock and sharing of notes.txt' }).click();
    await details().getByRole('button', { name: 'Lock while this tab is open' }).click();
    await expect.poll(() => details().locator('[data-status]').innerText()).toBe('Locked: you hold the lock while this tab is open.');
    await expect(send(text(4), 'notes.txt')).rejects.toThrow(/"notes\.txt" is locked by tester \(.+\) until \d\d:\d\d:\d\d UTC/);
    // The tab renews its lease while it is open (every 10 s of its 30): the lease's end moves on.
    const lockEnd = async (): Promise<number> => (JSON.parse(await runCli(['ls', 'notes.txt', '--json', '--signal', master.url])) as { lock?: { expiresAt: number } }[])[0]?.lock?.expiresAt ?? 0;
    const firstEnd = await lockEnd();
    await expect.poll(lockEnd, { timeout: 20_000, interval: 1_000 }).toBeGreaterThan(firstEnd);
    await details().getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => row('notes.txt').locator('[data-locked-by]').count(), { timeout: 15_000 }).toBe(1);
    await page.getByRole('button', { name: 'Versions, lock and sharing of notes.txt' }).click();
    await details().getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => details().locator('[data-status]').innerText()).toBe('Unlocked.');
    await details().getByRole('button', { name: 'Close' }).click();
    expect(await send(text(4), 'notes.txt')).toContain('stored "notes.txt" v5');
  }, 120_000);

  it('shows a file another user shared as theirs, downloads it, and filters by glob', async () => {
    const alice = tempDir('alice-home');
    await runCliAs(['signup', '--user', 'alice', '--signal', master.url], alice);
    const path = join(work, 'from-alice.md');
    writeFileSync(path, text(9));
    await runCliAs(['send', path, '--signal', master.url], alice);
    await runCliAs(['share', 'from-alice.md', '--with', 'tester', '--signal', master.url], alice);
    // The tab lists its files again on the next change it hears of; an upload makes one.
    await uploadThroughUi(page, 'other.txt', text(5));
    await expect.poll(() => row('from-alice.md').locator('[data-shared-by="alice"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await row('from-alice.md').getByRole('button', { name: 'Delete from-alice.md' }).count()).toBe(0);
    expect((await downloadThroughUi(page, 'from-alice.md')).equals(text(9))).toBe(true);

    // Downloaded before, unchanged: saved from this browser's copy, nothing moved.
    expect((await downloadThroughUi(page, 'from-alice.md')).equals(text(9))).toBe(true);
    await expect.poll(() => page.locator('md-transfer-list li[data-transfer="from-alice.md"]').first().innerText()).toContain("up to date: saved from this browser's copy of v1; nothing moved");

    // A name only someone else's file has is free for the person's own: no "replace?" question.
    await uploadThroughUi(page, 'from-alice.md', text(10));
    await expect.poll(() => row('from-alice.md').count(), { timeout: 15_000 }).toBe(2);

    await page.locator('md-file-list #filter').fill('*.txt');
    await expect.poll(async () => (await page.locator('md-file-list tr[data-file]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-file')))).sort()).toEqual(['notes.txt', 'other.txt']);
    await page.locator('md-file-list #filter').fill('');
    removeDir(alice);
  }, 120_000);
});
