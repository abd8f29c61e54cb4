/**
 * A tab moves to another master when its own dies: two masters on one PostgreSQL directory and
 * one Redis, three headless peers given both, and a tab opened on the first. The first master
 * names the second (/api/masters); SIGKILL the first, and the tab's peer and client rejoin the
 * second, which lets the first's origin in. A file uploaded before downloads byte-exact after,
 * and a new upload goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startPostgres, startRedis, type LocalPostgres, type LocalServer } from '@meshdrive/signal/local-servers';
import {
  buildWebApp,
  downloadThroughUi,
  launchChromium,
  openTab,
  randomBytes,
  startMaster,
  startNodePeer,
  uploadThroughUi,
  waitForOnlinePeers,
  type MasterProcess,
  type NodePeerProcess,
  type Tab,
} from './harness.js';

describe('a tab whose master dies', () => {
  let postgres: LocalPostgres;
  let redis: LocalServer;
  const masters: MasterProcess[] = [];
  const nodes: NodePeerProcess[] = [];
  let browser: Browser;
  let tab: Tab;

  beforeAll(async () => {
    buildWebApp();
    [postgres, redis] = await Promise.all([startPostgres({ fsync: false }), startRedis()]);
    const directory = await postgres.createDatabase();
    for (let i = 0; i < 2; i++) masters.push(await startMaster(undefined, 0, ['--directory', directory, '--redis', redis.url]));
    const signal = masters.map((master) => master.url).join(',');
    for (let i = 0; i < 3; i++) nodes.push(await startNodePeer(signal));
    browser = await launchChromium();
    tab = await openTab(browser, `${masters[0]!.url}/`);
    await waitForOnlinePeers(tab.page, 4, 30_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const node of nodes) await node.stop();
    for (const master of masters) await master.stop();
    await Promise.all([postgres?.stop(), redis?.stop()]);
  });

  it('rejoins the other master, and files stored before and after both read back byte-exact', async () => {
    const { page } = tab;
    expect(await page.evaluate(async () => ((await (await fetch('/api/masters')).json()) as { masters: string[] }).masters)).toEqual(masters.map((master) => master.url));
    const before = randomBytes(2 * 1024 * 1024, 41);
    await uploadThroughUi(page, 'before.bin', before);

    masters[0]!.child.kill('SIGKILL');
    await page.waitForFunction(() => window.meshdrive?.state().link !== 'connected', undefined, { timeout: 15_000 });
    await page.waitForFunction(() => window.meshdrive?.state().link === 'connected', undefined, { timeout: 30_000 });
    await waitForOnlinePeers(page, 4, 30_000);

    expect((await downloadThroughUi(page, 'before.bin', 60_000)).equals(before)).toBe(true);
    const after = randomBytes(1024 * 1024, 42);
    await uploadThroughUi(page, 'after.bin', after);
    expect((await downloadThroughUi(page, 'after.bin', 60_000)).equals(after)).toBe(true);
    expect(tab.errors.filter((error) => !/ERR_CONNECTION_REFUSED|Failed to load resource|WebSocket connection/.test(error))).toEqual([]);
  }, 180_000);
});
