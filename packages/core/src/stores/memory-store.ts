/** Chunks in a Map: unit tests and volatile peers, which forget everything on exit by design. */
import { fromHex, toHex } from '../bytes.js';
import { StoreClosedError } from '../errors.js';
import type { HashBytes } from '../ids.js';
import type { PeerStore, StoredChunk, StoreStats } from './chunk-store.js';

export class MemoryStore implements PeerStore {
  /** By hex hash: a Map compares strings by value, byte arrays by identity. */
  private readonly chunks = new Map<string, Uint8Array>();
  private readonly meta = new Map<string, string>();
  private bytes = 0;
  private closed = false;

  putMany(chunks: readonly StoredChunk[]): Promise<void> {
    this.assertOpen();
    for (const { hash, bytes } of chunks) {
      const key = toHex(hash);
      if (this.chunks.has(key)) continue;
      // new Uint8Array(view) copies; Buffer#slice (what simple-peer hands out) would not.
      this.chunks.set(key, new Uint8Array(bytes));
      this.bytes += bytes.length;
    }
    return Promise.resolve();
  }

  /** Nothing to commit: a put is as durable as this store gets when it returns. */
  commit(): Promise<void> {
    return Promise.resolve();
  }

  getMany(hashes: readonly HashBytes[]): Promise<(Uint8Array | undefined)[]> {
    this.assertOpen();
    return Promise.resolve(hashes.map((hash) => this.chunks.get(toHex(hash))?.slice()));
  }

  hasMany(hashes: readonly HashBytes[]): Promise<boolean[]> {
    this.assertOpen();
    return Promise.resolve(hashes.map((hash) => this.chunks.has(toHex(hash))));
  }

  deleteMany(hashes: readonly HashBytes[]): Promise<void> {
    this.assertOpen();
    for (const hash of hashes) {
      const key = toHex(hash);
      const bytes = this.chunks.get(key);
      if (!bytes) continue;
      this.bytes -= bytes.length;
      this.chunks.delete(key);
    }
    return Promise.resolve();
  }

  keys(): AsyncIterable<HashBytes> {
    this.assertOpen();
    const snapshot = [...this.chunks.keys()];
    return (async function* () {
      for (const key of snapshot) yield await Promise.resolve(fromHex(key));
    })();
  }

  stats(): Promise<StoreStats> {
    this.assertOpen();
    return Promise.resolve({ chunks: this.chunks.size, bytes: this.bytes });
  }

  getMeta(key: string): Promise<string | undefined> {
    this.assertOpen();
    return Promise.resolve(this.meta.get(key));
  }

  setMeta(key: string, value: string): Promise<void> {
    this.assertOpen();
    this.meta.set(key, value);
    return Promise.resolve();
  }

  deleteMeta(key: string): Promise<void> {
    this.assertOpen();
    this.meta.delete(key);
    return Promise.resolve();
  }

  metaKeys(prefix: string): Promise<string[]> {
    this.assertOpen();
    return Promise.resolve([...this.meta.keys()].filter((key) => key.startsWith(prefix)));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}
