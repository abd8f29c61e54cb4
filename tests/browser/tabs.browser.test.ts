/**
 * Browser tabs as real storage peers: several tabs (each its own browser context, so its own
 * IndexedDB) and headless Node peers share one mesh. Files go in and out through the UI: the
 * file input and the browser's download.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  downloadThroughUi,
  randomBytes,
  startBrowserMesh,
  uploadThroughUi,
  type BrowserMesh,
  type NodePeerProcess,
  type Tab,
} from './harness.js';

const MiB = 1024 * 1024;

async function segmentHolders(tab: Tab, name: string): Promise<string[][]> {
  const located = await tab.page.evaluate((file) => window.meshdrive!.locate(file), name);
  return located.manifest.segments.map((segment) => segment.holders);
}

describe('three tabs and a headless peer', () => {
  let mesh: BrowserMesh | undefined;
  let tabs: Tab[] = [];

  beforeAll(async () => {
    mesh = await startBrowserMesh({ nodePeers: 1, tabs: 3 });
    tabs = mesh.tabs;
  }, 60_000);

  afterAll(async () => {
    await mesh?.stop();
  });

  it('reads a 5 MiB file uploaded in tab A from tab C after the primary tab of its first segment closes', async () => {
    const [tabA] = tabs as [Tab, Tab, Tab];
    // Placement is random per file: upload until a tab (not the Node peer) is the first segment's primary.
    let name = '';
    let bytes: Buffer = Buffer.alloc(0);
    let primary: string | undefined;
    for (let attempt = 0; attempt < 5 && !tabs.some((tab) => tab.peerId === primary); attempt++) {
      name = `five-mib-${attempt}.bin`;
      bytes = randomBytes(5 * MiB, 100 + attempt);
      await uploadThroughUi(tabA.page, name, bytes);
      primary = (await segmentHolders(tabA, name))[0]![0];
    }
    const closing = tabs.find((tab) => tab.peerId === primary);
    expect(closing, 'a tab became the primary of the first segment').toBeDefined();
    const holders = await segmentHolders(tabA, name);
    expect(holders.every((set) => set.length === 3)).toBe(true);
    const tabC = tabs.find((tab) => tab !== closing && tab !== tabA) ?? tabs.find((tab) => tab !== closing)!;

    await closing!.close();
    tabs = tabs.filter((tab) => tab !== closing);
    const received = await downloadThroughUi(tabC.page, name);
    expect(received.length).toBe(bytes.length);
    expect(received.equals(bytes)).toBe(true);
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  }, 120_000);
});

describe('tabs alone after every headless peer stops', () => {
  let mesh: BrowserMesh | undefined;
  let nodes: NodePeerProcess[] = [];
  let tabs: Tab[] = [];

  beforeAll(async () => {
    mesh = await startBrowserMesh({ nodePeers: 2, tabs: 2 });
    ({ nodes, tabs } = mesh);
  }, 60_000);

  afterAll(async () => {
    await mesh?.stop();
  });

  it('still reads a file whose chunks the tabs hold', async () => {
    const [uploader, reader] = tabs as [Tab, Tab];
    const bytes = randomBytes(3 * MiB + 4321, 7);
    await uploadThroughUi(uploader.page, 'spread.bin', bytes);
    const holders = await segmentHolders(uploader, 'spread.bin');
    const tabIds = new Set(tabs.map((tab) => tab.peerId));
    const nodeIds = new Set(nodes.map((node) => node.id));
    // Chunks went to both kinds of peer, and every segment has a copy on a tab.
    expect(holders.flat().some((id) => nodeIds.has(id))).toBe(true);
    expect(holders.every((set) => set.some((id) => tabIds.has(id)))).toBe(true);

    for (const node of nodes) await node.stop();
    await reader.page.waitForFunction(
      (ids) => window.meshdrive!.state().mesh?.peers.filter((peer) => ids.includes(peer.id)).every((peer) => peer.status !== 'online') ?? false,
      [...nodeIds],
      { timeout: 10_000 },
    );
    const received = await downloadThroughUi(reader.page, 'spread.bin');
    expect(received.equals(bytes)).toBe(true);
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  }, 120_000);
});
