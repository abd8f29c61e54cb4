import { describe, expect, it } from 'vitest';
import { peerColor, peerColors } from './peer-colors.js';

describe('peerColor', () => {
  it('depends on the peer id alone, so a peer joining changes no one else’s colour', () => {
    const before = peerColors(['b-peer', 'c-peer']);
    const after = peerColors(['a-peer', 'b-peer', 'c-peer']);
    expect(after.get('b-peer')).toBe(before.get('b-peer'));
    expect(after.get('c-peer')).toBe(before.get('c-peer'));
    expect(peerColor('b-peer')).toBe(before.get('b-peer'));
  });

  it('spreads ids that share a prefix over different colours', () => {
    const ids = Array.from({ length: 8 }, (_, i) => `0f3c9a2e-0000-4000-8000-00000000000${i}`);
    expect(new Set(ids.map(peerColor)).size).toBe(ids.length);
  });
});
