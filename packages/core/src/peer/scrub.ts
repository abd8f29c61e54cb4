/**
 * Scrubbing: a peer reads back every segment it holds, now and then and at a bounded rate, and
 * checks each chunk against its name, as Ceph's scrubs and ZFS's do. Bit rot, a truncated pack,
 * a chunk deleted behind the peer's back: each is found here even if nobody reads the file, the
 * damaged chunks are deleted, and the segment is reported (`onDamaged`), so the master repairs
 * it from a good replica, never from this one.
 */
import { bytesEqual, fromHex, toHex } from '../bytes.js';
import { splitChunkList } from '../chunking/chunk-list.js';
import type { Hasher } from '../codec/hasher.js';
import type { ChunkStore } from '../stores/chunk-store.js';
import type { Pins } from './pins.js';

/** Chunks read and checked at once. */
const SLICE_CHUNKS = 256;

export interface ScrubOptions {
  store: ChunkStore;
  hasher: Hasher;
  pins: Pins;
  /** A segment with a missing or damaged chunk (or list). */
  onDamaged(list: string): void;
  /** Bytes read per second, at most. */
  bytesPerSecond: number;
}

export interface ScrubResult {
  segments: number;
  bytes: number;
  damaged: string[];
}

export class Scrub {
  private running: Promise<ScrubResult> | undefined;

  constructor(private readonly options: ScrubOptions) {}

  /** One pass over every pinned segment; a pass asked for while one runs is that one. */
  pass(signal?: AbortSignal): Promise<ScrubResult> {
    this.running ??= this.passOnce(signal).finally(() => (this.running = undefined));
    return this.running;
  }

  private async passOnce(signal?: AbortSignal): Promise<ScrubResult> {
    const { pins, bytesPerSecond } = this.options;
    const result: ScrubResult = { segments: 0, bytes: 0, damaged: [] };
    const started = Date.now();
    for (const list of (await pins.lists()).sort()) {
      if (signal?.aborted) break;
      // A segment unpinned since the listing is someone else's business now.
      if ((await pins.ageMs(list, Date.now())) === undefined) continue;
      const bytes = await this.check(list);
      result.segments++;
      if (bytes === undefined) {
        result.damaged.push(list);
        this.options.onDamaged(list);
        continue;
      }
      result.bytes += bytes;
      // Paced: never ahead of bytesPerSecond since the pass began.
      const due = started + (result.bytes / bytesPerSecond) * 1000;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    }
    return result;
  }

  /** The segment's bytes, or undefined when its list or a chunk is missing or damaged (those chunks are deleted). */
  private async check(list: string): Promise<number | undefined> {
    const { store, hasher } = this.options;
    const [listBytes] = await store.getMany([fromHex(list)]);
    if (!listBytes) return undefined;
    const [listDigest] = await hasher.sha256Many([listBytes]);
    if (toHex(listDigest!) !== list) {
      await store.deleteMany([fromHex(list)]);
      return undefined;
    }
    const names = splitChunkList(listBytes);
    let bytes = 0;
    let damaged = false;
    for (let start = 0; start < names.length; start += SLICE_CHUNKS) {
      const slice = names.slice(start, start + SLICE_CHUNKS);
      const found = await store.getMany(slice);
      const present = found.flatMap((chunk, i) => (chunk ? [{ name: slice[i]!, chunk }] : []));
      if (present.length < slice.length) damaged = true;
      const digests = await hasher.sha256Many(present.map((entry) => entry.chunk));
      const bad = present.filter((entry, i) => !bytesEqual(entry.name, digests[i]!)).map((entry) => entry.name);
      if (bad.length > 0) {
        damaged = true;
        await store.deleteMany(bad);
      }
      bytes += present.reduce((sum, entry) => sum + entry.chunk.length, 0);
    }
    return damaged ? undefined : bytes + listBytes.length;
  }
}
