/**
 * Clicking a file's name previews it in a dialog, its bytes read from the storage peers over
 * data channels: an image at its own size, a text exactly (only its first MiB when long), audio
 * from a blob: URL. A kind it cannot show offers the download instead; Escape closes, focus back
 * on the name; with its peers gone the preview says so, and Retry reads it once one is back.
 * The tab only reads (it does not contribute), so every byte it shows crossed a data channel.
 */
import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  chooseFiles,
  buildWebApp,
  dataChannelBytes,
  launchChromium,
  openTab,
  randomBytes,
  RECORD_CONNECTIONS,
  removeDir,
  startMaster,
  startNodePeer,
  tempDir,
  waitForOnlinePeers,
  waitForTransfer,
  type MasterProcess,
  type NodePeerProcess,
  type Tab,
} from './harness.js';

const MiB = 1024 * 1024;
const IMAGE = { name: 'dot.png', width: 37, height: 23, bytes: png(37, 23) };
const TEXT = { name: 'notes.txt', text: 'Grüße aus dem Mesh ☕\n\tline two <b>not bold</b>\n' };
const LONG_TEXT = { name: 'long.log', bytes: Buffer.alloc(Math.round(2.5 * MiB), 'log line\n') };
const UNKNOWN = { name: 'backup.bin', bytes: randomBytes(20_000, 7) };
const BINARY = { name: 'firmware', bytes: randomBytes(20_000, 8) };
const AUDIO = { name: 'tone.wav', seconds: 1 };

/** A valid PNG of `width` × `height` RGB pixels: signature, IHDR, one IDAT, IEND. */
function png(width: number, height: number): Buffer {
  const row = Buffer.alloc(1 + width * 3); // filter byte 0 ("none"), then the pixels
  for (let x = 0; x < width; x++) row.set([(x * 7) % 256, 120, 200], 1 + x * 3);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, truecolour, deflate, no filter set, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(Buffer.concat(Array<Buffer>(height).fill(row)))), pngChunk('IEND', Buffer.alloc(0))]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const framed = Buffer.alloc(body.length + 8);
  framed.writeUInt32BE(data.length, 0);
  body.copy(framed, 4);
  framed.writeUInt32BE(crc32(body), body.length + 4);
  return framed;
}

/** A WAV of `seconds` of a 440 Hz tone: 16-bit mono PCM at 8 kHz. */
function wav(seconds: number): Buffer {
  const rate = 8_000;
  const samples = Buffer.alloc(seconds * rate * 2);
  for (let i = 0; i < seconds * rate; i++) samples.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8_000), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28); // bytes per second
  header.writeUInt16LE(2, 32); // bytes per frame
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]);
}

/** Clicks the file's name and returns its preview dialog. */
async function openPreview(page: Page, name: string): Promise<Locator> {
  await page.getByRole('button', { name, exact: true }).click();
  const dialog = page.getByRole('dialog', { name });
  await dialog.waitFor();
  return dialog;
}

/** The element that has focus, looking into shadow roots. */
function focused(page: Page): Promise<{ tag?: string; text?: string }> {
  return page.evaluate(() => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    return { tag: element?.tagName, text: element?.textContent?.trim() };
  });
}

async function closePreview(page: Page, dialog: Locator): Promise<void> {
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
}

describe('preview', () => {
  let master: MasterProcess;
  const nodeDirs = [tempDir('preview-peer'), tempDir('preview-peer')];
  let nodes: NodePeerProcess[] = [];
  let browser: Browser;
  let tab: Tab;

  beforeAll(async () => {
    buildWebApp();
    master = await startMaster();
    nodes = await Promise.all(nodeDirs.map((dir) => startNodePeer(master.url, dir, ['--capacity', '1GiB'])));
    browser = await launchChromium();
    tab = await openTab(browser, `${master.url}/`, { initScript: RECORD_CONNECTIONS });
    await tab.page.getByRole('tab', { name: 'This device' }).click();
    await tab.page.getByRole('button', { name: 'Stop contributing' }).click();
    await tab.page.waitForFunction(() => window.meshdrive?.state().contributing === false && window.meshdrive.state().link === 'connected');
    await waitForOnlinePeers(tab.page, nodes.length);
    await tab.page.getByRole('tab', { name: 'Files' }).click();
    const files = [
      { name: IMAGE.name, bytes: IMAGE.bytes },
      { name: TEXT.name, bytes: Buffer.from(TEXT.text) },
      { name: LONG_TEXT.name, bytes: LONG_TEXT.bytes },
      { name: UNKNOWN.name, bytes: UNKNOWN.bytes },
      { name: BINARY.name, bytes: BINARY.bytes },
      { name: AUDIO.name, bytes: wav(AUDIO.seconds) },
    ];
    await chooseFiles(tab.page, files);
    for (const file of files) await waitForTransfer(tab.page, file.name);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const node of nodes) await node.stop();
    await master?.stop();
    for (const dir of nodeDirs) removeDir(dir);
  });

  it('shows an image read from the peers at its own size', async () => {
    const received = await dataChannelBytes(tab.page, 'bytesReceived');
    const dialog = await openPreview(tab.page, IMAGE.name);
    const image = dialog.locator('img');
    await image.waitFor({ timeout: 30_000 });
    expect((await dataChannelBytes(tab.page, 'bytesReceived')) - received).toBeGreaterThanOrEqual(IMAGE.bytes.length);
    expect(await image.getAttribute('src')).toMatch(/^blob:/);
    const size = await image.evaluate(async (img: HTMLImageElement) => {
      await img.decode();
      return { width: img.naturalWidth, height: img.naturalHeight };
    });
    expect(size).toEqual({ width: IMAGE.width, height: IMAGE.height });
    await closePreview(tab.page, dialog);
    expect(tab.errors).toEqual([]);
  }, 60_000);

  it('shows a text exactly, and Escape closes it with focus back on the name', async () => {
    const { page } = tab;
    const dialog = await openPreview(page, TEXT.name);
    const text = dialog.locator('pre');
    await expect.poll(() => text.textContent(), { timeout: 30_000 }).toBe(TEXT.text);
    expect(await focused(page)).toEqual({ tag: 'BUTTON', text: 'Close' });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await focused(page)).toEqual({ tag: 'BUTTON', text: TEXT.name });
    expect(tab.errors).toEqual([]);
  }, 60_000);

  it('shows only the first MiB of a long text and offers all of it as a download', async () => {
    const dialog = await openPreview(tab.page, LONG_TEXT.name);
    await dialog.getByText('Showing the first 1.00 MiB of 2.50 MiB.').waitFor({ timeout: 30_000 });
    await expect(dialog.getByRole('button', { name: 'Download all of it' }).isVisible()).resolves.toBe(true);
    expect(await dialog.locator('pre').textContent()).toBe(LONG_TEXT.bytes.subarray(0, MiB).toString());
    await closePreview(tab.page, dialog);
    expect(tab.errors).toEqual([]);
  }, 60_000);

  it('offers the download for a kind it cannot show, and the download brings the file', async () => {
    const { page } = tab;
    const dialog = await openPreview(page, UNKNOWN.name);
    await dialog.getByText('No preview for this kind of file.').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), dialog.getByRole('button', { name: 'Download' }).click()]);
    await dialog.waitFor({ state: 'detached' });
    expect(readFileSync(await download.path()).equals(UNKNOWN.bytes)).toBe(true);
    expect(tab.errors).toEqual([]);
  }, 90_000);

  it('turns away a binary that has no extension', async () => {
    const dialog = await openPreview(tab.page, BINARY.name);
    await dialog.getByText('This looks like a binary file, so there is no text to show.').waitFor({ timeout: 30_000 });
    await expect(dialog.getByRole('button', { name: 'Download' }).isVisible()).resolves.toBe(true);
    await expect(dialog.locator('pre').count()).resolves.toBe(0);
    await closePreview(tab.page, dialog);
    expect(tab.errors).toEqual([]);
  }, 60_000);

  it('plays audio from a blob: URL', async () => {
    const dialog = await openPreview(tab.page, AUDIO.name);
    const audio = dialog.locator('audio');
    await audio.waitFor({ timeout: 30_000 });
    expect(await audio.getAttribute('src')).toMatch(/^blob:/);
    await expect.poll(() => audio.evaluate((element: HTMLAudioElement) => element.duration), { timeout: 15_000 }).toBeCloseTo(AUDIO.seconds, 1);
    await closePreview(tab.page, dialog);
    expect(tab.errors).toEqual([]);
  }, 60_000);

  // Last: it stops the headless peers.
  it('says why when the peers are gone, and Retry reads the file once one is back', async () => {
    const { page } = tab;
    await Promise.all(nodes.map((node) => node.stop()));
    await page.waitForFunction(() => window.meshdrive!.state().mesh?.peers.every((peer) => peer.status !== 'online'), undefined, { timeout: 15_000 });
    const dialog = await openPreview(page, IMAGE.name);
    const alert = dialog.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toBe('Every peer holding part of this file is offline right now. It comes back when one of them does: retry in a moment.');

    nodes = [await startNodePeer(master.url, nodeDirs[0], ['--capacity', '1GiB'])];
    await waitForOnlinePeers(page, 1);
    await dialog.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => dialog.locator('img').evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth)), { timeout: 30_000 }).toBe(IMAGE.width);
    await closePreview(page, dialog);
    expect(tab.errors).toEqual([]);
  }, 90_000);
});
