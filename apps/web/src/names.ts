/**
 * What a file chosen for upload is called in the mesh: its path inside a chosen folder, or its
 * own name; whether the mesh accepts that name; and, when it is taken and the person keeps
 * both, the free name the new file gets.
 */
import { FOLDER_SEPARATOR, fileNameSchema } from '@meshdrive/core';
import { listSome } from './format.js';

/** A file to upload and the name it will have in the mesh. */
export interface ChosenFile {
  readonly file: File;
  readonly name: string;
}

/** A file left out of an upload, and why. */
export interface SkippedFile {
  readonly name: string;
  readonly reason: string;
}

/** A picked file's mesh name: its path from the chosen folder (`holiday/2024/a.jpg`), or its own name. */
export function chosenFile(file: File): ChosenFile {
  return { file, name: file.webkitRelativePath || file.name };
}

/** Splits chosen files into those the mesh can store under their names, and those it would refuse. */
export function checkNames(chosen: readonly ChosenFile[]): { storable: ChosenFile[]; skipped: SkippedFile[] } {
  const storable: ChosenFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of chosen) {
    const checked = fileNameSchema.safeParse(file.name);
    if (checked.success) storable.push(file);
    else skipped.push({ name: file.name, reason: checked.error.issues[0]?.message ?? 'the mesh refuses this name' });
  }
  return { storable, skipped };
}

/** One line for the files an upload left out: the first few by name and reason, then a count. */
export function skippedSentence(skipped: readonly SkippedFile[]): string {
  return `Not uploaded: ${listSome(skipped.map((file) => `“${file.name}” (${file.reason})`))}.`;
}

/**
 * `name` with the first free " (n)" before its extension: "photo.jpg" → "photo (2).jpg",
 * "notes" → "notes (2)", "archive.tar.gz" → "archive (2).tar.gz"; a dotfile keeps its dot, and
 * a name in a folder stays in it: "a/b.txt" → "a/b (2).txt".
 */
export function keepBothName(name: string, taken: ReadonlySet<string>): string {
  const slash = name.lastIndexOf(FOLDER_SEPARATOR) + 1;
  const base = name.slice(slash);
  const dot = base.indexOf('.', 1);
  const stem = dot < 0 ? base : base.slice(0, dot);
  const extension = dot < 0 ? '' : base.slice(dot);
  for (let n = 2; ; n++) {
    const candidate = `${name.slice(0, slash)}${stem} (${n})${extension}`;
    if (!taken.has(candidate)) return candidate;
  }
}
