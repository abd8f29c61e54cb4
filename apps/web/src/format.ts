/** Numbers for people: sizes in binary units, speeds, durations, dates. */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 1) return 'under a second';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatDate(epochMs: number): string {
  return new Date(epochMs).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A list in a sentence shows this many items and counts the rest. */
const ITEMS_IN_A_SENTENCE = 3;

/** The first few items for a sentence, the rest counted: "“a”, “b”, “c” and 2 more". */
export function listSome(items: readonly string[]): string {
  const shown = items.slice(0, ITEMS_IN_A_SENTENCE);
  const rest = items.length - shown.length;
  const last = rest > 0 ? `${rest} more` : shown.pop();
  return shown.length > 0 ? `${shown.join(', ')} and ${last}` : (last ?? '');
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/**
 * Segment numbers for people, counted from 1 with runs as ranges ("1–3, 5"): `indices` are
 * 0-based and sorted; an ellipsis says the list stops short of `total`.
 */
export function formatSegmentNumbers(indices: readonly number[], total = indices.length): string {
  const runs: string[] = [];
  for (let i = 0; i < indices.length; i++) {
    const first = indices[i]!;
    while (i + 1 < indices.length && indices[i + 1] === indices[i]! + 1) i++;
    const last = indices[i]!;
    runs.push(last === first ? `${first + 1}` : `${first + 1}–${last + 1}`);
  }
  if (total > indices.length) runs.push('…');
  return runs.join(', ');
}
