/**
 * The Files view as a file manager: a folder upload keeps its paths (and leaves out a name the
 * mesh refuses, saying so), the list opens one folder at a time, columns sort, a selection
 * downloads and deletes many files at once, and an empty mesh and an empty filter say so.
 * One mesh (a headless peer and a tab) for the whole file; each test goes on from the last.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Download, Page } from 'playwright-core';
import { randomBytes, removeDir, startBrowserMesh, tempDir, uploadThroughUi, waitForTransfer, type BrowserMesh } from './harness.js';

const PHONE = { width: 390, height: 844 };
const ALPHA = Buffer.from('alpha, at the top of the tree\n');
const BETA = randomBytes(40_000, 5);
const SMALL = Buffer.from('small\n');
const BIG = randomBytes(200_000, 6);

/** The rows the list shows, top to bottom: a folder by its path, a file by its full name. */
function rowOrder(page: Page): Promise<string[]> {
  return page.locator('md-file-list tbody tr').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.folder ?? (row as HTMLElement).dataset.file ?? '?'));
}

function meshNames(page: Page): Promise<string[]> {
  return page.evaluate(() => window.meshdrive!.state().mesh!.files.map((file) => file.name).sort());
}

/** The sort order each sortable column header announces. */
function ariaSorts(page: Page): Promise<Record<string, string | null>> {
  return page
    .locator('md-file-list th:has(button.sort)')
    .evaluateAll((cells) => Object.fromEntries(cells.map((cell) => [cell.textContent?.replace(/[▲▼]/g, '').trim() ?? '', cell.getAttribute('aria-sort')])));
}

/** Resolves with the next `count` downloads the page starts. */
function nextDownloads(page: Page, count: number): Promise<Download[]> {
  return new Promise((resolve) => {
    const seen: Download[] = [];
    const onDownload = (download: Download): void => {
      seen.push(download);
      if (seen.length < count) return;
      page.off('download', onDownload);
      resolve(seen);
    };
    page.on('download', onDownload);
  });
}

/** The element that has focus, looking inside shadow roots. */
function focused(page: Page): Promise<{ tag: string; id: string; text: string } | null> {
  return page.evaluate(() => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    if (!element || element === document.body) return null;
    return { tag: element.tagName.toLowerCase(), id: element.id, text: element.textContent?.trim() ?? '' };
  });
}

describe('the Files view', () => {
  let mesh: BrowserMesh | undefined;
  let page: Page;
  const root = tempDir('folder-upload');

  beforeAll(async () => {
    mesh = await startBrowserMesh({ nodePeers: 1, tabs: 1 });
    page = mesh.tabs[0]!.page;
  }, 60_000);

  afterAll(async () => {
    await mesh?.stop();
    removeDir(root);
  });

  it('says when the mesh is empty, then uploads a chosen folder under its paths, leaving out a name the mesh refuses', async () => {
    expect(await page.locator('md-file-list [data-empty="mesh"]').innerText()).toMatch(/No files in the mesh yet/);

    const tree = join(root, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'a.txt'), ALPHA);
    writeFileSync(join(tree, 'sub', 'b.bin'), BETA);
    // Linux takes a control character in a file name; the mesh does not. (A backslash the
    // browser already turns into a folder separator.)
    writeFileSync(join(tree, 'bell\x07.txt'), 'rings');

    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Choose folder…' }).click()]);
    await chooser.setFiles(tree);
    await waitForTransfer(page, 'tree/a.txt');
    await waitForTransfer(page, 'tree/sub/b.bin');
    await page.waitForFunction(() => window.meshdrive!.state().mesh!.files.length === 2, undefined, { timeout: 15_000 });
    expect(await meshNames(page)).toEqual(['tree/a.txt', 'tree/sub/b.bin']);
    const banner = page.locator('md-app [data-banner="bad"]');
    expect(await banner.innerText()).toContain('Not uploaded: “tree/bell\x07.txt” (a file name cannot contain backslashes or control characters)');

    // The input takes plain files again after a folder.
    await uploadThroughUi(page, 'small.txt', SMALL);
    await uploadThroughUi(page, 'big.bin', BIG);
    await page.waitForFunction(() => window.meshdrive!.state().mesh!.files.length === 4, undefined, { timeout: 15_000 });
    expect(mesh!.tabs[0]!.errors).toEqual([]);
  }, 60_000);

  it('lists the folder, opens it to its own files, and goes back up by the trail', async () => {
    const folderRow = page.locator('md-file-list tr[data-folder="tree"]');
    await folderRow.waitFor({ timeout: 15_000 });
    expect(await folderRow.innerText()).toMatch(/2 files/);
    expect(await page.locator('md-file-list tr[data-file="tree/a.txt"]').count()).toBe(0);

    await page.getByRole('button', { name: 'Open folder tree', exact: true }).click();
    await page.locator('md-file-list tr[data-file="tree/a.txt"]').waitFor();
    expect(await rowOrder(page)).toEqual(['tree/sub', 'tree/a.txt']);
    const name = page.getByRole('button', { name: 'tree/a.txt', exact: true });
    expect((await name.innerText()).trim()).toBe('a.txt');
    expect(await focused(page)).toMatchObject({ tag: 'button', text: 'tree' });
    expect(await page.locator('md-file-list .trail [aria-current]').innerText()).toBe('tree');

    await page.getByRole('button', { name: 'Open folder sub', exact: true }).click();
    await page.locator('md-file-list tr[data-file="tree/sub/b.bin"]').waitFor();
    expect((await page.locator('md-file-list .trail li').allInnerTexts()).map((crumb) => crumb.trim())).toEqual(['All files', 'tree', 'sub']);

    await page.locator('md-file-list .trail').getByRole('button', { name: 'All files' }).click();
    await folderRow.waitFor();
    expect(await rowOrder(page)).toEqual(['tree', 'big.bin', 'small.txt']); // newest first, folders first
  }, 30_000);

  it('sorts by a column header, folders first, and says so with aria-sort', async () => {
    expect(await ariaSorts(page)).toEqual({ Name: 'none', Size: 'none', Stored: 'descending', Replicas: 'none' });
    const sortBy = (key: string) => page.locator(`md-file-list button.sort[data-sort="${key}"]`).click();

    await sortBy('name');
    expect(await rowOrder(page)).toEqual(['tree', 'big.bin', 'small.txt']);
    expect(await ariaSorts(page)).toMatchObject({ Name: 'ascending', Stored: 'none' });
    await sortBy('name');
    expect(await rowOrder(page)).toEqual(['tree', 'small.txt', 'big.bin']);
    expect(await ariaSorts(page)).toMatchObject({ Name: 'descending' });

    await sortBy('size');
    expect(await ariaSorts(page)).toMatchObject({ Name: 'none', Size: 'descending' });
    expect(await rowOrder(page)).toEqual(['tree', 'big.bin', 'small.txt']);
    await sortBy('size');
    expect(await ariaSorts(page)).toMatchObject({ Size: 'ascending' });
    expect(await rowOrder(page)).toEqual(['tree', 'small.txt', 'big.bin']);
  }, 30_000);

  it('selects a folder as its files and downloads two selected files, byte for byte', async () => {
    const selectAll = page.locator('md-file-list thead input[type=checkbox]');
    await page.getByRole('checkbox', { name: 'Select folder tree', exact: true }).check();
    const bar = page.getByRole('group', { name: 'Selected files' });
    expect(await bar.innerText()).toMatch(/2 selected/);
    expect(await selectAll.evaluate((box) => (box as HTMLInputElement).indeterminate)).toBe(true);
    await bar.getByRole('button', { name: 'Clear selection' }).click();
    await bar.waitFor({ state: 'detached' });

    await page.getByRole('checkbox', { name: 'Select small.txt', exact: true }).check();
    await page.getByRole('checkbox', { name: 'Select big.bin', exact: true }).check();
    expect(await bar.innerText()).toMatch(/2 selected · 195 KiB/);
    const downloads = nextDownloads(page, 2);
    await bar.getByRole('button', { name: 'Download 2 files', exact: true }).click();
    const saved = await downloads;
    const bytes = Object.fromEntries(await Promise.all(saved.map(async (download) => [download.suggestedFilename(), readFileSync(await download.path())] as const)));
    expect(Object.keys(bytes).sort()).toEqual(['big.bin', 'small.txt']);
    expect(bytes['small.txt']!.equals(SMALL)).toBe(true);
    expect(bytes['big.bin']!.equals(BIG)).toBe(true);
    expect(mesh!.tabs[0]!.errors).toEqual([]);
  }, 60_000);

  it('deletes the selection after a second press, moving focus to the heading', async () => {
    const bar = page.getByRole('group', { name: 'Selected files' });
    await bar.getByRole('button', { name: 'Delete 2 files', exact: true }).click();
    const confirm = bar.getByRole('button', { name: 'Confirm delete of 2 files', exact: true });
    expect((await confirm.innerText()).trim()).toBe('Delete 2 files?');
    await page.keyboard.press('Escape');
    await bar.getByRole('button', { name: 'Delete 2 files', exact: true }).waitFor({ timeout: 1_000 });

    await bar.getByRole('button', { name: 'Delete 2 files', exact: true }).click();
    await confirm.click();
    await page.locator('md-file-list tr[data-file="small.txt"]').waitFor({ state: 'detached', timeout: 15_000 });
    await page.locator('md-file-list tr[data-file="big.bin"]').waitFor({ state: 'detached', timeout: 15_000 });
    expect(await focused(page)).toMatchObject({ tag: 'h2', id: 'files-title' });
    expect(await bar.count()).toBe(0);
    expect(await meshNames(page)).toEqual(['tree/a.txt', 'tree/sub/b.bin']);
  }, 30_000);

  it('filters across folders by full name, and says when nothing matches', async () => {
    const filter = page.getByRole('searchbox', { name: /Filter files by name/ });
    await filter.fill('b.bin');
    const match = page.getByRole('button', { name: 'tree/sub/b.bin', exact: true });
    await match.waitFor();
    expect((await match.innerText()).trim()).toBe('tree/sub/b.bin');
    expect(await rowOrder(page)).toEqual(['tree/sub/b.bin']);

    await filter.fill('nothing-like-this');
    const empty = page.locator('md-file-list [data-empty="filter"]');
    expect(await empty.innerText()).toContain('No file matches “nothing-like-this”');
    await empty.getByRole('button', { name: 'Clear filter' }).click();
    await page.locator('md-file-list tr[data-folder="tree"]').waitFor();
    expect(await filter.inputValue()).toBe('');
    expect(await focused(page)).toMatchObject({ tag: 'input', id: 'filter' });
  }, 30_000);

  it('keeps checkboxes, sorting and folder rows on a phone', async () => {
    const desktop = page.viewportSize()!;
    await page.setViewportSize(PHONE);
    try {
      expect(await page.getByRole('checkbox', { name: 'Select folder tree', exact: true }).isVisible()).toBe(true);
      expect(await page.locator('md-file-list button.sort[data-sort="name"]').isVisible()).toBe(true);
      const card = await page.locator('md-file-list tr[data-folder="tree"]').boundingBox();
      expect(card!.width).toBeLessThanOrEqual(PHONE.width);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    } finally {
      await page.setViewportSize(desktop);
    }
  }, 30_000);
});
