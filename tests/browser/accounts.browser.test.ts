/**
 * Accounts in the web app: a new browser sees the log-in screen; a wrong password says so in
 * one sentence; creating an account opens the app; another person's browser lists none of the
 * first one's files; logging out in one tab logs out every tab of the profile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  buildWebApp, joined, launchChromium, openTab, randomBytes, startMaster, startNodePeer, uploadThroughUi, type MasterProcess, type NodePeerProcess,
} from './harness.js';

async function fillForm(page: Page, user: string, password: string, submit: string): Promise<void> {
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: submit }).click();
}

describe('accounts in the web app', () => {
  let master: MasterProcess;
  const nodes: NodePeerProcess[] = [];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    buildWebApp();
    master = await startMaster();
    for (let i = 0; i < 2; i++) nodes.push(await startNodePeer(master.url));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const node of nodes) await node.stop();
    await master?.stop();
  });

  it('shows the log-in screen first, and a wrong password in one sentence', async () => {
    await page.goto(`${master.url}/`);
    await page.getByRole('heading', { name: 'Log in to Meshdrive' }).waitFor();
    await fillForm(page, 'tester', 'not the password', 'Log in');
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Wrong user name or password.');
  });

  it('creates an account and opens the app under it, seeing none of another person’s files', async () => {
    // TEST_USER (the harness's person) stores a file from their own browser.
    const other = await openTab(browser, `${master.url}/`);
    await uploadThroughUi(other.page, 'not-yours.txt', randomBytes(2048, 1));

    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your Meshdrive account' }).waitFor();
    await fillForm(page, 'ada', 'short', 'Create account');
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/at least 8 characters/);
    await fillForm(page, 'ada', 'analytical engine', 'Create account');
    const state = await joined(page);
    expect(state.fatal).toBeNull();
    await page.locator('md-app [data-user="ada"]').waitFor();
    await page.waitForFunction(() => window.meshdrive!.state().mesh !== null);
    await uploadThroughUi(page, 'ada-only.txt', randomBytes(1024, 2));
    const names = await page.evaluate(() => window.meshdrive!.state().mesh!.files.map((file) => file.name));
    expect(names).toEqual(['ada-only.txt']);
    const theirs = await other.page.evaluate(() => window.meshdrive!.state().mesh!.files.map((file) => file.name));
    expect(theirs).not.toContain('ada-only.txt');
    await other.close();
  }, 60_000);

  it('logs out every tab of the browser at once', async () => {
    const second = await context.newPage();
    await second.goto(`${master.url}/`);
    await joined(second);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in to Meshdrive' }).waitFor();
    await second.getByRole('heading', { name: 'Log in to Meshdrive' }).waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => localStorage.getItem('meshdrive.session'))).toBeNull();
    await second.close();
  }, 30_000);
});
