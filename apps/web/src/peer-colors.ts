/**
 * A colour per peer, shared by the ring picture and the peer list so they match. It comes from
 * a hash of the peer id alone, so every tab paints a peer alike and a peer joining or leaving
 * changes no one else's colour.
 */
import { ringPosition } from '@meshdrive/core';

const SATURATION_PERCENT = 65;
/** Lightness steps, all dark enough to stand out on a light surface and light enough on a dark one. */
const LIGHTNESS_PERCENT = [38, 46, 54];

export function peerColor(peerId: string): string {
  // The ring's own hash: ids that share a prefix still spread over the hues.
  const hash = ringPosition(peerId);
  const hue = hash % 360;
  const lightness = LIGHTNESS_PERCENT[Math.floor(hash / 360) % LIGHTNESS_PERCENT.length]!;
  return `hsl(${hue} ${SATURATION_PERCENT}% ${lightness}%)`;
}

export function peerColors(peerIds: readonly string[]): Map<string, string> {
  return new Map(peerIds.map((id) => [id, peerColor(id)]));
}
