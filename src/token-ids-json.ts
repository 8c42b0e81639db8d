// Token ids as a JSON array, written straight into bytes. A prompt is tens of thousands to
// millions of ids; TypedArray.prototype.join builds a string through boxed numbers and costs
// several times more than the rest of a scoring call's work on the client. The bytes are
// sized exactly (a first pass counts digits), so a 2M-token body is one ~14 MB allocation.

const ZERO = 0x30;

function digits(v: number): number {
  if (v >= 100000) return v >= 10000000 ? (v >= 1000000000 ? 10 : v >= 100000000 ? 9 : 8) : v >= 1000000 ? 7 : 6;
  return v >= 1000 ? (v >= 10000 ? 5 : 4) : v >= 100 ? 3 : v >= 10 ? 2 : 1;
}

/** `head` + `[id,id,…]` + `tail` as UTF-8 bytes; head and tail are ASCII JSON around the array. */
export function tokenIdsJson(ids: Uint32Array, head = '', tail = ''): Uint8Array {
  let size = head.length + tail.length + 2 + Math.max(0, ids.length - 1);
  for (let i = 0; i < ids.length; i++) size += digits(ids[i]!);
  const out = new Uint8Array(size);
  let o = 0;
  for (let k = 0; k < head.length; k++) out[o++] = head.charCodeAt(k);
  out[o++] = 0x5b;
  for (let i = 0; i < ids.length; i++) {
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
  out[o++] = 0x5d;
  for (let k = 0; k < tail.length; k++) out[o++] = tail.charCodeAt(k);
  return out;
}
