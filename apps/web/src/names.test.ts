import { describe, expect, it } from 'vitest';
import { keepBothName } from './names.js';

describe('keepBothName', () => {
  it('puts the first free number before the extension', () => {
    expect(keepBothName('photo.jpg', new Set(['photo.jpg']))).toBe('photo (2).jpg');
    expect(keepBothName('photo.jpg', new Set(['photo.jpg', 'photo (2).jpg', 'photo (3).jpg']))).toBe('photo (4).jpg');
    expect(keepBothName('archive.tar.gz', new Set(['archive.tar.gz']))).toBe('archive (2).tar.gz');
  });

  it('handles names without an extension and dotfiles', () => {
    expect(keepBothName('notes', new Set(['notes']))).toBe('notes (2)');
    expect(keepBothName('.bashrc', new Set(['.bashrc']))).toBe('.bashrc (2)');
  });
});
