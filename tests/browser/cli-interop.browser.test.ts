/** Browser and Node peers interoperate: the CLI receives what a tab uploaded, and a tab downloads what the CLI sent. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  downloadThroughUi,
  randomBytes,
  removeDir,
  runCli,
  startBrowserMesh,
  tempDir,
  uploadThroughUi,
  type BrowserMesh,
  type MasterProcess,
  type Tab,
} from './harness.js';

describe('tab and CLI', () => {
  let mesh: BrowserMesh | undefined;
  let master: MasterProcess;
  let tabs: Tab[] = [];
  const work = tempDir('cli-interop');

  beforeAll(async () => {
    mesh = await startBrowserMesh({ nodePeers: 1, tabs: 2 });
    ({ master, tabs } = mesh);
  }, 60_000);

  afterAll(async () => {
    await mesh?.stop();
    removeDir(work);
  });

  it('the CLI receives a file uploaded in a tab', async () => {
    const bytes = randomBytes(2 * 1024 * 1024 + 99, 21);
    await uploadThroughUi(tabs[0]!.page, 'from-tab.bin', bytes);
    const out = join(work, 'from-tab.bin');
    await runCli(['receive', 'from-tab.bin', '--out', out, '--signal', master.url]);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  }, 60_000);

  it('a tab downloads a file sent with the CLI', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 5, 22);
    const path = join(work, 'from-cli.bin');
    writeFileSync(path, bytes);
    await runCli(['send', path, '--signal', master.url]);
    const received = await downloadThroughUi(tabs[1]!.page, 'from-cli.bin');
    expect(received.equals(bytes)).toBe(true);
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  }, 60_000);
});
