/**
 * The master's HTTP routes: `/healthz`, `/api/metrics` (this master's connections and heartbeat
 * round trips), `/api/masters` (every live master's URL, for the web app to move between), `/api/challenge` (what a join signs), `/api/state` (the mesh view as JSON: every peer, and the
 * files of the user whose `Authorization: Bearer` token comes with it), the account endpoints
 * (account-routes.ts), and the built web app at every other path, or a placeholder page while
 * it is not built.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import sirv from 'sirv';
import { systemClock, toErrorPayload, type MeshState } from '@meshdrive/core';
import type { Accounts } from './accounts/accounts.js';
import { ACCOUNT_PATHS, answerAccountRoute, LoginThrottle, bearerUser, sendJson, statusOf } from './accounts/account-routes.js';
import { placeholderPage } from './placeholder.js';
import type { LatencySummary } from './services/latency.js';

export interface HttpRoutesOptions {
  /** A fresh join challenge (JoinChallenges.issue). */
  challenge: () => string;
  /** Built web app to serve at `/`; a placeholder page is served while it is absent. */
  webRoot?: string;
  onlinePeers: () => Promise<number>;
  /** The mesh as `owner` sees it (null: no one's files). */
  state: (owner: string | null) => Promise<MeshState>;
  /** This master's own load: connections and heartbeat round trips since the last ask (GET /api/metrics). */
  metrics: () => MasterMetrics;
  /** Every live master's public URL, this one's first (GET /api/masters): where the web app may move. */
  masters: () => string[];
  /** Whether pages of `origin` (another master's, one allowed) may call the API across origins. */
  crossOrigin: (origin: string) => boolean;
  accounts: Accounts;
}

export interface MasterMetrics {
  connections: number;
  heartbeat: LatencySummary;
}

/** What a page of another master's origin may call here, besides the account endpoints. */
const CROSS_ORIGIN_PATHS: ReadonlySet<string> = new Set(['/healthz', '/api/challenge', '/api/masters']);

export function httpRoutes(options: HttpRoutesOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const throttle = new LoginThrottle(systemClock);
  // Looked up per request, so a web app built after the master started is served at once.
  let serveWeb: ReturnType<typeof sirv> | undefined;
  const webApp = (): ReturnType<typeof sirv> | undefined => {
    if (!serveWeb && options.webRoot && existsSync(options.webRoot)) serveWeb = sirv(options.webRoot, { single: true, dev: false });
    return serveWeb;
  };

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    const origin = request.headers.origin;
    if (origin !== undefined && path !== undefined && (CROSS_ORIGIN_PATHS.has(path) || ACCOUNT_PATHS.has(path)) && options.crossOrigin(origin)) {
      // A page another master served, moved here when its master died: it may join and keep its session.
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('vary', 'origin');
      if (request.method === 'OPTIONS') {
        response.writeHead(204, { 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'content-type, authorization', 'access-control-max-age': '600' });
        response.end();
        return;
      }
    }
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, peers: await options.onlinePeers() }));
      return;
    }
    if (path === '/api/masters') {
      response.setHeader('cache-control', 'no-store');
      sendJson(response, 200, { masters: options.masters() });
      return;
    }
    if (path === '/api/metrics') {
      response.setHeader('cache-control', 'no-store');
      sendJson(response, 200, options.metrics());
      return;
    }
    if (path === '/api/challenge') {
      response.setHeader('cache-control', 'no-store');
      sendJson(response, 200, { challenge: options.challenge() });
      return;
    }
    if (path === '/api/state') {
      const claims = await bearerUser(options.accounts, request);
      sendJson(response, 200, await options.state(claims?.user ?? null));
      return;
    }
    if (path !== undefined && ACCOUNT_PATHS.has(path)) {
      await answerAccountRoute(options.accounts, throttle, path, request, response);
      return;
    }
    const web = webApp();
    if (web) {
      web(request, response);
      return;
    }
    response.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    response.end(placeholderPage());
  };

  return (request, response) => {
    route(request, response).catch((error: unknown) => {
      sendJson(response, statusOf(error), toErrorPayload(error));
    });
  };
}
