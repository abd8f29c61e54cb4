/**
 * The network view explains itself: a device name set in one tab reaches every tab and the
 * master without a rejoin, the ring labels each peer with a sizeable share, and pointing at or
 * focusing a peer in the legend shows which files' segments it holds. One mesh for the file: a
 * headless peer, one named with --label, two tabs in their own profiles and a second tab of the
 * first profile (a client of its storage peer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { MeshState } from '@meshdrive/core';
import { masterState, openTabBeside, randomBytes, startBrowserMesh, startNodePeer, uploadThroughUi, waitForOnlinePeers, type BrowserMesh, type Tab } from './harness.js';

/** The share of the ring below which a peer gets no label on the picture (md-ring-view). */
const MIN_LABELLED_SHARE = 0.04;
/** A new name must show within a few heartbeats and status polls. */
const NAME_SHOWS_MS = 5_000;

async function showNetwork(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.locator('md-network-view md-ring-view').waitFor();
}


/** Each peer's share of the ring, as the picture computes it: a node owns the arc up to its position. */
function ringShares(ring: MeshState['ring']): Map<string, number> {
  const nodes = [...ring].sort((a, b) => a.position - b.position);
  const shares = new Map<string, number>();
  nodes.forEach((node, i) => {
    const previous = i === 0 ? nodes[nodes.length - 1]!.position - 2 ** 32 : nodes[i - 1]!.position;
    shares.set(node.peer, (shares.get(node.peer) ?? 0) + (node.position - previous) / 2 ** 32);
  });
  return shares;
}

describe('the network view explains itself', () => {
  let mesh: BrowserMesh | undefined;
  let holder: Tab;
  let watcher: Tab;
  let client: Tab;
  let buildServer: string;

  beforeAll(async () => {
    mesh = await startBrowserMesh({ nodePeers: 1, tabs: 2 });
    [holder, watcher] = mesh.tabs as [Tab, Tab];
    const labelled = await startNodePeer(mesh.master.url, undefined, ['--capacity', '1GiB', '--label', 'build server']);
    mesh.nodes.push(labelled);
    buildServer = labelled.id;
    client = await openTabBeside(holder, `${mesh.master.url}/`);
    await waitForOnlinePeers(watcher.page, 4);
    await uploadThroughUi(holder.page, 'holiday-photos.zip', randomBytes(3 * 1024 * 1024 + 100, 1));
    await uploadThroughUi(watcher.page, 'notes.txt', randomBytes(20 * 1024, 2));
  }, 90_000);

  afterAll(async () => {
    await mesh?.stop();
  });

  it('shows a device name set in another tab of the profile everywhere within seconds, same peer, no rejoin', async () => {
    expect(await client.page.evaluate(() => window.meshdrive!.state().role)).toBe('client');
    let newSockets = 0;
    holder.page.on('websocket', () => newSockets++);
    await showNetwork(watcher.page);
    const card = watcher.page.locator(`md-network-view article[data-peer="${holder.peerId}"] .label`);
    expect(await card.innerText()).toMatch(/^Chromium on Linux [A-Za-z0-9_-]{4}$/);

    await client.page.getByRole('tab', { name: 'This device' }).click();
    await client.page.getByLabel('Device name').fill('  Kitchen laptop  ');
    await client.page.getByRole('button', { name: 'Save' }).click();

    await expect.poll(() => card.innerText(), { timeout: NAME_SHOWS_MS }).toBe('Kitchen laptop');
    const peer = (await masterState(watcher.page)).peers.find((view) => view.id === holder.peerId);
    expect(peer).toMatchObject({ status: 'online', label: 'Kitchen laptop', device: 'Chromium on Linux' });
    // The holder tab kept its one line to the master: the name came with a heartbeat.
    expect(newSockets).toBe(0);
    await holder.page.getByRole('tab', { name: 'This device' }).click();
    await expect.poll(() => holder.page.getByLabel('Device name').inputValue()).toBe('Kitchen laptop');

    // An empty name goes back to the browser's, with the id to tell tabs apart.
    await holder.page.getByLabel('Device name').fill('');
    await holder.page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => card.innerText(), { timeout: NAME_SHOWS_MS }).toMatch(/^Chromium on Linux [A-Za-z0-9_-]{4}$/);
    await holder.page.getByLabel('Device name').fill('Kitchen laptop');
    await holder.page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => card.innerText(), { timeout: NAME_SHOWS_MS }).toBe('Kitchen laptop');
    expect([...holder.errors, ...client.errors, ...watcher.errors]).toEqual([]);
  }, 60_000);

  it('labels every peer with a sizeable share on the ring, and ticks the stored segments', async () => {
    const page = watcher.page;
    await showNetwork(page);
    const state = await masterState(watcher.page);
    const sizeable = [...ringShares(state.ring)].filter(([, share]) => share >= MIN_LABELLED_SHARE).map(([peer]) => peer);
    expect(sizeable.length).toBeGreaterThanOrEqual(3);
    const labels = page.locator('md-ring-view [data-ring-label]');
    await expect.poll(async () => (await labels.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-ring-label')))).sort()).toEqual([...sizeable].sort());
    for (const text of await labels.locator('text').allTextContents()) expect(text.trim().length).toBeGreaterThan(0);
    if (sizeable.includes(buildServer)) expect(await page.locator(`md-ring-view [data-ring-label="${buildServer}"] text`).textContent()).toBe('build server');
    expect(state.segmentPositions.length).toBe(5); // four segments of the photos, one of the notes
    expect(await page.locator('md-ring-view .ticks path').count()).toBeGreaterThan(0);
    expect(await page.locator('md-network-view [data-ring-explain]').innerText()).toMatch(/arc .* tick .* segment .* clockwise/);
  }, 30_000);

  it('shows what a peer holds while it is pointed at or focused in the legend', async () => {
    const page = watcher.page;
    await showNetwork(page);
    const state = await masterState(watcher.page);
    const holding = (name: string) => state.peers.filter((peer) => peer.status === 'online' && peer.holds.files.some((file) => file.name === name));
    const [pointed] = holding('holiday-photos.zip');
    const focused = state.peers.find((peer) => peer.status === 'online' && peer.id !== pointed!.id && peer.holds.files.length > 0);
    expect(pointed && focused).toBeTruthy();

    await page.locator(`md-ring-view button.owner[data-peer="${pointed!.id}"]`).hover();
    const panel = page.locator(`md-ring-view #holdings[data-holdings="${pointed!.id}"]`);
    await panel.waitFor();
    expect(await panel.innerText()).toContain('holiday-photos.zip');
    expect(await panel.innerText()).toMatch(/% of the ring · primary for \d+ segments? · backup for \d+/);
    // Its arcs stay lit, every other peer's fade.
    expect(await page.locator(`md-ring-view .arcs path:not(.dim)`).count()).toBe(state.ring.filter((node) => node.peer === pointed!.id).length);

    // The keyboard reaches the same panel through the legend, once the pointer is gone.
    await page.mouse.move(0, 0);
    await page.locator(`md-ring-view button.owner[data-peer="${focused!.id}"]`).focus();
    const focusedPanel = page.locator(`md-ring-view #holdings[data-holdings="${focused!.id}"]`);
    await focusedPanel.waitFor();
    for (const file of focused!.holds.files) expect(await focusedPanel.innerText()).toContain(file.name);
    expect(watcher.errors).toEqual([]);
  }, 30_000);
});
