/**
 * A colour per peer, shared by the ring picture and the peer list so they match. It comes from
 * a hash of the peer id alone, so every tab paints a peer alike and a peer joining or leaving
 * changes no one else's colour.
 */
const SATURATION_PERCENT = 65;
/** Lightness steps, all dark enough to stand out on a light surface and light enough on a dark one. */
const LIGHTNESS_PERCENT = [38, 46, 54];

/** 32-bit FNV-1a with a murmur3 finaliser, so ids that share a prefix still spread over the hues. */
function hashId(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

export function peerColor(peerId: string): string {
  const hash = hashId(peerId);
  const hue = hash % 360;
  const lightness = LIGHTNESS_PERCENT[Math.floor(hash / 360) % LIGHTNESS_PERCENT.length]!;
  return `hsl(${hue} ${SATURATION_PERCENT}% ${lightness}%)`;
}

export function peerColors(peerIds: readonly string[]): Map<string, string> {
  return new Map(peerIds.map((id) => [id, peerColor(id)]));
}
