/**
 * What the network view calls a peer: the name its person gave it, or else what it runs on
 * ("Chromium on Linux") tagged with the start of its id, so two unnamed tabs stay apart.
 */
import type { PeerView } from '@meshdrive/core';

/** Characters of the id that tag a peer nobody named. */
const TAG_CHARS = 4;
const ELLIPSIS = '…';

export interface PeerName {
  /** The name its person gave it, or what it runs on. */
  base: string;
  /** The start of its id, for a peer nobody named. */
  tag?: string;
}

export function peerName(peer: Pick<PeerView, 'id' | 'kind' | 'label' | 'device'>): PeerName {
  if (peer.label) return { base: peer.label };
  const base = peer.device ?? (peer.kind === 'browser' ? 'Browser tab' : 'Headless peer');
  return { base, tag: peer.id.slice(0, TAG_CHARS) };
}

export function fullName(name: PeerName): string {
  return name.tag ? `${name.base} ${name.tag}` : name.base;
}

/** At most `maxChars` characters: the base cut short with an ellipsis, the tag kept whole since it tells tabs apart. */
export function shortName(name: PeerName, maxChars: number): string {
  const whole = fullName(name);
  if (whole.length <= maxChars) return whole;
  const room = maxChars - (name.tag ? name.tag.length + 1 : 0) - ELLIPSIS.length;
  const base = `${name.base.slice(0, Math.max(1, room)).trimEnd()}${ELLIPSIS}`;
  return name.tag ? `${base} ${name.tag}` : base;
}
