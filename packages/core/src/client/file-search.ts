/**
 * Which files a search shows, and in what order: the same for `meshdrive ls PATTERN` and the
 * web app's search box. Pure, over any listing.
 */
import picomatch from 'picomatch';

export type SortKey = 'name' | 'size' | 'date';
export const SORT_KEYS: readonly SortKey[] = ['name', 'size', 'date'];

export interface SearchOptions {
  /**
   * A glob (`*`, `?`, `[abc]`, `{a,b}`, and `**` across folders): matched against the whole name
   * when it has a `/`, else against the name's last part, so `*.txt` finds `docs/notes.txt`.
   * Without glob characters it finds names that contain it. Case is ignored either way.
   */
  pattern?: string;
  /** By name (A to Z, the default), size (largest first) or date (newest first). */
  sort?: SortKey;
  reverse?: boolean;
}

const GLOB_CHARACTERS = /[*?[\]{}!]/;

/** A test for names against `pattern` (see SearchOptions.pattern). */
export function nameMatcher(pattern = ''): (name: string) => boolean {
  if (pattern === '') return () => true;
  if (!GLOB_CHARACTERS.test(pattern)) {
    const needle = pattern.toLowerCase();
    return (name) => name.toLowerCase().includes(needle);
  }
  return picomatch(pattern, { nocase: true, dot: true, basename: !pattern.includes('/') });
}

/** `files` that match, sorted as asked. */
export function searchFiles<T extends { name: string; size: number; createdAt: number }>(files: readonly T[], options: SearchOptions = {}): T[] {
  const matches = nameMatcher(options.pattern);
  const byName = (a: T, b: T): number => a.name.localeCompare(b.name);
  const order: Record<SortKey, (a: T, b: T) => number> = {
    name: byName,
    size: (a, b) => b.size - a.size || byName(a, b),
    date: (a, b) => b.createdAt - a.createdAt || byName(a, b),
  };
  const sorted = files.filter((file) => matches(file.name)).sort(order[options.sort ?? 'name']);
  return options.reverse ? sorted.reverse() : sorted;
}
