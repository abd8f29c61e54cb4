/**
 * The chunk-store acceptance suite (the same cases the memory and SQLite stores pass in Node)
 * run on the IndexedDB store inside Chromium, on an on-disk profile. Each case is its own test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { chunkStoreAcceptance } from '@meshdrive/core/testing';
import { buildWebApp, CHROMIUM_ARGS, CHROMIUM_PATH, removeDir, startMaster, tempDir, type MasterProcess } from './harness.js';

describe('IdbStore passes the chunk-store acceptance suite in Chromium', () => {
  let master: MasterProcess;
  let context: BrowserContext;
  let page: Page;
  const profile = tempDir('idb-profile');
  const errors: string[] = [];

  beforeAll(async () => {
    buildWebApp();
    master = await startMaster(); // any localhost server would do: the page needs a secure context
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${master.url}/store-test.html`);
    await page.waitForFunction(() => window.storeAcceptance !== undefined);
  });

  afterAll(async () => {
    await context?.close();
    await master?.stop();
    removeDir(profile);
  });

  it('exposes every case', async () => {
    const names = await page.evaluate(() => window.storeAcceptance.names);
    expect(names).toEqual(chunkStoreAcceptance.map((test) => test.name));
  });

  it('moves a version-1 database (one record per chunk) into packs on open', async () => {
    expect(await page.evaluate(() => window.storeMigration(2500))).toBeNull();
    expect(errors).toEqual([]);
  });

  for (const test of chunkStoreAcceptance) {
    it(test.name, async () => {
      const failure = await page.evaluate((name) => window.storeAcceptance.run(name), test.name);
      expect(failure).toBeNull();
      expect(errors).toEqual([]);
    });
  }
});
