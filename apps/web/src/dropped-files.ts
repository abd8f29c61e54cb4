/**
 * What a drop onto the page holds: files, and folders walked down to the files inside them,
 * each named by its path from the dropped folder (`holiday/2024/a.jpg`) as a folder picker
 * names them. Goes through the File and Directory Entries API, which every current browser has.
 */
import { FOLDER_SEPARATOR } from '@meshdrive/core';
import type { ChosenFile, SkippedFile } from './names.js';

export interface DroppedFiles {
  readonly files: ChosenFile[];
  /** Files or folders the browser would not read (moved or deleted since the drop, say). */
  readonly unreadable: SkippedFile[];
}

/**
 * Reads a drop. Call it inside the drop handler: the DataTransfer empties once the handler
 * returns, so its entries are taken at once and only the walk through folders comes after.
 */
export function droppedFiles(data: DataTransfer): Promise<DroppedFiles> {
  const items = [...data.items].filter((item) => item.kind === 'file');
  return collectDropped(items.map((item) => item.webkitGetAsEntry() ?? item.getAsFile()));
}

/** The files under `dropped`: entries walked, plain files (from a browser without entries) as they are. */
export async function collectDropped(dropped: readonly (FileSystemEntry | File | null)[]): Promise<DroppedFiles> {
  const found: DroppedFiles = { files: [], unreadable: [] };
  for (const item of dropped) {
    if (item instanceof File) found.files.push({ file: item, name: item.name });
    else if (item) await collect(item, '', found);
  }
  return found;
}

async function collect(entry: FileSystemEntry, folder: string, found: DroppedFiles): Promise<void> {
  const name = folder + entry.name;
  try {
    if (entry.isFile) found.files.push({ file: await fileOf(entry as FileSystemFileEntry), name });
    else if (entry.isDirectory) {
      for (const child of await readAllEntries(entry as FileSystemDirectoryEntry)) await collect(child, name + FOLDER_SEPARATOR, found);
    }
  } catch {
    found.unreadable.push({ name, reason: 'the browser could not read it' });
  }
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** A folder's entries. readEntries hands them out in batches (Chromium: 100 at a time) and an empty batch ends them. */
async function readAllEntries(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const entries: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return entries;
    entries.push(...batch);
  }
}
