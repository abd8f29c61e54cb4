/**
 * A peer's identity: a random id created once and kept with its store, so a restarted peer is
 * the same peer with the same chunks, and a volatile peer is a new one each time.
 */
import { asPeerId, randomId, type PeerId } from '../ids.js';
import type { MetaStore } from '../stores/chunk-store.js';

const PEER_ID_META_KEY = 'peer-id';

/** The id kept in `store`, created and kept there on first use. */
export async function loadPeerId(store: MetaStore): Promise<PeerId> {
  const existing = await store.getMeta(PEER_ID_META_KEY);
  if (existing) return asPeerId(existing);
  const id = randomId();
  await store.setMeta(PEER_ID_META_KEY, id);
  return asPeerId(id);
}
