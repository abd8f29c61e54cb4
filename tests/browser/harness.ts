/**
 * What the browser tests share: the master and headless peers as real `meshdrive` processes,
 * Debian's Chromium driven by playwright-core, and tabs of the built web app. Inside the test
 * network namespace (scripts/run-tests.mjs as root) the master listens on the veth address so
 * Chromium gathers ICE candidates; elsewhere everything stays on loopback.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { logIn as logInWithKeys, nodeCryptoSuite, nodeSealing, revealState, type MeshState } from '@meshdrive/core';
import type { SessionState } from '../../apps/web/src/session.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(REPO_ROOT, 'apps/cli/bin/meshdrive.js');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** How long a spawned process may take to print its ready line. */
const PROCESS_READY_MS = 20_000;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection',
];

/**
 * Where the master listens. Loopback even inside the namespace: the page must be a secure
 * context (WebCrypto, storage.persist), which plain http is only on localhost; Chromium still
 * gathers its ICE candidates from the namespace's veth pair.
 */
export function meetingHost(): string {
  return '127.0.0.1';
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `meshdrive-${prefix}-`));
}

/**
 * Runs the master, the peers and Chromium inside network namespace `name` (the bench uses
 * this when it is not already inside one): processes through `ip netns exec`, Chromium
 * through a small wrapper script, since Playwright launches an executable path.
 */
let namespace: string | undefined;
let chromiumPath = CHROMIUM_PATH;
export function runInsideNamespace(name: string | undefined): void {
  namespace = name;
  if (!name) {
    chromiumPath = CHROMIUM_PATH;
    return;
  }
  chromiumPath = join(tempDir('chromium-netns'), 'chromium');
  writeFileSync(chromiumPath, `#!/bin/sh\nexec ip netns exec ${name} ${CHROMIUM_PATH} "$@"\n`);
  chmodSync(chromiumPath, 0o755);
}

function nodeCommand(args: string[]): [string, string[]] {
  return namespace ? ['ip', ['netns', 'exec', namespace, process.execPath, ...args]] : [process.execPath, args];
}

const WEB_DIST = join(REPO_ROOT, 'apps/web/dist');
/** What the built app is made from; a digest of them is kept beside the build. */
const WEB_INPUTS = ['apps/web/src', 'apps/web/index.html', 'apps/web/store-test.html', 'packages/core/src', 'vite.config.ts', 'package-lock.json'];

/**
 * Builds apps/web unless the build there was made from the same sources: test files each run in
 * a process of their own, and twenty builds of an unchanged app cost the suite ~30 s.
 */
export function buildWebApp(): void {
  const stamp = join(WEB_DIST, '.sources-digest');
  const wanted = digestOf(WEB_INPUTS.map((path) => join(REPO_ROOT, path)));
  if (existsSync(join(WEB_DIST, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], { cwd: REPO_ROOT, stdio: 'inherit' });
  writeFileSync(stamp, wanted);
}

/** SHA-256 over the paths and contents of every file under `paths`, in a stable order. */
function digestOf(paths: string[]): string {
  const hash = createHash('sha256');
  const visit = (path: string): void => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(join(path, name));
      return;
    }
    hash.update(`${relative(REPO_ROOT, path)}\0`).update(readFileSync(path)).update('\0');
  };
  for (const path of paths) visit(path);
  return hash.digest('hex');
}

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Spawns the CLI and resolves once a line matches `ready` (with its match). */
function spawnCli(args: string[], ready: RegExp): Promise<{ proc: RunningProcess; match: RegExpMatchArray }> {
  const [command, commandArgs] = nodeCommand([CLI, ...args]);
  const child = spawn(command, commandArgs, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const proc: RunningProcess = {
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      }),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`meshdrive ${args[0]} not ready after ${PROCESS_READY_MS} ms:\n${output}`)), PROCESS_READY_MS);
    const onData = (data: Buffer): void => {
      output += data.toString();
      const match = output.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ proc, match });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`meshdrive ${args[0]} exited with ${code}:\n${output}`));
    });
  });
}

export interface MasterProcess extends RunningProcess {
  url: string;
}

/** A master on a free port, or on `port` (to restart one where its peers and tabs look for it); `extra` goes to `meshdrive master`. */
export async function startMaster(dataDir = tempDir('master'), port = 0, extra: string[] = []): Promise<MasterProcess> {
  const { proc, match } = await spawnCli(
    ['master', '--port', String(port), '--host', meetingHost(), '--data', dataDir, '--heartbeat-ms', '100', '--stale-ms', '1500', '--dead-ms', '3000', ...extra],
    /master listening on (http:\/\/\S+)/,
  );
  // TEST_USER exists from the start, so tabs only log in (a refused request would be a console error in every tab).
  await cliSession(match[1]!);
  return { ...proc, url: match[1]! };
}

export interface NodePeerProcess extends RunningProcess {
  id: string;
}

export async function startNodePeer(signalUrl: string, dataDir = tempDir('peer'), extra: string[] = []): Promise<NodePeerProcess> {
  const { proc, match } = await spawnCli(['peer', '--signal', signalUrl, '--data', dataDir, ...extra], /peer ([A-Za-z0-9_-]{43}) joined/);
  return { ...proc, id: match[1]! };
}

/** Everyone in the browser tests is this one person: tabs and the CLI see the same files. */
export const TEST_USER = 'tester';
export const TEST_PASSWORD = 'correct horse battery';
/** The mesh's join secret: the masters and headless peers the tests start inherit it from this process's environment. */
export const TEST_JOIN_SECRET = 'browser-test-join-secret-0123456789';
process.env.MESHDRIVE_JOIN_SECRET = TEST_JOIN_SECRET;
/** MESHDRIVE_HOME of the CLI commands the tests run. */
const CLI_HOME = mkdtempSync(join(tmpdir(), 'meshdrive-cli-home-'));
process.on('exit', () => rmSync(CLI_HOME, { recursive: true, force: true }));
const cliSessions = new Map<string, Promise<void>>();

/** Logs the CLI in as TEST_USER on the master at `url` (signing up first where needed), once per master. */
function cliSession(url: string): Promise<void> {
  let session = cliSessions.get(url);
  if (!session) {
    const account = ['--user', TEST_USER, '--signal', url];
    session = runCliAs(['login', ...account]).catch(() => runCliAs(['signup', ...account])).catch(() => runCliAs(['login', ...account])).then(() => undefined);
    cliSessions.set(url, session);
  }
  return session;
}

/** Runs a one-shot CLI command (send, receive, ls) to completion, logged in as TEST_USER. */
export async function runCli(args: string[]): Promise<string> {
  const signal = args.indexOf('--signal');
  if (signal >= 0) await cliSession(args[signal + 1]!);
  return runCliAs(args);
}

/** Runs a one-shot CLI command as whoever is logged in under `home` (another user than TEST_USER, say). */
export function runCliAs(args: string[], home = CLI_HOME): Promise<string> {
  return new Promise((resolve, reject) => {
    const [command, commandArgs] = nodeCommand([CLI, ...args]);
    const env = { ...process.env, MESHDRIVE_HOME: home, MESHDRIVE_PASSWORD: TEST_PASSWORD };
    const child = spawn(command, commandArgs, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`meshdrive ${args.join(' ')} exited ${code}: ${output}`))));
  });
}

/** Flags Playwright adds by default so that background pages keep full speed. */
const NO_BACKGROUND_THROTTLING_ARGS = ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'];

/** `backgroundThrottling`: let Chromium throttle background pages as it does for people. */
export function launchChromium(options: { backgroundThrottling?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: CHROMIUM_ARGS,
    ignoreDefaultArgs: options.backgroundThrottling ? NO_BACKGROUND_THROTTLING_ARGS : undefined,
  });
}

const CONTEXT_OPTIONS = { permissions: ['camera', 'microphone'], viewport: { width: 1100, height: 800 }, acceptDownloads: true };

/** Tabs save through the Blob path so Playwright sees a download event instead of a native picker. */
async function preferBlobDownloads(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    Reflect.deleteProperty(window, 'showSaveFilePicker');
  });
}

export interface Tab {
  page: Page;
  context: BrowserContext;
  /** Uncaught errors the page threw; tests assert there are none. */
  errors: string[];
  peerId: string;
  close(): Promise<void>;
}

async function attach(context: BrowserContext, url: string, closeContext: boolean, newPage = false): Promise<Tab> {
  const page = (newPage ? undefined : context.pages()[0]) ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  await page.goto(url);
  await logIn(page);
  const state = await joined(page);
  return {
    page,
    context,
    errors,
    peerId: state.peerId!,
    close: () => (closeContext ? context.close() : page.close()),
  };
}

/** A tab in its own in-memory browser context (its own IndexedDB); `initScript` runs before the app. */
export async function openTab(browser: Browser, url: string, options: { initScript?: string } = {}): Promise<Tab> {
  const context = await browser.newContext(CONTEXT_OPTIONS);
  await preferBlobDownloads(context);
  if (options.initScript) await context.addInitScript({ content: options.initScript });
  return attach(context, url, true);
}

/** A second tab in `tab`'s browser context: the same profile, IndexedDB and Web Locks. */
export function openTabBeside(tab: Tab, url: string): Promise<Tab> {
  return attach(tab.context, url, false, true);
}

/** A tab in a persistent profile at `profileDir`: IndexedDB on disk, surviving reloads and relaunches. */
export async function openPersistentTab(profileDir: string, url: string): Promise<Tab> {
  const context = await launchProfile(profileDir);
  return attach(context, url, true);
}

/** A Chromium with an on-disk profile (realistic IndexedDB), in the namespace when there is one. */
export async function launchProfile(profileDir: string): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(profileDir, { executablePath: chromiumPath, args: CHROMIUM_ARGS, ...CONTEXT_OPTIONS });
  await preferBlobDownloads(context);
  return context;
}

/**
 * Logs the page's browser profile in as TEST_USER (startMaster signed them up) through the
 * master's endpoint, and reloads into the app. A profile already logged in is left as it is.
 * From inside the page: the master may be reachable only from the test's network namespace.
 */
export async function logIn(page: Page, user = TEST_USER): Promise<void> {
  if (await page.evaluate(() => localStorage.getItem('meshdrive.session') !== null)) return;
  // The password is stretched here, as the app would do it; every request goes from the page.
  const post = async <T>(path: string, body: unknown, accessToken?: string): Promise<T> => {
    const answer = await page.evaluate(async ({ path, body, accessToken }) => {
      const headers = { 'content-type': 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) };
      const attempt = (): Promise<Response> => fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
      let response = await attempt();
      // The master slows log-ins per name after a burst (as against a guesser); many tabs wait their turn.
      for (let tries = 0; response.status === 429 && tries < 10; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        response = await attempt();
      }
      return { ok: response.ok, text: await response.text() };
    }, { path, body, accessToken });
    if (!answer.ok) throw new Error(`cannot log in as ${user}: ${answer.text}`);
    return JSON.parse(answer.text) as T;
  };
  const session = await logInWithKeys(nodeCryptoSuite, post, user, TEST_PASSWORD);
  await page.evaluate((saved) => localStorage.setItem('meshdrive.session', saved), JSON.stringify({ ...session, keys: undefined }));
  await page.reload();
}

/** /api/state as the page's logged-in person sees it (their files; every peer), fetched from inside the page. */
export async function masterState(page: Page): Promise<MeshState> {
  const { state, session } = await page.evaluate(async () => {
    const session = JSON.parse(localStorage.getItem('meshdrive.session') ?? '{}') as { accessToken?: string; user: string; masterKey: string };
    const response = await fetch('/api/state', { headers: { authorization: `Bearer ${session.accessToken ?? ''}` } });
    if (!response.ok) throw new Error(`/api/state answered ${response.status}`);
    return { state: (await response.json()) as MeshState, session };
  });
  // Names and sizes opened with the person's keys, as their tabs show them.
  return revealState(await nodeSealing(session), state);
}

export async function joined(page: Page): Promise<SessionState> {
  await page.waitForFunction(() => window.meshdrive !== undefined);
  const state = await page.evaluate(() => window.meshdrive!.joined());
  if (state.fatal) throw new Error(`tab failed to join: ${state.fatal}`);
  return state;
}

/** Waits until the master lists `count` online peers (as a tab sees it). */
export async function waitForOnlinePeers(page: Page, count: number, timeoutMs = 15_000): Promise<void> {
  await page.waitForFunction(
    (wanted) => (window.meshdrive?.state().mesh?.peers.filter((peer) => peer.status === 'online').length ?? 0) >= wanted,
    count,
    { timeout: timeoutMs, polling: 100 },
  );
}

export interface BrowserMesh {
  master: MasterProcess;
  nodes: NodePeerProcess[];
  browser: Browser;
  tabs: Tab[];
  /** Closes the browser, then stops the headless peers and the master. */
  stop(): Promise<void>;
}

/**
 * A master, `nodePeers` headless peers and `tabs` tabs (each its own browser context), all seen
 * online by the first tab. If any step fails, what already started is stopped before rethrowing.
 */
export async function startBrowserMesh(options: { nodePeers: number; tabs: number }): Promise<BrowserMesh> {
  buildWebApp();
  const started: { master?: MasterProcess; nodes: NodePeerProcess[]; browser?: Browser } = { nodes: [] };
  const stop = async (): Promise<void> => {
    await started.browser?.close();
    for (const node of started.nodes) await node.stop();
    await started.master?.stop();
  };
  try {
    const master = (started.master = await startMaster());
    // Headless peers offer what a tab offers by default (1 GiB), so placement weighs the two
    // kinds alike; at the CLI's default 10 GiB a tab was primary of a segment half as often.
    started.nodes = await Promise.all(Array.from({ length: options.nodePeers }, () => startNodePeer(master.url, undefined, ['--capacity', '1GiB'])));
    const browser = (started.browser = await launchChromium());
    const tabs = await Promise.all(Array.from({ length: options.tabs }, () => openTab(browser, `${master.url}/`)));
    await waitForOnlinePeers(tabs[0]!.page, options.nodePeers + options.tabs);
    return { master, nodes: started.nodes, browser, tabs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const CHOSEN_FILES = mkdtempSync(join(tmpdir(), 'meshdrive-chosen-'));
process.on('exit', () => rmSync(CHOSEN_FILES, { recursive: true, force: true }));

/**
 * Chooses files in the real file picker input. Each is written to disk first and handed over by
 * path: a buffer goes through the browser protocol whole, and 40 MiB of it took over the 30 s
 * action timeout on a loaded machine.
 */
export async function chooseFiles(page: Page, files: readonly { name: string; bytes: Buffer }[]): Promise<void> {
  const dir = mkdtempSync(join(CHOSEN_FILES, 'pick-'));
  const paths = files.map(({ name, bytes }) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  });
  await page.locator('md-drop-zone input[type=file]').setInputFiles(paths);
}

export function chooseFile(page: Page, name: string, bytes: Buffer): Promise<void> {
  return chooseFiles(page, [{ name, bytes }]);
}

/** Uploads through the real file picker input and waits for the transfer to finish. */
export async function uploadThroughUi(page: Page, name: string, bytes: Buffer, timeoutMs = 60_000): Promise<void> {
  await chooseFile(page, name, bytes);
  await waitForTransfer(page, name, timeoutMs);
}

export async function waitForTransfer(page: Page, name: string, timeoutMs = 60_000): Promise<void> {
  const row = page.locator(`md-transfer-list li[data-transfer="${name}"]`).first();
  await row.and(page.locator('[data-phase="done"], [data-phase="failed"], [data-phase="cancelled"]')).waitFor({ timeout: timeoutMs });
  const phase = await row.getAttribute('data-phase');
  if (phase !== 'done') throw new Error(`transfer of ${name} ended ${phase}: ${await row.innerText()}`);
}

/** Clicks Download in the file list and returns the bytes the browser saved. */
export async function downloadThroughUi(page: Page, name: string, timeoutMs = 60_000): Promise<Buffer> {
  await page.getByRole('tab', { name: 'Files' }).click();
  const button = page.getByRole('button', { name: `Download ${name}`, exact: true });
  await button.waitFor({ timeout: 15_000 });
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: timeoutMs }), button.click()]);
  const path = await download.path();
  return readFileSync(path);
}

/**
 * Switches the page's `prefers-color-scheme` and waits out the CSS transitions the switch
 * starts, so a screenshot or an axe run sees the new colours, not a blend of both. Each shadow
 * root is asked for its own: `document.getAnimations()` leaves out those inside components.
 */
export async function useColorScheme(page: Page, colorScheme: 'light' | 'dark'): Promise<void> {
  await page.emulateMedia({ colorScheme });
  await page.evaluate(async () => {
    const roots: (Document | ShadowRoot)[] = [document];
    for (let i = 0; i < roots.length; i++) {
      for (const element of roots[i]!.querySelectorAll('*')) if (element.shadowRoot) roots.push(element.shadowRoot);
    }
    const transitions = roots.flatMap((root) => root.getAnimations()).filter((animation) => animation instanceof CSSTransition);
    await Promise.all(transitions.map((transition) => transition.finished.catch(() => undefined)));
  });
}

/** An init script for openTab: keeps every RTCPeerConnection the page makes, for dataChannelBytes. */
export const RECORD_CONNECTIONS = `
  window.__connections = [];
  window.__channels = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      window.__connections.push(this);
      this.addEventListener('datachannel', (event) => window.__channels.push(event.channel));
    }
    createDataChannel(...args) {
      const channel = super.createDataChannel(...args);
      window.__channels.push(channel);
      return channel;
    }
  };
`;

/** Bytes the page has handed to its data channels that they have not sent yet (after RECORD_CONNECTIONS). */
export function dataChannelBuffered(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __channels: RTCDataChannel[] }).__channels.reduce((sum, channel) => sum + (channel.readyState === 'open' ? channel.bufferedAmount : 0), 0));
}

/** Payload bytes the page has sent or received on the data channels of its open connections (after RECORD_CONNECTIONS). */
export function dataChannelBytes(page: Page, direction: 'bytesSent' | 'bytesReceived'): Promise<number> {
  return page.evaluate(async (key) => {
    let total = 0;
    for (const connection of (window as unknown as { __connections: RTCPeerConnection[] }).__connections) {
      if (connection.connectionState === 'closed') continue;
      (await connection.getStats()).forEach((report: { type: string; bytesSent?: number; bytesReceived?: number }) => {
        if (report.type === 'data-channel') total += report[key] ?? 0;
      });
    }
    return total;
  }, direction);
}

export function randomBytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out.writeUInt32LE(state >>> 0, Math.min(i, size - 4));
  }
  return out;
}

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
