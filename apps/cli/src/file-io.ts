/**
 * Local files as ByteSources and ByteSinks. A download goes to a temporary file beside the
 * target and is renamed into place only when complete and verified, so a failed receive never
 * leaves a truncated file or clobbers an existing one.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MeshError, type ByteSink, type ByteSource } from '@meshdrive/core';

export class LocalFileError extends MeshError {
  static override readonly code = 'ERR_LOCAL_FILE';
}

export async function openSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  let handle: FileHandle;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new LocalFileError(`${path} is a directory, not a file`);
    handle = await open(path, 'r');
  } catch (error) {
    if (error instanceof LocalFileError) throw error;
    throw new LocalFileError(describeFsError(path, error));
  }
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length, into) {
      const buffer = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled < length) throw new LocalFileError(`${path} shrank while it was being sent`);
      return buffer;
    },
    close: () => handle.close(),
  };
}

export interface FileSink extends ByteSink {
  /** Renames the finished download into place. */
  commit(): Promise<void>;
  /** Deletes the partial download. */
  abort(): Promise<void>;
}

export async function openSink(path: string): Promise<FileSink> {
  // A name nobody can guess, created exclusively (O_EXCL): a link planted where the partial
  // download will go is never followed, and a second receive never shares the file.
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.meshdrive-partial`);
  let handle: FileHandle;
  try {
    const target = await stat(path).catch(() => undefined);
    if (target?.isDirectory()) throw new LocalFileError(`${path} is a directory; pass --out with a file name`);
    handle = await open(temporary, 'wx', 0o600);
  } catch (error) {
    if (error instanceof LocalFileError) throw error;
    throw new LocalFileError(describeFsError(path, error));
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    async write(bytes) {
      try {
        await handle.write(bytes);
      } catch (error) {
        throw new LocalFileError(describeFsError(path, error));
      }
    },
    async commit() {
      await handle.sync();
      await close();
      await rename(temporary, path);
    },
    async abort() {
      await close();
      await rm(temporary, { force: true });
    },
  };
}

function describeFsError(path: string, error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ENOENT': return `${path}: no such file or directory`;
    case 'EACCES': case 'EPERM': return `${path}: permission denied`;
    case 'ENOSPC': return `${path}: the disk is full`;
    case 'EISDIR': return `${path} is a directory`;
    default: return `${path}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
