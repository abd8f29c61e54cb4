import { describe, expect, it } from 'vitest';
import { nameMatcher, searchFiles } from './file-search.js';

const files = [
  { name: 'notes.txt', size: 10, createdAt: 3 },
  { name: 'docs/Report.TXT', size: 300, createdAt: 1 },
  { name: 'docs/2024/plan.md', size: 20, createdAt: 2 },
  { name: 'photo.jpg', size: 300, createdAt: 4 },
];
const names = (found: { name: string }[]): string[] => found.map((file) => file.name);

describe('searchFiles', () => {
  it('matches a glob without a folder against the last part of each name, ignoring case', () => {
    expect(names(searchFiles(files, { pattern: '*.txt' }))).toEqual(['docs/Report.TXT', 'notes.txt']);
    expect(names(searchFiles(files, { pattern: 'p*.{md,jpg}' }))).toEqual(['docs/2024/plan.md', 'photo.jpg']);
    expect(names(searchFiles(files, { pattern: 'n?tes.*' }))).toEqual(['notes.txt']);
  });

  it('matches a glob with a folder against the whole name, ** across folders', () => {
    expect(names(searchFiles(files, { pattern: 'docs/*' }))).toEqual(['docs/Report.TXT']);
    expect(names(searchFiles(files, { pattern: 'docs/**' }))).toEqual(['docs/2024/plan.md', 'docs/Report.TXT']);
  });

  it('finds names containing plain text, and everything without a pattern', () => {
    expect(names(searchFiles(files, { pattern: 'REP' }))).toEqual(['docs/Report.TXT']);
    expect(searchFiles(files)).toHaveLength(4);
    expect(searchFiles(files, { pattern: 'nothing-like-it' })).toEqual([]);
  });

  it('sorts by name, by size (largest first) or by date (newest first), or the other way', () => {
    expect(names(searchFiles(files, { sort: 'size' }))).toEqual(['docs/Report.TXT', 'photo.jpg', 'docs/2024/plan.md', 'notes.txt']);
    expect(names(searchFiles(files, { sort: 'date' }))).toEqual(['photo.jpg', 'notes.txt', 'docs/2024/plan.md', 'docs/Report.TXT']);
    expect(names(searchFiles(files, { sort: 'date', reverse: true }))).toEqual(['docs/Report.TXT', 'docs/2024/plan.md', 'notes.txt', 'photo.jpg']);
  });

  it('treats a malformed glob as matching nothing rather than failing', () => {
    expect(() => nameMatcher('[')).not.toThrow();
  });
});
