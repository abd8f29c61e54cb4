/**
 * Browser byte sources and sinks: a File read slice by slice (never whole), and a download
 * target that streams to disk through the File System Access API where the browser has it,
 * else collects parts into a Blob and hands it to the browser's download.
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
 * straight from a click: the picker needs the user's activation.
 */
export async function openSaveTarget(name: string): Promise<SaveTarget | null> {
  const picker = (window as unknown as SaveFilePickerWindow).showSaveFilePicker;
  if (typeof picker === 'function') {
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
  const parts: Uint8Array<ArrayBuffer>[] = [];
  return {
    streaming: false,
    write(bytes) {
      const copy = new Uint8Array(bytes.byteLength); // not slice(): a Buffer polyfill's slice is a view
      copy.set(bytes);
      parts.push(copy);
      return Promise.resolve();
    },
    finish() {
      const url = URL.createObjectURL(new Blob(parts));
      parts.length = 0;
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
      parts.length = 0;
      return Promise.resolve();
    },
  };
}

const BLOB_URL_LIFETIME_MS = 60_000;
