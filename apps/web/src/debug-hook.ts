/**
 * `window.meshdrive`: a small read-only window into the tab for tests and curious people in
 * the console (peer id, stored chunk counts, where a file's segments live). The UI does not
 * use it.
 */
import type { LocateResult, Sealing, StoreStats } from '@meshdrive/core';
import type { MeshSession, SessionState } from './session.js';

export interface DebugHook {
  state(): SessionState;
  /** Resolves once the tab has joined (or failed to). */
  joined(): Promise<SessionState>;
  stats(): StoreStats;
  /** Where the master says `name`'s segments are (asked for by its lookup token). */
  locate(name: string): Promise<LocateResult>;
}

declare global {
  interface Window {
    meshdrive?: DebugHook;
  }
}

export function installDebugHook(session: MeshSession, sealing: Sealing | null): void {
  window.meshdrive = {
    state: () => session.state,
    joined: () =>
      new Promise((resolve) => {
        const check = (): void => {
          const state = session.state;
          if (state.fatal || (state.link === 'connected' && state.peerId && state.mesh)) {
            session.removeEventListener('change', check);
            resolve(state);
          }
        };
        session.addEventListener('change', check);
        check();
      }),
    stats: () => session.state.stats,
    locate: async (name) => {
      const master = session.master;
      if (!master) throw new Error('not connected');
      return master.request('locate', { name: sealing ? await sealing.keys.lookupToken(name) : name });
    },
  };
}
