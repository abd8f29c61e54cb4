/**
 * The Files view one folder at a time. The parts of a name before its last `/` are its folders
 * (`photos/2024/beach.jpg` is `beach.jpg` in `photos/2024`): a folder exists only through the
 * files under it. Plain functions over the file list: which folders and files a folder shows,
 * and in what order.
 */
import { FOLDER_SEPARATOR, type FileSummary } from '@meshdrive/core';

/** The top of the tree, where every name starts. */
export const ROOT_FOLDER = '';

/** What the view needs of a file: `FileSummary` fits, and so does a test's plain object. */
export type ListedFile = Pick<FileSummary, 'name' | 'size' | 'createdAt' | 'replicas'>;

export interface FolderSummary {
  /** Its full path: `photos/2024`. */
  readonly path: string;
  /** Its own name, the path's last part: `2024`. */
  readonly name: string;
  /** Files under it, at any depth. */
  readonly files: number;
  /** Their total size in bytes. */
  readonly size: number;
  /** When the newest of them was stored (epoch ms). */
  readonly latest: number;
}

/** What one folder shows: the folders right inside it, and its own files. */
export interface FolderListing<F extends ListedFile> {
  readonly folders: FolderSummary[];
  readonly files: F[];
}

export type SortKey = 'name' | 'size' | 'stored' | 'replicas';
export type SortDirection = 'ascending' | 'descending';
export interface SortOrder {
  readonly key: SortKey;
  readonly direction: SortDirection;
}

/** The order the list opens in: newest first, as people look for what they just stored. */
export const NEWEST_FIRST: SortOrder = { key: 'stored', direction: 'descending' };

/**
 * The direction a column sorts in when first chosen: names A to Z, and for the others what
 * people look for first, the biggest, the newest, the fewest copies online.
 */
export const FIRST_DIRECTION: Readonly<Record<SortKey, SortDirection>> = { name: 'ascending', size: 'descending', stored: 'descending', replicas: 'ascending' };

/** Names compare as people read them: "file 2" before "file 10", case aside. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** The last part of a name: `photos/2024/beach.jpg` → `beach.jpg`. */
export function lastPart(name: string): string {
  return name.slice(name.lastIndexOf(FOLDER_SEPARATOR) + 1);
}

/** True when `name` lies in `folder` or in a folder inside it. */
export function isUnder(name: string, folder: string): boolean {
  return folder === ROOT_FOLDER || name.startsWith(folder + FOLDER_SEPARATOR);
}

export function filesUnder<F extends ListedFile>(files: readonly F[], folder: string): F[] {
  return files.filter((file) => isUnder(file.name, folder));
}

/** The sub-folders right inside `folder`, each summing the files under it, and `folder`'s own files; unsorted. */
export function listFolder<F extends ListedFile>(files: readonly F[], folder: string): FolderListing<F> {
  const prefix = folder === ROOT_FOLDER ? '' : folder + FOLDER_SEPARATOR;
  const folders = new Map<string, { files: number; size: number; latest: number }>();
  const own: F[] = [];
  for (const file of files) {
    if (!file.name.startsWith(prefix)) continue;
    const rest = file.name.slice(prefix.length);
    const slash = rest.indexOf(FOLDER_SEPARATOR);
    if (slash < 0) {
      own.push(file);
      continue;
    }
    const path = prefix + rest.slice(0, slash);
    const sum = folders.get(path) ?? { files: 0, size: 0, latest: 0 };
    folders.set(path, { files: sum.files + 1, size: sum.size + file.size, latest: Math.max(sum.latest, file.createdAt) });
  }
  return { folders: [...folders].map(([path, sum]) => ({ path, name: lastPart(path), ...sum })), files: own };
}

/** The folders from the top down to `folder`, for a breadcrumb: `a/b` → `a`, `a/b`. */
export function folderTrail(folder: string): { name: string; path: string }[] {
  if (folder === ROOT_FOLDER) return [];
  const parts = folder.split(FOLDER_SEPARATOR);
  return parts.map((name, i) => ({ name, path: parts.slice(0, i + 1).join(FOLDER_SEPARATOR) }));
}

/** `folder` if a file is still under it, else its nearest parent that has one (at worst the top). */
export function nearestFolder(files: readonly ListedFile[], folder: string): string {
  let path = folder;
  while (path !== ROOT_FOLDER && !files.some((file) => isUnder(file.name, path))) {
    const slash = path.lastIndexOf(FOLDER_SEPARATOR);
    path = slash < 0 ? ROOT_FOLDER : path.slice(0, slash);
  }
  return path;
}

export function sortFiles<F extends ListedFile>(files: readonly F[], order: SortOrder): F[] {
  const value: Record<SortKey, (file: F) => number | string> = { name: (file) => file.name, size: (file) => file.size, stored: (file) => file.createdAt, replicas: (file) => file.replicas };
  return sortBy(files, order.direction, value[order.key], (file) => file.name);
}

/** Folders sort by name, total size or newest file; they have no replica count, so by name then. */
export function sortFolders(folders: readonly FolderSummary[], order: SortOrder): FolderSummary[] {
  if (order.key === 'replicas') return sortBy(folders, 'ascending', (folder) => folder.name, (folder) => folder.name);
  const value: Record<Exclude<SortKey, 'replicas'>, (folder: FolderSummary) => number | string> = { name: (folder) => folder.name, size: (folder) => folder.size, stored: (folder) => folder.latest };
  return sortBy(folders, order.direction, value[order.key], (folder) => folder.name);
}

/** Sorts by `value`, equal ones by `name` A to Z whatever the direction, so they keep a stable order. */
function sortBy<T>(items: readonly T[], direction: SortDirection, value: (item: T) => number | string, name: (item: T) => string): T[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return [...items].sort((a, b) => sign * compareValues(value(a), value(b)) || collator.compare(name(a), name(b)));
}

function compareValues(a: number | string, b: number | string): number {
  return typeof a === 'string' && typeof b === 'string' ? collator.compare(a, b) : Number(a) - Number(b);
}
