import { describe, expect, it } from 'vitest';
import { asPeerId } from '@meshdrive/core';
import { fullName, peerName, shortName } from './peer-names.js';

const id = asPeerId('ab12cd34-0000-4000-8000-000000000000');

describe('peer names', () => {
  it('goes by the name its person gave, without the id', () => {
    expect(fullName(peerName({ id, kind: 'browser', label: 'Kitchen laptop', device: 'Chromium on Linux' }))).toBe('Kitchen laptop');
  });

  it('tags a peer nobody named with the start of its id, after what it runs on', () => {
    expect(fullName(peerName({ id, kind: 'browser', device: 'Chromium on Linux' }))).toBe('Chromium on Linux ab12');
    expect(fullName(peerName({ id, kind: 'node' }))).toBe('Headless peer ab12');
  });

  it('shortens the base and keeps the tag whole', () => {
    expect(shortName(peerName({ id, kind: 'browser', device: 'Chromium on Linux' }), 14)).toBe('Chromium… ab12');
    expect(shortName(peerName({ id, kind: 'node', label: 'Kitchen laptop upstairs' }), 14)).toBe('Kitchen lapto…');
    expect(shortName(peerName({ id, kind: 'node', label: 'NAS' }), 14)).toBe('NAS');
  });
});
