import { describe, expect, it } from 'vitest';
import { checkNames, keepBothName, skippedSentence, type ChosenFile } from './names.js';

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

  it('keeps a name in its folder, whatever dots the folders have', () => {
    expect(keepBothName('a/b.txt', new Set(['a/b.txt']))).toBe('a/b (2).txt');
    expect(keepBothName('v1.2/notes', new Set(['v1.2/notes', 'v1.2/notes (2)']))).toBe('v1.2/notes (3)');
  });
});

describe('checkNames', () => {
  const chosen = (name: string): ChosenFile => ({ file: new File(['x'], 'x'), name });

  it('keeps folder paths and leaves out names the mesh refuses, saying why', () => {
    const { storable, skipped } = checkNames(['holiday/2024/a.jpg', 'b.txt', 'back\\slash.txt', `${'x'.repeat(256)}/c.txt`].map(chosen));
    expect(storable.map((file) => file.name)).toEqual(['holiday/2024/a.jpg', 'b.txt']);
    expect(skipped).toEqual([
      { name: 'back\\slash.txt', reason: 'a file name cannot contain backslashes or control characters' },
      { name: `${'x'.repeat(256)}/c.txt`, reason: 'each part of a file name has at most 255 characters' },
    ]);
  });

  it('says in one line what was left out, naming a few', () => {
    expect(skippedSentence([{ name: 'a\\b', reason: 'no backslashes' }])).toBe('Not uploaded: “a\\b” (no backslashes).');
    const many = ['1', '2', '3', '4', '5'].map((name) => ({ name, reason: 'r' }));
    expect(skippedSentence(many)).toBe('Not uploaded: “1” (r), “2” (r), “3” (r) and 2 more.');
  });
});
