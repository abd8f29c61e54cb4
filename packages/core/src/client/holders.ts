/** Which holder of a segment a client reads from: pure, over the master's view of peer health. */
import type { PeerId } from '../ids.js';
import type { PeerStatus } from '../wire/signal-protocol.js';

const HEALTH_ORDER: Record<PeerStatus, number> = { online: 0, stale: 1, dead: 2 };

/** Holders in write order (primary first), moving stale and dead ones to the back. */
export function orderByHealth(holders: readonly PeerId[], status: Record<string, PeerStatus>): PeerId[] {
  return [...holders].sort((a, b) => HEALTH_ORDER[status[a] ?? 'dead'] - HEALTH_ORDER[status[b] ?? 'dead']);
}

/**
 * The holder to read a segment from: among the online ones (all of them if none is), the one
 * with the fewest reads queued, earlier in `holders` among equals; undefined while every such
 * holder has `limit` queued.
 */
export function leastQueued(holders: readonly PeerId[], status: Record<string, PeerStatus>, queued: ReadonlyMap<PeerId, number>, limit: number): PeerId | undefined {
  const online = holders.filter((holder) => status[holder] === 'online');
  let best: PeerId | undefined;
  let bestLoad = limit;
  for (const holder of online.length > 0 ? online : holders) {
    const load = queued.get(holder) ?? 0;
    if (load < bestLoad) [best, bestLoad] = [holder, load];
  }
  return best;
}
