/**
 * Collection: deleting chunks no pinned segment uses. The master's drops and abandoned-segment
 * orders unpin segments and delete what only they used; the periodic sweep deletes chunks of
 * sends that failed before their Seal, which no order will ever name. Like IPFS's GC, each holds
 * writes off while it runs.
 */
import { fromHex, toHex } from '../bytes.js';
import { splitChunkList } from '../chunking/chunk-list.js';
import type { HashBytes } from '../ids.js';
import type { PeerStore } from '../stores/chunk-store.js';
import { HashBloomFilter } from './bloom.js';
import type { Pins } from './pins.js';
import type { SpaceWatch } from './space.js';

/** Garbage collection starts only after this long without a write, so it rarely waits on one. */
export const GC_QUIET_MS = 60_000;
/** A segment offered but not sealed for this long was abandoned (its client failed or left). */
export const ABANDONED_SEGMENT_MS = 10 * 60_000;
/** Chunks deleted per store call while collecting. */
const GC_DELETE_BATCH = 4096;

interface CollectionOptions {
  store: PeerStore;
  pins: Pins;
  space: SpaceWatch;
  /** Whether no segment write is in progress since `cutoff` (and none is sealing). */
  writesQuietSince(cutoff: number): boolean;
  now: () => number;
}

export class Collection {
  private lastWriteAt = 0;
  /** Set while collecting: writes wait for it, so none lands on a doomed chunk. */
  private collecting: Promise<void> | undefined;

  constructor(private readonly options: CollectionOptions) {}

  /**
   * A write arrives: the next sweep waits GC_QUIET_MS after it. Returns the collection in
   * progress, if any, which the write must wait for.
   */
  writeArriving(): Promise<void> | undefined {
    this.lastWriteAt = this.options.now();
    return this.collecting;
  }

  /**
   * Deletes chunks that no pinned segment uses: those of sends that failed or were abandoned
   * before their Seal. Skips its turn (undefined) while the peer has had a write in the last
   * GC_QUIET_MS or a segment is between Offer and Seal. The set of chunks to keep is a Bloom
   * filter, ~10 bits per chunk: a false positive keeps a stray chunk until the next run, and
   * there are no false negatives, so a pinned chunk is never deleted.
   */
  async collectGarbage(): Promise<number | undefined> {
    if (this.options.now() - this.lastWriteAt < GC_QUIET_MS) return undefined;
    return this.exclusive(() => this.sweep());
  }

  /** Unpins segments the master dropped and deletes chunks no remaining segment uses. */
  async dropSegments(lists: readonly string[]): Promise<number> {
    const { store, pins, space } = this.options;
    await pins.unpin(lists);
    // By hex name: a Set compares strings by value, byte arrays by identity.
    const keep = new Set<string>();
    await this.addPinnedChunks({ add: (hash) => keep.add(toHex(hash)) });
    const doomed = new Map<string, HashBytes>();
    const doom = (hash: HashBytes): void => {
      const name = toHex(hash);
      if (!keep.has(name)) doomed.set(name, hash);
    };
    for (const list of lists) {
      if (keep.has(list)) continue;
      const listHash = fromHex(list);
      const [bytes] = await store.getMany([listHash]);
      doom(listHash);
      if (bytes) splitChunkList(bytes).forEach(doom);
    }
    await store.deleteMany([...doomed.values()]);
    if (doomed.size > 0) space.freed();
    return doomed.size;
  }

  /**
   * Drops segments the master judged abandoned (sealed, yet used by no file and no open send),
   * except any sealed again since: its pin is younger than `olderThanMs` now. Runs as a
   * collection does, and skips its turn (undefined) while a segment is being written.
   */
  async dropAbandoned(lists: readonly string[], olderThanMs: number): Promise<number | undefined> {
    return this.exclusive(async () => {
      const now = this.options.now();
      const stillOld: string[] = [];
      for (const list of lists) {
        const ageMs = await this.options.pins.ageMs(list, now);
        if (ageMs !== undefined && ageMs >= olderThanMs) stillOld.push(list);
      }
      return this.dropSegments(stillOld);
    });
  }

  /**
   * Runs `work` with writes held off (they wait on writeArriving's promise), unless another
   * collection is running, a Seal is, or a segment has been between Offer and Seal within
   * ABANDONED_SEGMENT_MS: then it skips its turn (undefined).
   */
  private async exclusive(work: () => Promise<number>): Promise<number | undefined> {
    if (this.collecting) return undefined;
    if (!this.options.writesQuietSince(this.options.now() - ABANDONED_SEGMENT_MS)) return undefined;
    let finish = (): void => undefined;
    this.collecting = new Promise((resolve) => (finish = resolve));
    try {
      return await work();
    } finally {
      this.collecting = undefined;
      finish();
    }
  }

  private async sweep(): Promise<number> {
    const { store, space } = this.options;
    const keep = new HashBloomFilter((await store.stats()).chunks);
    // Without its list a pinned segment's chunks cannot be told apart: delete nothing.
    if (!(await this.addPinnedChunks(keep))) return 0;
    let deleted = 0;
    let doomed: HashBytes[] = [];
    const flush = async (): Promise<void> => {
      await store.deleteMany(doomed);
      deleted += doomed.length;
      doomed = [];
    };
    for await (const hash of store.keys()) {
      if (keep.mayContain(hash)) continue;
      doomed.push(hash);
      if (doomed.length >= GC_DELETE_BATCH) await flush();
    }
    await flush();
    if (deleted > 0) space.freed();
    return deleted;
  }

  /**
   * Adds every pinned list, and every chunk it names, to `keep`. False if some pinned list's
   * own bytes are missing, so its chunks could not be added.
   */
  private async addPinnedChunks(keep: { add(hash: HashBytes): void }): Promise<boolean> {
    const store = this.options.store;
    let complete = true;
    for (const hex of await this.options.pins.lists()) {
      const list = fromHex(hex);
      keep.add(list);
      const [bytes] = await store.getMany([list]);
      if (bytes) for (const hash of splitChunkList(bytes)) keep.add(hash);
      else complete = false;
    }
    return complete;
  }
}
