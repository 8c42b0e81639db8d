// The built-in language model: deterministic and context-sensitive, so that scoring means
// something offline. It is an interpolated trigram model whose counts come only from the
// preceding tokens of the same prompt (a pure cache model):
//
//   p1(t)     = λ1·c(t)/n        + (1−λ1)/V          λ1 = min(0.97, n/(n+K1))
//   p2(t|b)   = λ2·c(b,t)/c(b·)  + (1−λ2)·p1(t)      λ2 = c(b·)/(c(b·)+K2)
//   p3(t|a,b) = λ3·c(a,b,t)/c(ab·) + (1−λ3)·p2(t|b)  λ3 = c(ab·)/(c(ab·)+K3)
//
// Each level mixes a normalised distribution with the level below, so p3 sums to 1 over the
// vocabulary V. A response that restates an earlier memory continues trigrams seen in it and
// scores far higher with the memory present than without: its divergence is large, while an
// unrelated memory only shifts the unigram counts a little.
import type { Span } from './scorer.ts';
import { IM_END, IM_START } from './template.ts';

export type { Span };

export const MODEL_NAME = 'memscope-builtin';
const K1 = 20;
const K2 = 1.5;
const K3 = 1;

/** Assistant response spans: after the assistant header up to and including <|im_end|>. */
export function assistantSpans(prompt: Uint32Array, assistantHeader: readonly number[]): Span[] {
  const spans: Span[] = [];
  const h = assistantHeader.length;
  for (let i = 0; i + h <= prompt.length; i++) {
    if (prompt[i] !== IM_START) continue;
    let match = true;
    for (let j = 1; j < h; j++) {
      if (prompt[i + j] !== assistantHeader[j]) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    const start = i + h;
    let end = start;
    while (end < prompt.length && prompt[end] !== IM_END && prompt[end] !== IM_START) end++;
    if (end < prompt.length && prompt[end] === IM_END) end++;
    spans.push({ start, end });
    i = end - 1;
  }
  return spans;
}

/** Counts seen so far in one prompt. */
class CacheCounts {
  readonly uni: Uint32Array;
  readonly ctx1: Uint32Array;
  readonly bi = new Map<number, number>();
  readonly ctx2 = new Map<number, number>();
  readonly tri = new Map<number, number>();
  n = 0;

  constructor(readonly vocab: number) {
    this.uni = new Uint32Array(vocab);
    this.ctx1 = new Uint32Array(vocab);
  }

  /** log p(t | a, b), where a or b is -1 near the start of the prompt. */
  logprob(a: number, b: number, t: number): number {
    const V = this.vocab;
    const l1 = Math.min(0.97, this.n / (this.n + K1));
    let p = l1 * (this.n > 0 ? this.uni[t]! / this.n : 0) + (1 - l1) / V;
    if (b >= 0) {
      const c1 = this.ctx1[b]!;
      if (c1 > 0) {
        const l2 = c1 / (c1 + K2);
        p = l2 * ((this.bi.get(b * V + t) ?? 0) / c1) + (1 - l2) * p;
        if (a >= 0) {
          const ab = a * V + b;
          const c2 = this.ctx2.get(ab) ?? 0;
          if (c2 > 0) {
            const l3 = c2 / (c2 + K3);
            p = l3 * ((this.tri.get(ab * V + t) ?? 0) / c2) + (1 - l3) * p;
          }
        }
      }
    }
    return Math.log(p);
  }

  add(a: number, b: number, t: number): void {
    const V = this.vocab;
    this.uni[t]!++;
    this.n++;
    if (b < 0) return;
    this.ctx1[b]!++;
    const bt = b * V + t;
    this.bi.set(bt, (this.bi.get(bt) ?? 0) + 1);
    if (a < 0) return;
    const ab = a * V + b;
    this.ctx2.set(ab, (this.ctx2.get(ab) ?? 0) + 1);
    const abt = ab * V + t;
    this.tri.set(abt, (this.tri.get(abt) ?? 0) + 1);
  }
}

export interface ModelOptions {
  readonly vocab: number;
  /** Called every `yieldEvery` tokens so a long prompt does not hold the event loop. */
  readonly pause?: () => Promise<void>;
  readonly yieldEvery?: number;
}

/** log p(token i | tokens before i) for every position; position 0 has no history and gets 0. */
export async function tokenLogprobs(prompt: Uint32Array, options: ModelOptions): Promise<Float64Array> {
  const out = new Float64Array(prompt.length);
  const counts = new CacheCounts(options.vocab);
  const yieldEvery = options.yieldEvery ?? 1 << 16;
  let a = -1;
  let b = -1;
  for (let i = 0; i < prompt.length; i++) {
    const t = prompt[i]!;
    if (i > 0) out[i] = counts.logprob(a, b, t);
    counts.add(a, b, t);
    a = b;
    b = t;
    if (options.pause !== undefined && i > 0 && i % yieldEvery === 0) await options.pause();
  }
  return out;
}

/** The total logprob of every assistant response in the prompt, in order. */
export async function scoreResponses(prompt: Uint32Array, options: ModelOptions & { readonly assistantHeader: readonly number[] }): Promise<number[]> {
  const logprobs = await tokenLogprobs(prompt, options);
  return assistantSpans(prompt, options.assistantHeader).map(({ start, end }) => {
    let total = 0;
    for (let i = start; i < end; i++) total += logprobs[i]!;
    return total;
  });
}
