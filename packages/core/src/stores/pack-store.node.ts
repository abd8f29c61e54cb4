/**
 * Chunks on disk the way Bitcask keeps values: each chunk is appended as a record to a pack
 * file, and an in-memory index (HashIndex) says where each hash's record is. Reading a segment
 * is one pread of its neighbouring records; writing one is one write. Small settings (the peer's
 * id, its pins) stay in a SQLite file beside the packs.
 *
 * Why not chunks as SQLite rows, as before: 1 KiB rows keyed by random hashes touch an index
 * page per chunk, so every commit rewrote ~16 KiB of index and WAL per chunk stored. Measured on
 * these two-core machines, storing segments of 1024 random chunks in batches of 60 and reading
 * them back: SQLite took 9.3 ms of CPU per MiB written and 5.7 per MiB read on a 64 MiB store,
 * 18 and 10.5 on a 512 MiB one; this store takes 3 and 2 at either size. A 64 MiB send through
 * three peers went from ~11 to ~15 MiB/s.
 *
 * A record is a 4-byte little-endian word (bit 31 marks a tombstone, the rest is the body's
 * length), the 32-byte hash, then the body: the chunk, or for a tombstone the number of the pack
 * holding the record it removes. Opening a store reads every pack once to rebuild
 * the index: ~1 s per GiB from the page cache. A later record of a hash wins over an earlier one,
 * and a tombstone removes it.
 *
 * Durability: a lazy put's bytes are written before it resolves, so they survive a killed
 * process; commit() then makes every write before it durable against power loss: fdatasync of
 * each pack written since, of the packs directory when a pack was made, and of the settings
 * (SQLite with synchronous=FULL). Commits that overlap share one round of syncs (group commit),
 * so concurrent seals pay for one. A plain put commits before it resolves. A record cut short at
 * a pack's end is cut off when the store opens. Peers verify every chunk they read, so bytes
 * damaged on disk are refused and served from another replica.
 * A tombstone that could not be written (a full disk) only brings its chunk back after a
 * restart, where the peer's garbage collection finds it unpinned and deletes it again.
 *
 * A pack takes records until it holds PACK_BYTES. Deleting writes a tombstone; a pack whose live
 * records fall under half its size is compacted: its live records, and the tombstones whose
 * removed record is still in some pack, are copied in order to a newer pack and the file removed.
 */
import { closeSync, constants, existsSync, fdatasync, fdatasyncSync, fstatSync, fsync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { bytesEqual } from '../bytes.js';
import { MeshError, QuotaExceededError, StoreClosedError, StoreError } from '../errors.js';
import type { HashBytes } from '../ids.js';
import type { PeerStore, PutOptions, StoredChunk, StoreStats } from './chunk-store.js';
import { HashIndex, prefixOf, type HashPrefix, type Location } from './hash-index.js';
import { SqliteStore } from './sqlite-store.node.js';

/** A pack takes no more records once it holds this much. */
export const PACK_BYTES = 64 * 1024 * 1024;
/** A pack is compacted once its live records take less than this share of it. */
const COMPACT_BELOW_LIVE_SHARE = 0.5;
/** Compacting frees at least this much (or half a pack), or waits. */
const COMPACT_MIN_DEAD_BYTES = 64 * 1024;
/** Records close together are read in one pread of at most this many bytes. */
const READ_RUN_BYTES = 1024 * 1024;
/** Records this close are read together rather than in two preads. */
const READ_GAP_BYTES = 4096;
/** Packs are scanned in blocks of this size. */
const SCAN_BLOCK_BYTES = 1024 * 1024;
/** Writes up to this size (a 64 KiB batch of chunks and its record headers) reuse one buffer. */
const WRITE_BUFFER_BYTES = 256 * 1024;
/** Chunks moved per batch out of a legacy SQLite store. */
const MIGRATE_BATCH = 4096;

const MAGIC = Buffer.from('mdpack01');
const HASH_BYTES = 32;
const HEADER_BYTES = 4 + HASH_BYTES;
const TOMBSTONE = 0x80000000;
/** A tombstone's record: header and the number of the pack whose record it removes. */
const TOMBSTONE_BYTES = HEADER_BYTES + 4;
/** No chunk or chunk list comes near this; a longer record is damage. */
const MAX_RECORD_DATA = 16 * 1024 * 1024;

export interface PackStoreOptions {
  /** Pack files never grow past this in total; puts beyond it fail with ERR_QUOTA_EXCEEDED. */
  maxBytes?: number;
  /** Size at which a pack takes no more records; PACK_BYTES unless a test wants many packs. */
  packBytes?: number;
  /**
   * False: commit() writes but never syncs, so a power cut may take acknowledged writes. Only
   * to measure what syncing costs (the bench); a peer's store always syncs.
   */
  sync?: boolean;
}

const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);

interface Pack {
  id: number;
  fd: number;
  /** Bytes written, magic included. */
  size: number;
  /** Bytes of records the index points at. */
  live: number;
}

interface ScannedRecord {
  offset: number;
  /** For a tombstone, the pack whose record of `hash` it removes. */
  tombstone: number | undefined;
  length: number;
  /** A view into `bytes`. */
  hash: HashBytes;
  /** The whole record, valid until the scan moves on. */
  bytes: Buffer;
}

const recordBytes = (length: number): number => HEADER_BYTES + length;

/** One buffer, made on first use and lent again and again, for bytes no caller keeps past its call. */
class LentBuffer {
  private buffer: Buffer | undefined;

  constructor(private readonly capacity: number) {}

  /** `size` bytes of the shared buffer, or a new buffer where it is too small (rare). */
  take(size: number): Buffer {
    if (size > this.capacity) return Buffer.allocUnsafe(size);
    this.buffer ??= Buffer.allocUnsafeSlow(this.capacity);
    return this.buffer.subarray(0, size);
  }
}

export class PackStore implements PeerStore {
  private readonly index = new HashIndex();
  private readonly packs = new Map<number, Pack>();
  private current!: Pack;
  /** Kept in step with the index by indexNew, unindex and relocate. */
  private readonly counts: StoreStats = { chunks: 0, bytes: 0 };
  /** keys() walks in progress; compaction waits for them, so no record is missed or moved under one. */
  private listing = 0;
  private closed = false;
  /** Packs written since their last sync, and whether a pack was made (its name needs the directory synced). */
  private readonly unsynced = new Set<Pack>();
  private newPackNames = false;
  /** Packs whose sync is running: compaction leaves them be, as their descriptors are in use. */
  private readonly syncing = new Set<Pack>();
  /** The sync round running, and the one that waits for it (see commit). */
  private syncRound: Promise<void> = Promise.resolve();
  private nextRound: Promise<void> | undefined;
  /**
   * Records about to be written: the write is synchronous, so nothing holds them after. A fresh
   * 64 KiB buffer per batch was 64 MiB of short-lived memory outside V8's heap per 64 MiB stored,
   * and V8 answers such memory with full collections.
   */
  private readonly writeBuffer = new LentBuffer(WRITE_BUFFER_BYTES);
  /** Runs read only to see which records exist (see records). */
  private readonly readBuffer = new LentBuffer(READ_RUN_BYTES);

  private constructor(
    private readonly dir: string,
    private readonly meta: SqliteStore,
    private readonly maxBytes: number,
    private readonly packBytes: number,
    private readonly sync: boolean,
  ) {}

  /**
   * Opens (or creates) the store in `dir`: `packs/` and `meta.db`. A directory written by the
   * SQLite store of earlier versions (`chunks.db`) keeps that file for its settings, and its
   * chunks are moved into packs.
   */
  static async open(dir: string, options: PackStoreOptions = {}): Promise<PackStore> {
    mkdirSync(join(dir, 'packs'), { recursive: true });
    const legacy = join(dir, 'chunks.db');
    const sync = options.sync ?? true;
    const meta = new SqliteStore(existsSync(legacy) ? legacy : join(dir, 'meta.db'), { synchronous: sync ? 'full' : 'normal' });
    const store = new PackStore(dir, meta, options.maxBytes ?? Number.POSITIVE_INFINITY, options.packBytes ?? PACK_BYTES, sync);
    try {
      store.load();
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  putMany(chunks: readonly StoredChunk[], options?: PutOptions): Promise<void> {
    try {
      this.assertOpen();
      this.add(chunks, true);
    } catch (error) {
      return Promise.reject(translate(error));
    }
    return options?.lazy ? Promise.resolve() : this.commit();
  }

  /** Appends the chunks not held yet and indexes them. */
  private add(chunks: readonly StoredChunk[], withinQuota: boolean): void {
    const fresh: StoredChunk[] = [];
    // A hash twice in one batch: its second copy is dropped. The set holds prefix words, so a
    // match is confirmed against the chunks taken so far (rare: 1 in ~8 million per pair).
    const seen = new Set<number>();
    const held = this.records(chunks.map((chunk) => chunk.hash), true);
    let size = 0;
    for (const [i, chunk] of chunks.entries()) {
      if (held[i]) continue;
      const word = prefixOf(chunk.hash).low;
      if (seen.has(word) && fresh.some((taken) => bytesEqual(taken.hash, chunk.hash))) continue;
      seen.add(word);
      fresh.push(chunk);
      size += recordBytes(chunk.bytes.length);
    }
    if (fresh.length === 0) return;
    if (withinQuota && this.diskBytes() + size > this.maxBytes) {
      throw new QuotaExceededError(`this peer's store is full: ${this.diskBytes()} of ${this.maxBytes} bytes used`);
    }
    const records = this.writeBuffer.take(size);
    let at = 0;
    for (const { hash, bytes } of fresh) at = writeRecord(records, at, hash, bytes, false);
    const { pack, offset } = this.append(records);
    at = offset;
    for (const { hash, bytes } of fresh) {
      this.indexNew(prefixOf(hash), { pack: pack.id, offset: at, length: bytes.length });
      at += recordBytes(bytes.length);
    }
  }

  /** Indexes a record of a hash not indexed yet. */
  private indexNew(prefix: HashPrefix, location: Location): void {
    this.index.insert(prefix, location);
    this.packs.get(location.pack)!.live += recordBytes(location.length);
    this.counts.chunks++;
    this.counts.bytes += location.length;
  }

  /** Forgets an indexed record; returns where it was. */
  private unindex(slot: number): Location {
    const location = this.index.location(slot);
    this.index.remove(slot);
    this.packs.get(location.pack)!.live -= recordBytes(location.length);
    this.counts.chunks--;
    this.counts.bytes -= location.length;
    return location;
  }

  /** Points an indexed hash at a later record of it (a copy, or one read later on opening). */
  private relocate(slot: number, location: Location): void {
    const old = this.index.location(slot);
    const oldPack = this.packs.get(old.pack);
    if (oldPack) oldPack.live -= recordBytes(old.length);
    this.index.move(slot, location);
    this.packs.get(location.pack)!.live += recordBytes(location.length);
  }

  /**
   * Makes every write made before the call durable. A call while a round of syncs runs waits
   * for the next round, which every call until then shares: one round, however many seals.
   */
  commit(): Promise<void> {
    if (this.closed) return Promise.resolve(); // closing committed everything
    this.nextRound ??= this.syncRound.catch(() => undefined).then(() => {
      this.nextRound = undefined;
      this.syncRound = this.syncOnce();
      return this.syncRound;
    });
    return this.nextRound;
  }

  /** One round: the packs written since the last, the packs directory if a pack was made, then the settings. */
  private async syncOnce(): Promise<void> {
    this.assertOpen();
    const packs = [...this.unsynced];
    this.unsynced.clear();
    const names = this.newPackNames;
    this.newPackNames = false;
    try {
      if (this.sync) {
        for (const pack of packs) this.syncing.add(pack);
        await Promise.all(packs.map((pack) => fdatasyncAsync(pack.fd)));
        if (names) await this.syncPacksDirectory();
      }
    } catch (error) {
      // Not durable: the next commit tries these again.
      for (const pack of packs) if (this.packs.has(pack.id)) this.unsynced.add(pack);
      this.newPackNames ||= names;
      throw translate(error);
    } finally {
      for (const pack of packs) this.syncing.delete(pack);
    }
    await this.meta.commit();
  }

  private async syncPacksDirectory(): Promise<void> {
    const fd = openSync(join(this.dir, 'packs'), constants.O_RDONLY);
    try {
      await fsyncAsync(fd);
    } finally {
      closeSync(fd);
    }
  }

  getMany(hashes: readonly HashBytes[]): Promise<(Uint8Array | undefined)[]> {
    try {
      return Promise.resolve(this.records(hashes).map((record) => record?.subarray(HEADER_BYTES)));
    } catch (error) {
      return Promise.reject(translate(error));
    }
  }

  hasMany(hashes: readonly HashBytes[]): Promise<boolean[]> {
    try {
      return Promise.resolve(this.records(hashes, true).map((record) => record !== undefined));
    } catch (error) {
      return Promise.reject(translate(error));
    }
  }

  /**
   * The record of each hash, or undefined. Records are read in runs (see readRecords), which
   * for a segment's chunks, stored together, is one pread for the lot: cheaper than a small
   * read per chunk even where only the hashes in them are wanted. With `glance`, runs are read
   * into one reused buffer, so the records are only good until the next read: for callers that
   * only ask whether they exist (a seal checks a whole segment, 1 MiB, that way).
   */
  private records(hashes: readonly HashBytes[], glance = false): (Buffer | undefined)[] {
    this.assertOpen();
    const wanted: { index: number; location: Location }[] = [];
    hashes.forEach((hash, index) => {
      // The prefix alone picks the record; its full hash is checked once read, below.
      const slot = this.index.find(prefixOf(hash));
      if (slot >= 0) wanted.push({ index, location: this.index.location(slot) });
    });
    const found = new Array<Buffer | undefined>(hashes.length).fill(undefined);
    for (const { index, record } of this.readRecords(wanted, glance)) {
      const hash = hashes[index]!;
      // Another hash shares the prefix: look again, checking every candidate.
      found[index] = recordHashEquals(record, hash) ? record : this.readExact(hash);
    }
    return found;
  }

  deleteMany(hashes: readonly HashBytes[]): Promise<void> {
    try {
      this.assertOpen();
      const gone: { hash: HashBytes; pack: number }[] = [];
      for (const hash of hashes) {
        const slot = this.find(hash);
        if (slot < 0) continue;
        gone.push({ hash, pack: this.unindex(slot).pack });
      }
      if (gone.length > 0) {
        const tombstones = Buffer.allocUnsafe(gone.length * TOMBSTONE_BYTES);
        gone.forEach(({ hash, pack }, i) => writeRecord(tombstones, i * TOMBSTONE_BYTES, hash, killedPack(pack), true));
        try {
          this.append(tombstones);
        } catch {
          // Not fatal: see the note on tombstones at the top of this file.
        }
        this.compact();
      }
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(translate(error));
    }
  }

  async *keys(): AsyncIterable<HashBytes> {
    this.assertOpen();
    this.listing++;
    try {
      for (const id of [...this.packs.keys()].sort((a, b) => a - b)) {
        const pack = this.packs.get(id);
        if (!pack) continue;
        for (const record of this.scan(pack)) {
          if (record.tombstone === undefined && this.slotOf(record, pack.id) >= 0) yield await Promise.resolve(new Uint8Array(record.hash));
          this.assertOpen();
        }
      }
    } finally {
      this.listing--;
      if (this.listing === 0 && !this.closed) this.compact();
    }
  }

  stats(): Promise<StoreStats> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    return Promise.resolve({ ...this.counts });
  }

  getMeta(key: string): Promise<string | undefined> {
    return this.meta.getMeta(key);
  }

  setMeta(key: string, value: string, options?: PutOptions): Promise<void> {
    return this.meta.setMeta(key, value, options);
  }

  deleteMeta(key: string): Promise<void> {
    return this.meta.deleteMeta(key);
  }

  metaKeys(prefix: string): Promise<string[]> {
    return this.meta.metaKeys(prefix);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // A last round: what was written is durable once the store is closed.
    await this.commit().catch(() => undefined);
    if (this.closed) return;
    this.closed = true;
    for (const pack of this.packs.values()) closeSync(pack.fd);
    this.packs.clear();
    await this.meta.close();
  }

  /** The index slot of `hash`, its full hash checked on disk; -1 if absent. */
  private find(hash: HashBytes): number {
    return this.findPrefix(prefixOf(hash), hash);
  }

  private findPrefix(prefix: HashPrefix, hash: HashBytes): number {
    return this.index.find(prefix, (location) => this.holdsHash(location, hash));
  }

  private holdsHash(location: Location, hash: HashBytes): boolean {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    readAllAt(this.packs.get(location.pack)!.fd, header, location.offset);
    return recordHashEquals(header, hash);
  }

  private readExact(hash: HashBytes): Buffer | undefined {
    const slot = this.find(hash);
    if (slot < 0) return undefined;
    const { pack, offset, length } = this.index.location(slot);
    const record = Buffer.allocUnsafe(recordBytes(length));
    readAllAt(this.packs.get(pack)!.fd, record, offset);
    return record;
  }

  /** The index slot pointing at this very record, or -1 if its hash is elsewhere or gone. */
  private slotOf(record: ScannedRecord, pack: number): number {
    return this.index.find(prefixOf(record.hash), (location) => location.pack === pack && location.offset === record.offset);
  }

  /** Reads the wanted records, one pread per run of records close together in one pack. */
  private *readRecords(wanted: { index: number; location: Location }[], reuse = false): Generator<{ index: number; record: Buffer }> {
    wanted.sort((a, b) => a.location.pack - b.location.pack || a.location.offset - b.location.offset);
    let start = 0;
    while (start < wanted.length) {
      const first = wanted[start]!.location;
      let end = start + 1;
      let runEnd = first.offset + recordBytes(first.length);
      while (end < wanted.length) {
        const next = wanted[end]!.location;
        const nextEnd = next.offset + recordBytes(next.length);
        if (next.pack !== first.pack || next.offset - runEnd > READ_GAP_BYTES || nextEnd - first.offset > READ_RUN_BYTES) break;
        runEnd = Math.max(runEnd, nextEnd);
        end++;
      }
      const size = runEnd - first.offset;
      const run = reuse ? this.readBuffer.take(size) : Buffer.allocUnsafe(size);
      readAllAt(this.packs.get(first.pack)!.fd, run, first.offset);
      for (let i = start; i < end; i++) {
        const { index, location } = wanted[i]!;
        const at = location.offset - first.offset;
        yield { index, record: run.subarray(at, at + recordBytes(location.length)) };
      }
      start = end;
    }
  }

  /** Appends records to the newest pack, starting another when it is full; all or nothing. */
  private append(records: Buffer): { pack: Pack; offset: number } {
    if (this.current.size > MAGIC.length && this.current.size + records.length > this.packBytes) this.current = this.createPack(this.current.id + 1);
    const pack = this.current;
    const offset = pack.size;
    try {
      writeAllAt(pack.fd, records, offset);
    } catch (error) {
      ftruncateSync(pack.fd, offset); // nothing half-written stays behind
      throw error;
    }
    pack.size += records.length;
    this.unsynced.add(pack);
    return { pack, offset };
  }

  private diskBytes(): number {
    let total = 0;
    for (const pack of this.packs.values()) total += pack.size;
    return total;
  }

  /** Reads every pack, oldest first, into the index; cuts off a record left half-written. */
  private load(): void {
    const ids = readdirSync(join(this.dir, 'packs'))
      .map((name) => /^(\d{6})\.pack$/.exec(name))
      .filter((match) => match !== null)
      .map((match) => Number(match[1]))
      .sort((a, b) => a - b);
    for (const id of ids) {
      const pack = this.openPack(id);
      for (const record of this.scan(pack, true)) {
        const prefix = prefixOf(record.hash);
        const slot = this.findPrefix(prefix, record.hash);
        const location = { pack: id, offset: record.offset, length: record.length };
        if (record.tombstone !== undefined) {
          if (slot >= 0) this.unindex(slot);
        } else if (slot >= 0) {
          this.relocate(slot, location);
        } else {
          this.indexNew(prefix, location);
        }
      }
    }
    this.current = this.packs.get(ids.at(-1) ?? -1) ?? this.createPack(1);
  }

  /** Moves the chunks of an older, SQLite-held store into packs, a batch at a time. */
  private async migrate(): Promise<void> {
    for (;;) {
      const batch: HashBytes[] = [];
      for await (const hash of this.meta.keys()) {
        batch.push(hash);
        if (batch.length === MIGRATE_BATCH) break;
      }
      if (batch.length === 0) return;
      const bytes = await this.meta.getMany(batch);
      // Not held to --capacity: these chunks were already this peer's to keep.
      this.add(batch.flatMap((hash, i) => (bytes[i] ? [{ hash, bytes: bytes[i] }] : [])), false);
      await this.meta.deleteMany(batch);
      if (batch.length < MIGRATE_BATCH) {
        this.meta.vacuum();
        return;
      }
    }
  }

  /**
   * The records of a pack, in order. With `repair`, a record cut short (or a run of zeros left
   * by a crash) ends the pack there, and the file is cut to match.
   */
  private *scan(pack: Pack, repair = false): Generator<ScannedRecord> {
    const end = pack.size;
    let block = Buffer.alloc(0);
    let blockStart = MAGIC.length;
    /** Makes the block hold `need` bytes from `offset`; false if the pack ends first. */
    const hold = (offset: number, need: number): boolean => {
      if (offset - blockStart + need <= block.length) return true;
      if (offset + need > end) return false;
      blockStart = offset;
      block = Buffer.allocUnsafe(Math.min(end - offset, Math.max(SCAN_BLOCK_BYTES, need)));
      readAllAt(pack.fd, block, blockStart);
      return true;
    };
    for (let offset = MAGIC.length; offset < end;) {
      if (!hold(offset, HEADER_BYTES)) return this.cut(pack, offset, repair, 'a record runs past the end of its pack');
      const word = block.readUInt32LE(offset - blockStart);
      const isTombstone = (word & TOMBSTONE) !== 0;
      const length = (word & ~TOMBSTONE) >>> 0;
      const zeros = word === 0 && block.subarray(offset - blockStart + 4, offset - blockStart + HEADER_BYTES).every((byte) => byte === 0);
      if (length > MAX_RECORD_DATA || zeros || (isTombstone && length !== 4)) return this.cut(pack, offset, repair, 'a damaged record');
      if (!hold(offset, HEADER_BYTES + length)) return this.cut(pack, offset, repair, 'a record runs past the end of its pack');
      const at = offset - blockStart; // hold() may have moved the block
      const tombstone = isTombstone ? block.readUInt32LE(at + HEADER_BYTES) : undefined;
      const bytes = block.subarray(at, at + HEADER_BYTES + length);
      yield { offset, tombstone, length, hash: bytes.subarray(4, HEADER_BYTES), bytes };
      offset += HEADER_BYTES + length;
    }
  }

  /** Ends a pack at a damaged record: cut off when opening, an error otherwise. */
  private cut(pack: Pack, offset: number, repair: boolean, why: string): void {
    if (!repair) throw new StoreError(`pack ${pack.id} is damaged at byte ${offset}: ${why}`);
    ftruncateSync(pack.fd, offset);
    pack.size = offset;
  }

  /** Compacts every pack whose live records take less than COMPACT_BELOW_LIVE_SHARE of it. */
  private compact(): void {
    if (this.listing > 0) return;
    // The newest pack too, or a small store that never fills one would never shrink.
    if (this.worthCompacting(this.current)) this.current = this.createPack(this.current.id + 1);
    for (const pack of [...this.packs.values()]) {
      if (pack === this.current || this.syncing.has(pack) || !this.worthCompacting(pack)) continue;
      try {
        this.compactPack(pack);
      } catch {
        // A full disk, most likely: the pack stays as it is, every record in it still valid,
        // and the next deletion tries again.
      }
    }
  }

  private worthCompacting(pack: Pack): boolean {
    const dead = pack.size - pack.live;
    return pack.live < pack.size * COMPACT_BELOW_LIVE_SHARE && dead >= Math.min(COMPACT_MIN_DEAD_BYTES, this.packBytes / 2);
  }

  /**
   * Copies a pack's live records, and the tombstones that may still hide an older record, to
   * the newest pack in their order, then removes the file. Killed halfway, the copies are
   * later records of the same hashes, and the next open reads them as such.
   */
  private compactPack(pack: Pack): void {
    let out: Buffer[] = [];
    let moves: { slot: number; length: number; at: number }[] = [];
    let outBytes = 0;
    const flush = (): void => {
      if (outBytes === 0) return;
      const { pack: target, offset } = this.append(Buffer.concat(out, outBytes));
      for (const move of moves) this.relocate(move.slot, { pack: target.id, offset: offset + move.at, length: move.length });
      out = [];
      moves = [];
      outBytes = 0;
    };
    for (const record of this.scan(pack)) {
      if (record.tombstone !== undefined) {
        // A tombstone matters only while the record it removes is still on disk, and no later
        // record of its hash (which is after it) makes it moot.
        if (!this.packs.has(record.tombstone) || this.find(record.hash) >= 0) continue;
      } else {
        const slot = this.slotOf(record, pack.id);
        if (slot < 0) continue;
        moves.push({ slot, length: record.length, at: outBytes });
      }
      out.push(Buffer.from(record.bytes));
      outBytes += record.bytes.length;
      if (outBytes >= READ_RUN_BYTES) flush();
    }
    flush();
    // The copies reach the disk before the only other copy of their records goes.
    if (this.sync) {
      for (const target of [...this.unsynced]) {
        if (target === pack) continue;
        fdatasyncSync(target.fd);
        this.unsynced.delete(target);
      }
    }
    this.packs.delete(pack.id);
    this.unsynced.delete(pack);
    closeSync(pack.fd);
    unlinkSync(this.packPath(pack.id));
  }

  private createPack(id: number): Pack {
    const fd = openSync(this.packPath(id), constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC, 0o644);
    writeAllAt(fd, MAGIC, 0);
    const pack = { id, fd, size: MAGIC.length, live: 0 };
    this.packs.set(id, pack);
    this.unsynced.add(pack);
    this.newPackNames = true;
    return pack;
  }

  private openPack(id: number): Pack {
    // Not O_APPEND: on Linux, positioned writes to an O_APPEND file ignore their position.
    const fd = openSync(this.packPath(id), constants.O_RDWR);
    const pack = { id, fd, size: fstatSync(fd).size, live: 0 };
    this.packs.set(id, pack);
    const magic = Buffer.alloc(Math.min(pack.size, MAGIC.length));
    readAllAt(fd, magic, 0);
    if (pack.size < MAGIC.length && magic.equals(MAGIC.subarray(0, pack.size))) {
      writeAllAt(fd, MAGIC, 0); // created, then killed before its magic was written
      pack.size = MAGIC.length;
    } else if (!magic.equals(MAGIC)) {
      throw new StoreError(`${this.packPath(id)} is not a meshdrive pack file`);
    }
    return pack;
  }

  private packPath(id: number): string {
    return join(this.dir, 'packs', `${String(id).padStart(6, '0')}.pack`);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

function writeRecord(target: Buffer, at: number, hash: HashBytes, bytes: Uint8Array, tombstone: boolean): number {
  target.writeUInt32LE(((tombstone ? TOMBSTONE : 0) | bytes.length) >>> 0, at);
  target.set(hash, at + 4);
  target.set(bytes, at + HEADER_BYTES);
  return at + HEADER_BYTES + bytes.length;
}

/** Whether `record` (from its header on) is a record of `hash`. */
function recordHashEquals(record: Uint8Array, hash: HashBytes): boolean {
  for (let i = 0; i < HASH_BYTES; i++) if (record[4 + i] !== hash[i]) return false;
  return true;
}

/** A tombstone's body: the pack that held the record it removes. */
function killedPack(pack: number): Uint8Array {
  const body = Buffer.allocUnsafe(4);
  body.writeUInt32LE(pack, 0);
  return body;
}

function writeAllAt(fd: number, buffer: Uint8Array, position: number): void {
  for (let done = 0; done < buffer.length;) done += writeSync(fd, buffer, done, buffer.length - done, position + done);
}

function readAllAt(fd: number, buffer: Uint8Array, position: number): void {
  for (let done = 0; done < buffer.length;) {
    const read = readSync(fd, buffer, done, buffer.length - done, position + done);
    if (read === 0) throw new StoreError('a pack file is shorter than its index says');
    done += read;
  }
}

function translate(error: unknown): Error {
  const code = (error as { code?: string }).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new QuotaExceededError('the disk holding this peer\'s store is full');
  if (error instanceof MeshError) return error;
  return new StoreError(`chunk store failed: ${error instanceof Error ? error.message : String(error)}`);
}
