/**
 * Browser byte sources and sinks: a File read slice by slice (never whole), a sink that
 * collects a read into a Blob (for previews), and a download target that streams to disk
 * through the File System Access API where the browser has it, else hands such a Blob to the
 * browser's download.
 */
import type { ByteSink, ByteSource } from '@meshdrive/core';

export function fileSource(file: Blob): ByteSource {
  return {
    size: file.size,
    async read(offset, length) {
      return new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
    },
  };
}

export interface SaveTarget extends ByteSink {
  /** How the bytes are saved, for the transfer row ("to disk" or "in memory"). */
  readonly streaming: boolean;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

interface SaveFilePickerWindow {
  showSaveFilePicker?: (options?: { suggestedName?: string }) => Promise<FileSystemFileHandle>;
}

/**
 * Asks where to save `name`. Resolves with null when the person dismisses the picker. Call it
 * straight from a click: the picker needs the user's activation. `ask: false` skips the picker
 * for the browser's own download, as for many files at once: a picker each would be a chore,
 * and only the first would have the click's activation.
 */
export async function openSaveTarget(name: string, { ask = true }: { ask?: boolean } = {}): Promise<SaveTarget | null> {
  const picker = (window as unknown as SaveFilePickerWindow).showSaveFilePicker;
  if (ask && typeof picker === 'function') {
    let handle: FileSystemFileHandle;
    try {
      handle = await picker.call(window, { suggestedName: name });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') return null;
      throw error;
    }
    const writable = await handle.createWritable();
    return {
      streaming: true,
      write: (bytes) => writable.write(bytes as Uint8Array<ArrayBuffer>),
      finish: () => writable.close(),
      abort: () => writable.abort(),
    };
  }
  return blobTarget(name);
}

function blobTarget(name: string): SaveTarget {
  const parts = blobSink();
  return {
    streaming: false,
    write: (bytes) => parts.write(bytes),
    finish() {
      const url = URL.createObjectURL(parts.take());
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      link.rel = 'noopener';
      document.body.append(link);
      link.click();
      link.remove();
      // The download has its own reference once it starts; free ours a little later.
      setTimeout(() => URL.revokeObjectURL(url), BLOB_URL_LIFETIME_MS);
      return Promise.resolve();
    },
    abort() {
      parts.take(); // and drop it
      return Promise.resolve();
    },
  };
}

export interface BlobSink extends ByteSink {
  /** Everything written so far, as one Blob of MIME type `type`; the sink starts empty again. */
  take(type?: string): Blob;
}

/**
 * A sink that collects a read into a Blob. Each write becomes a Blob of its own at once: that
 * copies the bytes (the client reuses its buffers), and the browser may keep a large file out
 * of the page's memory (Chromium pages big Blobs to disk).
 */
export function blobSink(): BlobSink {
  let parts: Blob[] = [];
  return {
    write(bytes) {
      parts.push(new Blob([bytes as Uint8Array<ArrayBuffer>]));
      return Promise.resolve();
    },
    take(type) {
      const blob = new Blob(parts, { type: type ?? '' });
      parts = [];
      return blob;
    },
  };
}

const BLOB_URL_LIFETIME_MS = 60_000;
