// How much two prompts (or two request bodies) share at the start and at the end, compared
// natively (memcmp over blocks, then a binary search inside the first block that differs): a
// JavaScript loop over a 40k-token prompt costs more than the copy it saves.

const BLOCK = 8192;

function same(a: Buffer, aFrom: number, b: Buffer, bFrom: number, length: number): boolean {
  return a.compare(b, bFrom, bFrom + length, aFrom, aFrom + length) === 0;
}

/** Bytes a and b share at the start, at most `limit`. */
export function commonPrefixBytes(a: Buffer, b: Buffer, limit = Infinity): number {
  const n = Math.min(a.length, b.length, limit);
  let lo = 0;
  while (lo + BLOCK <= n && same(a, lo, b, lo, BLOCK)) lo += BLOCK;
  let hi = Math.min(n, lo + BLOCK);
  // a[0..lo) == b[0..lo); the answer is in [lo, hi].
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (same(a, lo, b, lo, mid - lo)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Bytes a and b share at the end, at most `limit`. */
export function commonSuffixBytes(a: Buffer, b: Buffer, limit = Infinity): number {
  const n = Math.min(a.length, b.length, limit);
  let lo = 0;
  while (lo + BLOCK <= n && same(a, a.length - lo - BLOCK, b, b.length - lo - BLOCK, BLOCK)) lo += BLOCK;
  let hi = Math.min(n, lo + BLOCK);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (same(a, a.length - mid, b, b.length - mid, mid - lo)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const bytes = (ids: Uint32Array) => Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength);

/** Ids a and b share at the start, at most `limit`. */
export function commonPrefix(a: Uint32Array, b: Uint32Array, limit = Infinity): number {
  const n = Math.min(a.length, b.length, limit);
  if (a === b) return n;
  return Math.floor(commonPrefixBytes(bytes(a), bytes(b), n * 4) / 4);
}

/** Ids a and b share at the end, at most `limit`. */
export function commonSuffix(a: Uint32Array, b: Uint32Array, limit = Infinity): number {
  const n = Math.min(a.length, b.length, limit);
  return Math.floor(commonSuffixBytes(bytes(a), bytes(b), n * 4) / 4);
}
