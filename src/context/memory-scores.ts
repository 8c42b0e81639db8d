// A response's memory scores (memory key → divergence): the reference's memory_scores map.
//
// A real model's full matrix scores most (memory, response) pairs, so at 1,000 memories × 5,000
// responses the AST holds millions of entries; one Map per response cost about 100 bytes an
// entry there (245 MB, measured). Here an entry is 12 bytes: a key number and a float64, in two
// typed arrays sorted by key number. Key numbers come from one table for the process, in the
// order keys are first seen, and the engine registers a context's memories in context order:
// iteration (and so a saved file's memory_scores) follows the memories' order, not the order in
// which concurrent rows happened to finish.

const numbers = new Map<string, number>();
const names: string[] = [];

/** The key's number, given on first sight; a process sees few distinct memory keys. */
export function keyNumber(key: string): number {
  let n = numbers.get(key);
  if (n === undefined) {
    n = names.length;
    numbers.set(key, n);
    names.push(key);
  }
  return n;
}

const NONE = new Int32Array(0);

export class MemoryScores implements Iterable<[string, number]> {
  private ids: Int32Array = NONE;
  private scores: Float64Array = new Float64Array(0);
  private count = 0;

  constructor(entries?: Iterable<readonly [string, number]>) {
    if (entries !== undefined) for (const [key, value] of entries) this.set(key, value);
  }

  get size(): number {
    return this.count;
  }

  get(key: string): number | undefined {
    const at = this.find(key);
    return at >= 0 ? this.scores[at] : undefined;
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  set(key: string, value: number): this {
    const n = keyNumber(key);
    const at = this.search(n);
    if (at >= 0) {
      this.scores[at] = value;
      return this;
    }
    const slot = ~at;
    if (this.count === this.ids.length) this.grow();
    // Rows usually arrive in key order, so this is mostly an append.
    this.ids.copyWithin(slot + 1, slot, this.count);
    this.scores.copyWithin(slot + 1, slot, this.count);
    this.ids[slot] = n;
    this.scores[slot] = value;
    this.count++;
    return this;
  }

  delete(key: string): boolean {
    const at = this.find(key);
    if (at < 0) return false;
    this.ids.copyWithin(at, at + 1, this.count);
    this.scores.copyWithin(at, at + 1, this.count);
    this.count--;
    return true;
  }

  clear(): void {
    this.ids = NONE;
    this.scores = new Float64Array(0);
    this.count = 0;
  }

  *entries(): IterableIterator<[string, number]> {
    for (let i = 0; i < this.count; i++) yield [names[this.ids[i]!]!, this.scores[i]!];
  }

  *keys(): IterableIterator<string> {
    for (let i = 0; i < this.count; i++) yield names[this.ids[i]!]!;
  }

  [Symbol.iterator](): IterableIterator<[string, number]> {
    return this.entries();
  }

  private find(key: string): number {
    const n = numbers.get(key);
    return n === undefined ? -1 : this.search(n);
  }

  /** Index of key number n, or ~(where it would go). */
  private search(n: number): number {
    let lo = 0;
    let hi = this.count - 1;
    // The common case first: a key after every key held.
    if (hi >= 0 && this.ids[hi]! < n) return ~this.count;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.ids[mid]!;
      if (k < n) lo = mid + 1;
      else if (k > n) hi = mid - 1;
      else return mid;
    }
    return ~lo;
  }

  private grow(): void {
    const capacity = Math.max(4, this.ids.length * 2);
    const ids = new Int32Array(capacity);
    const scores = new Float64Array(capacity);
    ids.set(this.ids.subarray(0, this.count));
    scores.set(this.scores.subarray(0, this.count));
    this.ids = ids;
    this.scores = scores;
  }
}
