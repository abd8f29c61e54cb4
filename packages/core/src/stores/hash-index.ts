/**
 * An in-memory index from a chunk's hash to where its record lies in a pack file, as Bitcask
 * keeps its keydir: open addressing with linear probing over one Uint32Array, five words a
 * slot, 20 bytes a slot and 30-60 bytes a chunk between resizes (a JS Map of hex strings costs ~150).
 *
 * Only the hash's first 64 bits are kept. A lookup takes a `confirm` callback that checks a
 * candidate against the full hash (the pack file holds it beside the chunk), so prefixes that
 * collide, even ones crafted to, cost an extra probe and never a wrong answer.
 */
import type { HashBytes } from '../ids.js';

export interface Location {
  /** Pack file number, from 1. */
  pack: number;
  /** Where the chunk's record starts in that pack. */
  offset: number;
  /** The chunk's length in bytes. */
  length: number;
}

/** The 64-bit prefix an index is keyed by. */
export interface HashPrefix {
  high: number;
  low: number;
}

const WORDS = 5; // prefix high, prefix low, pack, offset, length
const EMPTY = 0;
const DELETED = 0xffffffff;
const MAX_LOAD = 0.7;
const MIN_SLOTS = 1024;

/** The prefix a hash is indexed by: its first eight bytes. */
export function prefixOf(hash: HashBytes): HashPrefix {
  return { high: wordAt(hash, 0), low: wordAt(hash, 4) };
}

function wordAt(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

export class HashIndex {
  private slots: Uint32Array;
  private mask: number;
  private live = 0;
  private deleted = 0;

  constructor() {
    this.slots = new Uint32Array(MIN_SLOTS * WORDS);
    this.mask = MIN_SLOTS - 1;
  }

  /** Chunks indexed. */
  get size(): number {
    return this.live;
  }

  /**
   * The slot of the first entry with this prefix that `confirm` accepts (every one, without
   * `confirm`), or -1.
   */
  find(prefix: HashPrefix, confirm?: (location: Location) => boolean): number {
    const slots = this.slots;
    for (let slot = prefix.low & this.mask; ; slot = (slot + 1) & this.mask) {
      const base = slot * WORDS;
      const pack = slots[base + 2]!;
      if (pack === EMPTY) return -1;
      if (pack !== DELETED && slots[base] === prefix.high && slots[base + 1] === prefix.low && (!confirm || confirm(this.location(slot)))) return slot;
    }
  }

  location(slot: number): Location {
    const base = slot * WORDS;
    return { pack: this.slots[base + 2]!, offset: this.slots[base + 3]!, length: this.slots[base + 4]! };
  }

  /** Points an existing entry at a new place (its chunk was copied). */
  move(slot: number, location: Location): void {
    const base = slot * WORDS;
    this.slots[base + 2] = location.pack;
    this.slots[base + 3] = location.offset;
    this.slots[base + 4] = location.length;
  }

  /** Adds an entry; the caller has checked that its hash is not indexed yet. */
  insert(prefix: HashPrefix, location: Location): void {
    if ((this.live + this.deleted + 1) > (this.mask + 1) * MAX_LOAD) this.resize();
    const slots = this.slots;
    for (let slot = prefix.low & this.mask; ; slot = (slot + 1) & this.mask) {
      const base = slot * WORDS;
      const pack = slots[base + 2]!;
      if (pack === EMPTY || pack === DELETED) {
        if (pack === DELETED) this.deleted--;
        slots[base] = prefix.high;
        slots[base + 1] = prefix.low;
        this.live++;
        this.move(slot, location);
        return;
      }
    }
  }

  remove(slot: number): void {
    this.slots[slot * WORDS + 2] = DELETED;
    this.live--;
    this.deleted++;
  }

  /** Every entry, in no particular order. */
  *entries(): Generator<Location & { slot: number }> {
    for (let slot = 0; slot <= this.mask; slot++) {
      const pack = this.slots[slot * WORDS + 2]!;
      if (pack !== EMPTY && pack !== DELETED) yield { slot, ...this.location(slot) };
    }
  }

  /** Rebuilds at a size where live entries fill under half the slots, dropping deleted ones. */
  private resize(): void {
    let count = MIN_SLOTS;
    while (this.live + 1 >= count / 2) count *= 2;
    const old = this.slots;
    this.slots = new Uint32Array(count * WORDS);
    this.mask = count - 1;
    this.live = 0;
    this.deleted = 0;
    for (let base = 0; base < old.length; base += WORDS) {
      const pack = old[base + 2]!;
      if (pack !== EMPTY && pack !== DELETED) this.insert({ high: old[base]!, low: old[base + 1]! }, { pack, offset: old[base + 3]!, length: old[base + 4]! });
    }
  }
}
