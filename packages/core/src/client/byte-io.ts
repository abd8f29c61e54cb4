/**
 * Where a client's bytes come from and go to. Random-access sources let segments be read in
 * parallel and re-read on retry; sinks are written in order, so a download streams to disk
 * (or a browser stream) without ever holding the whole file.
 */
export interface ByteSource {
  readonly size: number;
  /**
   * Exactly `length` bytes from `offset` (fewer only at the end of the source). A source may
   * read them into `into` (at least `length` long) and return a view of it, so a sender reuses
   * a few buffers instead of allocating one per segment; it may also ignore it.
   */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
}

export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)) };
}

/** A sink that keeps everything in memory: for tests and small files only. */
export function memorySink(): ByteSink & { bytes(): Uint8Array } {
  const parts: Uint8Array[] = [];
  return {
    write(bytes) {
      parts.push(bytes.slice());
      return Promise.resolve();
    },
    bytes() {
      const total = parts.reduce((sum, part) => sum + part.length, 0);
      const out = new Uint8Array(total);
      let offset = 0;
      for (const part of parts) { out.set(part, offset); offset += part.length; }
      return out;
    },
  };
}

export interface TransferProgress {
  /** File bytes handled so far (hashed and placed, or received and verified). */
  done: number;
  total: number;
  /** Bytes that actually crossed the network from this client (differential updates skip the rest). */
  moved: number;
}
