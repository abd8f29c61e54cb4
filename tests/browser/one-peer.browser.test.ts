/**
 * One storage peer per browser profile: two tabs of one browser context share one IndexedDB,
 * so one of them holds the peer and the other is a client showing its state. Both upload and
 * download; closing the holder hands the peer role, with the same id, to the other tab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  downloadThroughUi,
  openTabBeside,
  randomBytes,
  startBrowserMesh,
  uploadThroughUi,
  type BrowserMesh,
  type Tab,
} from './harness.js';

const MiB = 1024 * 1024;

async function meshPeers(mesh: BrowserMesh): Promise<{ id: string; kind: string; status: string }[]> {
  const state = (await (await fetch(`${mesh.master.url}/api/state`)).json()) as { peers: { id: string; kind: string; status: string }[] };
  return state.peers;
}

describe('two tabs of one browser', () => {
  let mesh: BrowserMesh | undefined;
  let first: Tab;
  let second: Tab;

  beforeAll(async () => {
    mesh = await startBrowserMesh({ nodePeers: 2, tabs: 1 });
    first = mesh.tabs[0]!;
    second = await openTabBeside(first, `${mesh.master.url}/`);
  }, 90_000);

  afterAll(async () => {
    await mesh?.stop();
  });

  it('share one peer: one holds it, the other says so, and the mesh lists it once', async () => {
    expect(await first.page.evaluate(() => window.meshdrive!.state().role)).toBe('peer');
    expect(await second.page.evaluate(() => window.meshdrive!.state().role)).toBe('client');
    expect(second.peerId).toBe(first.peerId);
    await second.page.locator('[data-role="client"]').waitFor();
    // Give a would-be second peer time to join and knock the first off.
    await first.page.waitForTimeout(2_000);
    const browserPeers = (await meshPeers(mesh!)).filter((peer) => peer.kind === 'browser');
    expect(browserPeers).toEqual([expect.objectContaining({ id: first.peerId, status: 'online' })]);
    expect(await first.page.evaluate(() => window.meshdrive!.state().link)).toBe('connected');
  }, 60_000);

  it('both upload and download', async () => {
    const fromFirst = randomBytes(3 * MiB, 11);
    const fromSecond = randomBytes(3 * MiB + 77, 12);
    await uploadThroughUi(first.page, 'from-first.bin', fromFirst);
    await uploadThroughUi(second.page, 'from-second.bin', fromSecond);
    expect((await downloadThroughUi(second.page, 'from-first.bin')).equals(fromFirst)).toBe(true);
    expect((await downloadThroughUi(first.page, 'from-second.bin')).equals(fromSecond)).toBe(true);
  }, 120_000);

  it('hands the peer role, with the same id, to the other tab when the holder closes', async () => {
    const id = first.peerId;
    await first.page.close();
    await second.page.waitForFunction(() => window.meshdrive!.state().role === 'peer', undefined, { timeout: 15_000 });
    await second.page.waitForFunction((peerId) => window.meshdrive!.state().mesh?.peers.find((peer) => peer.id === peerId)?.status === 'online', id, { timeout: 15_000 });
    expect(await second.page.evaluate(() => window.meshdrive!.state().peerId)).toBe(id);
    expect((await meshPeers(mesh!)).filter((peer) => peer.kind === 'browser').map((peer) => peer.id)).toEqual([id]);
    // What the first tab stored is this peer's still: the file reads back through it (not from
    // the copy this browser kept when it downloaded the file before).
    await second.page.evaluate(() => new Promise<void>((resolve, reject) => {
      const opened = indexedDB.open('meshdrive-received');
      opened.onerror = () => reject(new Error(String(opened.error)));
      opened.onsuccess = () => {
        const transaction = opened.result.transaction('files', 'readwrite');
        transaction.objectStore('files').clear();
        transaction.oncomplete = () => resolve();
      };
    }));
    const again = await downloadThroughUi(second.page, 'from-first.bin');
    expect(again.length).toBe(3 * MiB);
    expect([...first.errors, ...second.errors]).toEqual([]);
  }, 120_000);
});
