// Token ids as a JSON array, written straight into bytes. A prompt is tens of thousands to
// millions of ids; TypedArray.prototype.join builds a string through boxed numbers and costs
// several times more than the rest of a scoring call's work on the client. The bytes are
// sized exactly (a first pass counts digits), either as one buffer or, for the largest
// prompts, as a run of pieces written while the request is sent.
import { commonPrefix, commonSuffix } from '../core/common-prefix.ts';

const ZERO = 0x30;

/** Ids given whole, or as parts sent one after the other (views of a prompt's runs). */
export type IdParts = Uint32Array | readonly Uint32Array[];

function digits(v: number): number {
  if (v >= 100000) return v >= 10000000 ? (v >= 1000000000 ? 10 : v >= 100000000 ? 9 : 8) : v >= 1000000 ? 7 : 6;
  return v >= 1000 ? (v >= 10000 ? 5 : 4) : v >= 100 ? 3 : v >= 10 ? 2 : 1;
}

/** Bytes of ids[from..to) written with a comma before each (but the array's first). */
function idsLength(ids: Uint32Array, from: number, to: number): number {
  let size = to - from - (from === 0 && to > 0 ? 1 : 0);
  for (let i = from; i < to; i++) size += digits(ids[i]!);
  return size;
}

/** Writes ids[from..to) into out at o, a comma before each but the array's first; returns the end. */
function writeIds(ids: Uint32Array, from: number, to: number, out: Uint8Array, o: number): number {
  for (let i = from; i < to; i++) {
    if (i > 0) out[o++] = 0x2c;
    let v = ids[i]!;
    let end = o + digits(v);
    o = end;
    if (v < 0x80000000) {
      // Small enough for int32 division, the fast path.
      do {
        const next = (v / 10) | 0;
        out[--end] = ZERO + (v - next * 10);
        v = next;
      } while (v > 0);
    } else {
      do {
        const next = Math.floor(v / 10);
        out[--end] = ZERO + (v - next * 10);
        v = next;
      } while (v > 0);
    }
  }
  return o;
}

/** JSON.stringify(value) with every non-ASCII character escaped: safe as a head or tail below. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function writeAscii(text: string, out: Uint8Array, o: number): number {
  for (let k = 0; k < text.length; k++) out[o++] = text.charCodeAt(k);
  return o;
}

/** Byte length of `head` + `[id,id,…]` + `tail` (head and tail ASCII). */
export function tokenIdsJsonLength(ids: IdParts, head = '', tail = ''): number {
  if (ids instanceof Uint32Array) return head.length + 1 + idsLength(ids, 0, ids.length) + 1 + tail.length;
  let count = 0;
  let size = 0;
  for (const part of ids) {
    count += part.length;
    for (let i = 0; i < part.length; i++) size += digits(part[i]!);
  }
  return head.length + 1 + size + Math.max(0, count - 1) + 1 + tail.length;
}

/** `head` + `[id,id,…]` + `tail` as UTF-8 bytes; head and tail are ASCII JSON around the array. */
export function tokenIdsJson(ids: Uint32Array, head = '', tail = ''): Uint8Array {
  const out = new Uint8Array(tokenIdsJsonLength(ids, head, tail));
  let o = writeAscii(head, out, 0);
  out[o++] = 0x5b;
  o = writeIds(ids, 0, ids.length, out, o);
  out[o++] = 0x5d;
  writeAscii(tail, out, o);
  return out;
}

/**
 * The same bytes as tokenIdsJson, in pieces of at most `perPiece` ids, each written when asked
 * for. The ids may come as parts (views of the runs of a base prompt), so the prompt itself
 * need never be built.
 */
export function* tokenIdsJsonPieces(ids: IdParts, head = '', tail = '', perPiece = 1 << 16): Generator<Uint8Array> {
  let open = `${head}[`;
  let first = true;
  for (const part of ids instanceof Uint32Array ? [ids] : ids) {
    for (let from = 0; from < part.length; from += perPiece) {
      const chunk = part.subarray(from, Math.min(part.length, from + perPiece));
      const out = new Uint8Array(open.length + (first ? 0 : 1) + idsLength(chunk, 0, chunk.length));
      let o = writeAscii(open, out, 0);
      open = '';
      if (!first) out[o++] = 0x2c;
      first = false;
      writeIds(chunk, 0, chunk.length, out, o);
      yield out;
    }
  }
  const close = `${open}]${tail}`;
  const out = new Uint8Array(close.length);
  writeAscii(close, out, 0);
  yield out;
}

/**
 * Encodes prompts that mostly repeat one reference prompt, as a full matrix's do (the baseline,
 * then the baseline with one memory removed): the bytes of the prefix and suffix shared with the
 * reference are copied from its encoding, and only the ids between are written. The reference
 * is the longest prompt seen of at most `maxIds` ids.
 */
export class ReferenceEncoder {
  private ref: { ids: Uint32Array; bytes: Uint8Array; starts: Uint32Array } | undefined;

  constructor(private readonly maxIds: number) {}

  /**
   * The same bytes as tokenIdsJson(ids, head, tail) for the ids that runs of a base make (see
   * PromptLayout.runs): the base becomes the reference if it is not yet, and the runs' bytes are
   * copied. Undefined when the base is too long to keep.
   */
  encodeSource(source: { readonly base: Uint32Array; readonly runs: Int32Array }, head = '', tail = ''): Uint8Array | undefined {
    if (source.base.length > this.maxIds || source.base.length === 0) return undefined;
    if (this.ref?.ids !== source.base) this.remember(source.base, tokenIdsJson(source.base));
    return this.encodeRuns(source.runs, head, tail);
  }

  /** The same bytes as tokenIdsJson(ids, head, tail). */
  encode(ids: Uint32Array, head = '', tail = ''): Uint8Array {
    const ref = this.ref;
    if (ref === undefined || (ids.length > ref.ids.length && ids.length <= this.maxIds)) {
      const whole = tokenIdsJson(ids, head, tail);
      if (ids.length <= this.maxIds) this.remember(ids, whole.subarray(head.length, whole.length - tail.length));
      return whole;
    }
    const p = commonPrefix(ids, ref.ids);
    const s = commonSuffix(ids, ref.ids, Math.min(ids.length, ref.ids.length) - p);
    const middleEnd = ids.length - s;
    // The reference's bytes up to id p end with the comma before it, unless p is 0 ('[') or
    // the reference's length (everything before ']').
    let prefix = ref.bytes.subarray(0, ref.starts[p]);
    const comma = p > 0 && p < ref.ids.length;
    if (comma) prefix = prefix.subarray(0, prefix.length - 1);
    const suffix = ref.bytes.subarray(ref.starts[ref.ids.length - s]);
    // writeIds puts a comma before every id but the array's first; one more joins the suffix.
    const middle = middleEnd > p ? idsLength(ids, p, middleEnd) : 0;
    const join = s > 0 && (middleEnd > p || p > 0) ? 1 : 0;
    const out = new Uint8Array(head.length + prefix.length + middle + join + suffix.length + tail.length);
    let o = writeAscii(head, out, 0);
    out.set(prefix, o);
    o += prefix.length;
    o = writeIds(ids, p, middleEnd, out, o);
    if (join) out[o++] = 0x2c;
    out.set(suffix, o);
    o += suffix.length;
    writeAscii(tail, out, o);
    return out;
  }

  /** ids = the reference's runs: each run's bytes copied, joined by commas. */
  private encodeRuns(runs: Int32Array, head: string, tail: string): Uint8Array {
    const { bytes, starts, ids } = this.ref!;
    const L = ids.length;
    // The bytes of ids [a, b) run from a's first digit to just before the separator after b − 1.
    const end = (b: number) => (b < L ? starts[b]! - 1 : starts[L]!);
    let size = head.length + 2 + tail.length;
    let pieces = 0;
    for (let k = 0; k < runs.length; k += 2) {
      const a = runs[k]!;
      const b = runs[k + 1]!;
      if (a >= b) continue;
      size += end(b) - starts[a]! + (pieces++ > 0 ? 1 : 0);
    }
    const out = new Uint8Array(size);
    let o = writeAscii(head, out, 0);
    out[o++] = 0x5b;
    let first = true;
    for (let k = 0; k < runs.length; k += 2) {
      const a = runs[k]!;
      const b = runs[k + 1]!;
      if (a >= b) continue;
      if (!first) out[o++] = 0x2c;
      first = false;
      out.set(bytes.subarray(starts[a], end(b)), o);
      o += end(b) - starts[a]!;
    }
    out[o++] = 0x5d;
    writeAscii(tail, out, o);
    return out;
  }

  private remember(ids: Uint32Array, bytes: Uint8Array): void {
    const starts = new Uint32Array(ids.length + 1);
    let o = 1;
    for (let i = 0; i < ids.length; i++) {
      starts[i] = o;
      o += digits(ids[i]!) + 1;
    }
    starts[ids.length] = bytes.length - 1;
    this.ref = { ids, bytes: bytes.slice(), starts };
  }
}
