// The server's side of a full matrix: every request is the baseline's body with one memory's
// ids missing. Keeping one fully read body as the reference, a new body is compared with it
// byte for byte (natively, in blocks); when the two differ only inside the prompt array, the ids
// before and after the difference are taken from the reference and only the few bytes between
// are read. Anything else is left to the full reader (undefined), so the answer is always what
// reading the whole body would give.
import { commonPrefixBytes, commonSuffixBytes } from '../core/common-prefix.ts';
import type { ScoreRequest } from './score-request.ts';

const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;

/** Ids written as `id,id,…,id` (digits and commas only, no leading zeros), or undefined. */
function plainIds(body: Buffer, from: number, to: number): number[] | undefined {
  const ids: number[] = [];
  let i = from;
  for (;;) {
    const start = i;
    let v = 0;
    while (i < to && body[i]! >= ZERO && body[i]! <= NINE) v = v * 10 + (body[i++]! - ZERO);
    const length = i - start;
    if (length === 0 || length > 10 || (length > 1 && body[start] === ZERO) || v > 0xffffffff) return undefined;
    ids.push(v);
    if (i === to) return ids;
    if (body[i++] !== COMMA || i === to) return undefined;
  }
}

interface Reference {
  readonly body: Buffer;
  readonly request: ScoreRequest;
  /** Where '[' and ']' of the prompt array are, and the separator (',' or ']') after each id. */
  readonly open: number;
  readonly close: number;
  readonly separators: Uint32Array;
}

export class ReferenceDecoder {
  private ref: Reference | undefined;
  /** Bodies read from the reference. */
  hits = 0;

  /** The request, if `body` differs from the reference only inside its prompt; else undefined. */
  decode(body: Buffer): ScoreRequest | undefined {
    const request = this.read(body);
    if (request !== undefined) this.hits++;
    return request;
  }

  private read(body: Buffer): ScoreRequest | undefined {
    const ref = this.ref;
    if (ref === undefined) return undefined;
    const m = ref.body.length;
    const n = body.length;
    const x = commonPrefixBytes(body, ref.body);
    if (x === n && x === m) return ref.request;
    const z = commonSuffixBytes(body, ref.body, Math.min(n, m) - x);
    // The difference must lie inside the array: '[' before it, ']' after it.
    if (x <= ref.open || m - z > ref.close) return undefined;
    const seps = ref.separators;
    const L = seps.length;
    // Ids kept from the start: those whose separator is still in the shared prefix.
    let p = 0;
    for (let lo = 0, hi = L; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      if (seps[mid]! < x) lo = p = mid + 1;
      else hi = mid;
    }
    // Ids kept from the end: those whose preceding separator is in the shared suffix.
    const before = (i: number) => (i === 0 ? ref.open : seps[i - 1]!);
    let q = L;
    for (let lo = p, hi = L; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      if (before(mid) >= m - z) hi = q = mid;
      else lo = mid + 1;
    }
    const from = p === 0 ? ref.open + 1 : seps[p - 1]! + 1;
    const to = (q === L ? ref.close : before(q)) - m + n;
    let middle: number[];
    if (from === to + 1 && p > 0 && q < L) middle = []; // one comma between the two parts
    else if (from < to) {
      const read = plainIds(body, from, to);
      if (read === undefined) return undefined;
      middle = read;
    } else return undefined;
    const ids = new Uint32Array(p + middle.length + (L - q));
    ids.set(ref.request.prompt.subarray(0, p));
    ids.set(middle, p);
    ids.set(ref.request.prompt.subarray(q), p + middle.length);
    return { ...ref.request, prompt: ids };
  }

  /** Takes a fully read body as the reference if it is the longest yet (a baseline is). */
  offer(body: Buffer, request: ScoreRequest): void {
    if (this.ref !== undefined && body.length <= this.ref.body.length) return;
    const ids = request.prompt;
    if (ids.length === 0) return;
    // Find the array by reading it again and checking every id against the request's.
    const key = body.indexOf('"prompt"');
    if (key === -1 || body.indexOf('"prompt"', key + 1) !== -1) return;
    let i = key + 8;
    while (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09) i++;
    if (body[i++] !== 0x3a) return;
    while (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09) i++;
    if (body[i] !== 0x5b) return;
    const open = i++;
    const separators = new Uint32Array(ids.length);
    for (let k = 0; k < ids.length; k++) {
      let v = 0;
      const start = i;
      while (body[i]! >= ZERO && body[i]! <= NINE) v = v * 10 + (body[i++]! - ZERO);
      if (i === start || v !== ids[k]) return;
      // Only the plain form (no spaces): what the reader of the middle expects around it.
      if (body[i] !== (k === ids.length - 1 ? 0x5d : COMMA)) return;
      separators[k] = i++;
    }
    this.ref = { body: Buffer.from(body), request, open, close: separators[ids.length - 1]!, separators };
  }
}
