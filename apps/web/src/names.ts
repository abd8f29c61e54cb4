/** What a file chosen for upload is called in the mesh when its name is taken and the person keeps both. */

/**
 * `name` with the first free " (n)" before its extension: "photo.jpg" → "photo (2).jpg",
 * "notes" → "notes (2)", "archive.tar.gz" → "archive (2).tar.gz"; a dotfile keeps its dot.
 */
export function keepBothName(name: string, taken: ReadonlySet<string>): string {
  const slash = name.lastIndexOf('/') + 1;
  const base = name.slice(slash);
  const dot = base.indexOf('.', 1);
  const stem = dot < 0 ? base : base.slice(0, dot);
  const extension = dot < 0 ? '' : base.slice(dot);
  for (let n = 2; ; n++) {
    const candidate = `${name.slice(0, slash)}${stem} (${n})${extension}`;
    if (!taken.has(candidate)) return candidate;
  }
}
