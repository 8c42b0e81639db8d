// A count table for n-gram keys: open addressing with linear probing over typed arrays. The
// built-in model's bigram and trigram counts live here instead of in Maps: no boxed keys, a
// probe is a few array reads, and a whole table copies with one memcpy (prefix reuse keeps two
// model states and copies one into the other).
//
// Keys are exact non-negative integers below 2^53 (a·V² + b·V + t with V ≤ 2^17). A count that
// falls back to 0 keeps its slot: a zero count reads as absent, which is all the model needs.
// Tables grow (double) past 70% full: between 35% and 70% a probe takes one to three steps,
// and a 2M-token prompt's tables stay near 36 MB instead of 72 MB.

const EMPTY = -1;
const MIN_CAPACITY = 1 << 10;

/** 32-bit hash of a key below 2^53 (a murmur3-style finaliser over its low and high words). */
function hashKey(key: number): number {
  // key · 2^-32 is exact (a power of two): the high word without a division.
  let h = (key >>> 0) ^ Math.imul((key * 2.3283064365386963e-10) | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class NgramTable {
  keys: Float64Array;
  counts: Uint32Array;
  /** Slots holding a key (including keys whose count went back to 0). */
  used = 0;
  private mask: number;

  constructor(capacity = MIN_CAPACITY) {
    let size = MIN_CAPACITY;
    while (size < capacity) size *= 2;
    this.keys = new Float64Array(size).fill(EMPTY);
    this.counts = new Uint32Array(size);
    this.mask = size - 1;
  }

  get capacity(): number {
    return this.keys.length;
  }

  get bytes(): number {
    return this.keys.byteLength + this.counts.byteLength;
  }

  /** The count of `key`, 0 when absent. */
  get(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = hashKey(key) & mask; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return this.counts[i]!;
      if (k === EMPTY) return 0;
    }
  }

  /** Adds one to `key`'s count and returns the count before. */
  increment(key: number): number {
    const slot = this.slot(key);
    return this.counts[slot]!++;
  }

  /** Takes one from `key`'s count (which must be positive). */
  decrement(key: number): void {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = hashKey(key) & mask; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) {
        this.counts[i]!--;
        return;
      }
      if (k === EMPTY) throw new Error('ngram table: decrement of an absent key');
    }
  }

  /** The slot of `key`, inserted with count 0 when absent (growing the table first if needed). */
  private slot(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = hashKey(key) & mask; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return i;
      if (k === EMPTY) {
        if ((this.used + 1) * 10 > keys.length * 7) {
          this.resize(keys.length * 2);
          return this.slot(key);
        }
        keys[i] = key;
        this.used++;
        return i;
      }
    }
  }

  private resize(size: number): void {
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    this.keys = new Float64Array(size).fill(EMPTY);
    this.counts = new Uint32Array(size);
    this.mask = size - 1;
    this.used = 0;
    this.insertAll(oldKeys, oldCounts);
  }

  /** Re-inserts live entries (count > 0) of another table's arrays; zero counts are dropped. */
  private insertAll(keys: Float64Array, counts: Uint32Array): void {
    const mask = this.mask;
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j]!;
      const count = counts[j]!;
      if (key === EMPTY || count === 0) continue;
      let i = hashKey(key) & mask;
      while (this.keys[i] !== EMPTY) i = (i + 1) & mask;
      this.keys[i] = key;
      this.counts[i] = count;
      this.used++;
    }
  }

  clear(): void {
    this.keys.fill(EMPTY);
    this.counts.fill(0);
    this.used = 0;
  }

  /** Makes this table hold exactly `other`'s counts, keeping its own (larger) arrays if it can. */
  copyFrom(other: NgramTable): void {
    if (this.keys.length === other.keys.length) {
      this.keys.set(other.keys);
      this.counts.set(other.counts);
      this.used = other.used;
    } else if (this.keys.length > other.keys.length && other.used * 10 <= this.keys.length * 7) {
      this.clear();
      this.insertAll(other.keys, other.counts);
    } else {
      this.keys = other.keys.slice();
      this.counts = other.counts.slice();
      this.mask = this.keys.length - 1;
      this.used = other.used;
    }
  }
}
