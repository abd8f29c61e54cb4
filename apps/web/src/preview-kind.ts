/**
 * What a file's preview can be, told from its name (the mesh keeps no MIME types) and size:
 * which element shows it and the MIME type its Blob needs for the browser to play or render
 * it, or why there is none. Pure: no I/O.
 */

export type PreviewKind = 'image' | 'text' | 'pdf' | 'audio' | 'video';

/** Text is read and shown up to this many bytes: enough to read, never a whole log in memory. */
export const TEXT_PREVIEW_BYTES = 1024 ** 2;
/** Images larger than this are offered as downloads: decoding them could stall a phone. */
export const IMAGE_PREVIEW_MAX_BYTES = 64 * 1024 ** 2;
/** PDF, audio and video are assembled in memory before they show, so they stop here. */
export const MEDIA_PREVIEW_MAX_BYTES = 256 * 1024 ** 2;

export type PreviewPlan =
  | {
      kind: PreviewKind;
      /** The Blob's type: the browser picks the decoder (or the PDF viewer) by it. */
      mime: string;
    }
  | { kind: 'none'; reason: 'unknown-kind' }
  | { kind: 'none'; reason: 'too-big'; ceiling: number };

const TEXT_MIME = 'text/plain;charset=utf-8';

const TYPES: Readonly<Record<string, { kind: PreviewKind; mime: string }>> = {
  ...kindOf('image', {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    webp: 'image/webp',
    avif: 'image/avif',
    svg: 'image/svg+xml',
    bmp: 'image/bmp',
    ico: 'image/x-icon',
  }),
  ...kindOf('pdf', { pdf: 'application/pdf' }),
  ...kindOf('audio', {
    mp3: 'audio/mpeg',
    ogg: 'audio/ogg',
    oga: 'audio/ogg',
    opus: 'audio/ogg',
    wav: 'audio/wav',
    flac: 'audio/flac',
    m4a: 'audio/mp4',
    aac: 'audio/aac',
  }),
  ...kindOf('video', {
    mp4: 'video/mp4',
    m4v: 'video/mp4',
    webm: 'video/webm',
    ogv: 'video/ogg',
    mov: 'video/quicktime',
  }),
  // Shown as plain text in a <pre>, never rendered: an .html or .svg-as-text file runs nothing.
  ...kindOf(
    'text',
    Object.fromEntries(
      [
        'txt', 'text', 'md', 'markdown', 'rst', 'csv', 'tsv', 'json', 'jsonl', 'ndjson', 'log', 'xml', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'env',
        'properties', 'html', 'htm', 'css', 'scss', 'js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx', 'vue', 'svelte', 'sh', 'bash', 'zsh', 'fish',
        'ps1', 'bat', 'py', 'rb', 'pl', 'php', 'lua', 'rs', 'go', 'c', 'h', 'cc', 'cpp', 'hpp', 'cs', 'java', 'kt', 'swift', 'scala', 'sql', 'graphql',
        'proto', 'diff', 'patch', 'tex', 'srt', 'vtt',
      ].map((extension) => [extension, TEXT_MIME]),
    ),
  ),
};

/**
 * The preview for `name` of `size` bytes. A name without an extension ("README", "Makefile",
 * ".bashrc") is taken for text, as it usually is on Unix; the text preview itself turns a
 * binary away (see TextPrefix).
 */
export function planPreview(name: string, size: number): PreviewPlan {
  const extension = extensionOf(name);
  const type = extension === null ? { kind: 'text' as const, mime: TEXT_MIME } : TYPES[extension];
  if (!type) return { kind: 'none', reason: 'unknown-kind' };
  // Text has no ceiling: only its first TEXT_PREVIEW_BYTES are read.
  const ceiling = type.kind === 'text' ? Infinity : type.kind === 'image' ? IMAGE_PREVIEW_MAX_BYTES : MEDIA_PREVIEW_MAX_BYTES;
  return size > ceiling ? { kind: 'none', reason: 'too-big', ceiling } : type;
}

/** The lower-cased extension of the last part of `name`, or null when it has none: a dotfile's dot starts no extension. */
function extensionOf(name: string): string | null {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? null : base.slice(dot + 1).toLowerCase();
}

function kindOf(kind: PreviewKind, mimes: Record<string, string>): Record<string, { kind: PreviewKind; mime: string }> {
  return Object.fromEntries(Object.entries(mimes).map(([extension, mime]) => [extension, { kind, mime }]));
}
