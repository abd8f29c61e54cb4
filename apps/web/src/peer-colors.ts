/** A stable colour per peer, shared by the ring picture and the peer list so they match. */
const PALETTE = ['#4f46e5', '#0891b2', '#d97706', '#db2777', '#16a34a', '#7c3aed', '#dc2626', '#0d9488', '#ca8a04', '#2563eb'];

export function peerColors(peerIds: readonly string[]): Map<string, string> {
  const sorted = [...new Set(peerIds)].sort();
  return new Map(sorted.map((id, index) => [id, PALETTE[index % PALETTE.length]!]));
}
