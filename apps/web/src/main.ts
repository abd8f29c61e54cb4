/**
 * Entry point: the tab joins the mesh as soon as it loads (peer and client at once) and the UI
 * renders the session. The master is the origin that served the page unless `?master=URL`
 * says otherwise (handy with a Vite dev server).
 */
import { MeshSession } from './session.js';
import { Transfers } from './transfers.js';
import { installDebugHook } from './debug-hook.js';
import './components/md-app.js';

const masterUrl = new URLSearchParams(location.search).get('master') ?? location.origin;
const session = new MeshSession(masterUrl);
const transfers = new Transfers(() => session.client, {
  connected: () => session.state.link === 'connected' && session.client !== null,
  whenConnected: (signal) => session.whenConnected(signal),
});
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
document.body.replaceChildren(app);

installDebugHook(session);
void session.start();
