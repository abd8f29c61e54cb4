/**
 * Entry point: once someone is logged in, the tab joins the mesh under their account (peer and
 * client at once) and the UI renders the session; until then it shows the log-in screen. The
 * master is the origin that served the page unless `?master=URL` says otherwise (handy with a
 * Vite dev server). With several masters, the one that served the page names the others
 * (/api/masters): the tab moves to one of them when its own dies.
 */
import type { Sealing } from '@meshdrive/core';
import { Account } from './account.js';
import { MeshSession } from './session.js';
import { Transfers } from './transfers.js';
import { ReceivedCache } from './received-cache.js';
import { installDebugHook } from './debug-hook.js';
import './components/md-app.js';
import './components/md-login.js';

const firstMaster = new URLSearchParams(location.search).get('master') ?? location.origin;
const masterUrl = await mastersFrom(firstMaster);
const account = new Account(masterUrl);
let started = false;
account.addEventListener('change', () => {
  // Logged out here or in another tab, or the session could not be refreshed: start over.
  if (started && !account.session) location.reload();
  else if (!started && account.session) startApp();
});
// On a page that is not a secure context the app can only explain why it cannot join, so it skips the log-in.
if (account.session || !window.isSecureContext) startApp();
else showLogin();

function showLogin(): void {
  const login = document.createElement('md-login');
  login.account = account;
  document.body.replaceChildren(login);
}

function startApp(): void {
  started = true;
  // A page that is not a secure context has no WebCrypto, so no keys: the session only says why it cannot join.
  if (!window.isSecureContext) startSession(null);
  else void account.sealing().then(startSession, () => showLogin());
}

function startSession(sealing: Sealing | null): void {
  const session = new MeshSession(masterUrl, () => account.accessToken(), sealing);
  const transfers = new Transfers(() => session.client, {
    connected: () => session.state.link === 'connected' && session.client !== null,
    outages: () => session.outages,
    whenConnected: (signal) => session.whenConnected(signal),
  });
  transfers.cache = new ReceivedCache();
  session.onPeerLost((peer, status) => transfers.peerLost(peer, status));
  transfers.addEventListener('finished', () => void session.refresh());
  // Closing the tab would cut a transfer short, or take away the only online copy of some file.
  window.addEventListener('beforeunload', (event) => {
    const self = session.state.mesh?.peers.find((peer) => peer.id === session.state.peerId);
    const onlyCopies = session.state.contributing && (self?.atRisk.soleCopies ?? 0) > 0;
    if (transfers.busy || onlyCopies) event.preventDefault();
  });

  const app = document.createElement('md-app');
  app.session = session;
  app.transfers = transfers;
  app.user = account.session?.user ?? '';
  app.addEventListener('logout', () => void account.logout());
  document.body.replaceChildren(app);

  installDebugHook(session, sealing);
  void session.start();
}

/** Every master the first one names, it first, comma-separated (what MasterConnection takes); the first alone when it names none. */
async function mastersFrom(first: string): Promise<string> {
  try {
    const response = await fetch(new URL('/api/masters', first), { cache: 'no-store' });
    const { masters } = (await response.json()) as { masters?: unknown };
    const others = Array.isArray(masters) ? masters.filter((url): url is string => typeof url === 'string' && /^https?:\/\//.test(url) && url !== first) : [];
    return [first, ...others].join(',');
  } catch {
    return first;
  }
}
