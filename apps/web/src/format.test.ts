import { describe, expect, it } from 'vitest';
import { formatSegmentNumbers } from './format.js';

describe('formatSegmentNumbers', () => {
  it('counts from 1 and writes runs as ranges', () => {
    expect(formatSegmentNumbers([0, 1, 2, 4, 6, 7])).toBe('1–3, 5, 7–8');
    expect(formatSegmentNumbers([3])).toBe('4');
    expect(formatSegmentNumbers([])).toBe('');
  });

  it('ends with an ellipsis when more segments are held than listed', () => {
    expect(formatSegmentNumbers([0, 1], 40)).toBe('1–2, …');
  });
});
