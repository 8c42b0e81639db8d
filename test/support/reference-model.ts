// The built-in model written the plain way (Maps of counts, every count kept explicitly), as it
// was first implemented: the fast count tables and prefix reuse in src/ must give exactly
// (bit for bit) these logprobs.
const K1 = 20;
const K2 = 1.5;
const K3 = 1;

export function referenceLogprobs(prompt: ArrayLike<number>, V: number): Float64Array {
  const out = new Float64Array(prompt.length);
  const uni = new Map<number, number>();
  const ctx1 = new Map<number, number>();
  const bi = new Map<number, number>();
  const ctx2 = new Map<number, number>();
  const tri = new Map<number, number>();
  const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  let n = 0;
  let a = -1;
  let b = -1;
  for (let i = 0; i < prompt.length; i++) {
    const t = prompt[i]!;
    if (i > 0) {
      const l1 = Math.min(0.97, n / (n + K1));
      let p = l1 * (n > 0 ? (uni.get(t) ?? 0) / n : 0) + (1 - l1) / V;
      const c1 = ctx1.get(b) ?? 0;
      if (c1 > 0) {
        const l2 = c1 / (c1 + K2);
        p = l2 * ((bi.get(b * V + t) ?? 0) / c1) + (1 - l2) * p;
        if (a >= 0) {
          const c2 = ctx2.get(a * V + b) ?? 0;
          if (c2 > 0) {
            const l3 = c2 / (c2 + K3);
            p = l3 * ((tri.get((a * V + b) * V + t) ?? 0) / c2) + (1 - l3) * p;
          }
        }
      }
      out[i] = Math.log(p);
    }
    bump(uni, t);
    n++;
    if (b >= 0) {
      bump(ctx1, b);
      bump(bi, b * V + t);
      if (a >= 0) {
        bump(ctx2, a * V + b);
        bump(tri, (a * V + b) * V + t);
      }
    }
    a = b;
    b = t;
  }
  return out;
}
