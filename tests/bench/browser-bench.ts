/**
 * Browser numbers for `npm run bench` (issue 3): the tab-to-tab raw data-channel ceiling
 * (64 KiB messages), a 64 MiB file uploaded and downloaded between tabs through the web app,
 * and IndexedDB write/read MiB/s for 1 KiB chunks in batched transactions. Every tab is its
 * own Chromium with an on-disk profile (in-memory profiles overstate IndexedDB). As root and
 * outside a test namespace it makes its own, so WebRTC traffic stays off the host network.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canCreateNamespace, createNamespace, deleteNamespace } from '../../scripts/netns.mjs';
import type { BrowserContext, Page } from 'playwright-core';
import {
  buildWebApp,
  downloadThroughUi,
  joined,
  launchProfile,
  randomBytes,
  removeDir,
  runInsideNamespace,
  startMaster,
  tempDir,
  waitForOnlinePeers,
  waitForTransfer,
  type MasterProcess,
} from '../browser/harness.js';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const MiB = 1024 * 1024;
const RAW_TOTAL_BYTES = 128 * MiB;
const RAW_MESSAGE_BYTES = 64 * 1024;
const FILE_BYTES = 64 * MiB;
const IDB_CHUNKS = 32 * 1024;
const IDB_BATCH_CHUNKS = 1024;
/** A transfer's share of the raw ceiling the issue asks for. */
const TARGET_SHARE = 0.5;

export async function runBrowserBench(): Promise<BenchResult[]> {
  const ownNamespace = !process.env.MESHDRIVE_TEST_NETNS && canCreateNamespace() ? `meshdrive-bench-${process.pid}` : undefined;
  if (ownNamespace) {
    createNamespace(ownNamespace);
    runInsideNamespace(ownNamespace);
  }
  try {
    return await measure();
  } finally {
    if (ownNamespace) {
      runInsideNamespace(undefined);
      deleteNamespace(ownNamespace);
    }
  }
}

async function measure(): Promise<BenchResult[]> {
  const dirs: string[] = [];
  const contexts: BrowserContext[] = [];
  let master: MasterProcess | undefined;
  const profile = async (): Promise<Page> => {
    const dir = tempDir('bench-profile');
    dirs.push(dir);
    const context = await launchProfile(dir);
    contexts.push(context);
    return context.pages()[0] ?? context.newPage();
  };
  try {
    buildWebApp();
    const masterDir = tempDir('bench-master');
    dirs.push(masterDir);
    master = await startMaster(masterDir);
    const results: BenchResult[] = [];

    // 1. The ceiling: two Chromiums, one native data channel, 64 KiB messages with backpressure.
    const [sender, receiver] = [await profile(), await profile()];
    for (const page of [sender, receiver]) await page.goto(`${master.url}/store-test.html`);
    const ceiling = await rawChannelMiBps(sender, receiver);
    results.push({ name: 'browser tab→tab raw data channel, 64 KiB messages', value: ceiling, unit: 'MiB/s', note: 'ceiling' });

    // 2. IndexedDB alone, 1 KiB chunks, one transaction per 1024-chunk batch (a segment).
    const idb = await receiver.evaluate(([chunks, batch]) => window.storeBench(chunks, batch, 'relaxed'), [IDB_CHUNKS, IDB_BATCH_CHUNKS] as const);
    results.push({ name: 'IndexedDB write, 1 KiB chunks, 1024 per transaction', value: idb.writeMiBps, unit: 'MiB/s' });
    results.push({ name: 'IndexedDB read, 1 KiB chunks, 1024 per transaction', value: idb.readMiBps, unit: 'MiB/s' });
    for (const context of contexts.splice(0)) await context.close();

    // 3. A 64 MiB file between tabs: two storage tabs (R = 2) and a third tab that only uploads
    //    and downloads, so every byte crosses a data channel.
    const storage = [await profile(), await profile()];
    const client = await profile();
    for (const page of [...storage, client]) {
      await page.goto(`${master.url}/`);
      await joined(page);
    }
    await client.getByRole('tab', { name: 'This device' }).click();
    await client.getByRole('button', { name: 'Stop contributing' }).click();
    await client.getByRole('button', { name: 'Resume contributing' }).waitFor();
    await waitForOnlinePeers(client, 2);
    const work = tempDir('bench-file');
    dirs.push(work);
    const path = join(work, 'bench-64mib.bin');
    const bytes = randomBytes(FILE_BYTES, 64);
    writeFileSync(path, bytes);
    await client.getByRole('tab', { name: 'Files' }).click();
    let started = performance.now();
    await client.locator('md-drop-zone input[type=file]').setInputFiles(path);
    await waitForTransfer(client, 'bench-64mib.bin', 300_000);
    const upload = FILE_BYTES / MiB / ((performance.now() - started) / 1000);
    started = performance.now();
    const received = await downloadThroughUi(client, 'bench-64mib.bin', 300_000);
    const download = FILE_BYTES / MiB / ((performance.now() - started) / 1000);
    if (!received.equals(bytes)) throw new Error('the 64 MiB file came back different');
    const target = `target ≥ ${(ceiling * TARGET_SHARE).toFixed(1)} (${TARGET_SHARE * 100}% of ceiling)`;
    results.push({ name: 'browser upload 64 MiB, tab→2 storage tabs (R=2)', value: upload, unit: 'MiB/s', note: `${target}${upload >= ceiling * TARGET_SHARE ? '' : ': MISSED'}` });
    results.push({ name: 'browser download 64 MiB, storage tabs→tab', value: download, unit: 'MiB/s', note: `${target}${download >= ceiling * TARGET_SHARE ? '' : ': MISSED'}` });
    return results;
  } finally {
    for (const context of contexts) await context.close().catch(() => undefined);
    await master?.stop();
    for (const dir of dirs) removeDir(dir);
  }
}

/** MiB/s through one ordered data channel between two pages, signaled by this process. */
async function rawChannelMiBps(sender: Page, receiver: Page): Promise<number> {
  const offer = await sender.evaluate(async () => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const channel = pc.createDataChannel('bench', { ordered: true });
    channel.binaryType = 'arraybuffer';
    Object.assign(window, { benchPc: pc, benchChannel: channel });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    });
    return JSON.stringify(pc.localDescription);
  });
  const answer = await receiver.evaluate(async ([offerJson, total]) => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const done = new Promise<void>((resolve) => {
      pc.addEventListener('datachannel', ({ channel }) => {
        channel.binaryType = 'arraybuffer';
        let received = 0;
        channel.onmessage = (event: MessageEvent<ArrayBuffer>) => {
          received += event.data.byteLength;
          if (received >= total) resolve();
        };
      });
    });
    Object.assign(window, { benchPc: pc, benchDone: done });
    await pc.setRemoteDescription(JSON.parse(offerJson) as RTCSessionDescriptionInit);
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    });
    return JSON.stringify(pc.localDescription);
  }, [offer, RAW_TOTAL_BYTES] as const);
  await sender.evaluate(async (answerJson) => {
    const { benchPc, benchChannel } = window as unknown as { benchPc: RTCPeerConnection; benchChannel: RTCDataChannel };
    await benchPc.setRemoteDescription(JSON.parse(answerJson) as RTCSessionDescriptionInit);
    if (benchChannel.readyState !== 'open') await new Promise((resolve) => benchChannel.addEventListener('open', resolve, { once: true }));
  }, answer);
  const started = performance.now();
  const sending = sender.evaluate(async ([total, size]) => {
    const { benchChannel } = window as unknown as { benchChannel: RTCDataChannel };
    const message = new Uint8Array(size);
    crypto.getRandomValues(message);
    const HIGH_WATER = 4 * 1024 * 1024;
    benchChannel.bufferedAmountLowThreshold = 1024 * 1024;
    for (let sent = 0; sent < total; sent += size) {
      if (benchChannel.bufferedAmount > HIGH_WATER) {
        await new Promise((resolve) => benchChannel.addEventListener('bufferedamountlow', resolve, { once: true }));
      }
      benchChannel.send(message);
    }
  }, [RAW_TOTAL_BYTES, RAW_MESSAGE_BYTES] as const);
  await Promise.all([sending, receiver.evaluate(() => (window as unknown as { benchDone: Promise<void> }).benchDone)]);
  const seconds = (performance.now() - started) / 1000;
  for (const page of [sender, receiver]) await page.evaluate(() => (window as unknown as { benchPc: RTCPeerConnection }).benchPc.close());
  return RAW_TOTAL_BYTES / MiB / seconds;
}
