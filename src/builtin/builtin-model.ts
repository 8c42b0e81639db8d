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
//
// The state is three count tables (unigrams, bigrams, trigrams). The context counts need no
// tables of their own: before token i, with a = t[i−2] and b = t[i−1],
//   c(b·)  = c(b) − 1      (b's only occurrence not yet followed by a token is the last one)
//   c(ab·) = c(a,b) − 1    (likewise for the last pair)
// so a step costs two hash probes. Adding a token is undone by removing it, which is how prefix
// reuse (src/prefix-cache.ts) rewinds a state.
import { NgramTable } from './ngram-table.ts';
import { spanMask, spanTotals, type Span } from '../scoring/scorer.ts';
import { IM_END, IM_START } from '../context/template.ts';

export const MODEL_NAME = 'memscope-builtin';
const K1 = 20;
const K2 = 1.5;
const K3 = 1;

export type { Span };

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


/** The model's counts after some prefix of a prompt. */
export class ModelState {
  uni: Uint32Array;
  readonly bi = new NgramTable();
  readonly tri = new NgramTable();
  n = 0;

  constructor(readonly vocab: number) {
    this.uni = new Uint32Array(vocab);
  }

  get bytes(): number {
    return this.uni.byteLength + this.bi.bytes + this.tri.bytes;
  }

  /**
   * Scores tokens[from..to) given that the state holds tokens[0..from): writes log p(token i |
   * tokens before i) into out[i] (0 for position 0, which has no history) and adds each token.
   * With `wanted`, only positions marked 1 are scored (the others get 0 and are only counted):
   * a response's logprob needs its own tokens' logprobs, not the prompt's.
   */
  forward(tokens: Uint32Array, from: number, to: number, out: Float64Array, wanted?: Uint8Array): void {
    const V = this.vocab;
    const uni = this.uni;
    const bi = this.bi;
    const tri = this.tri;
    let n = this.n;
    // c(a,b) for the last pair, carried from one step to the next.
    let pair = from >= 2 ? bi.get(tokens[from - 2]! * V + tokens[from - 1]!) : 0;
    for (let i = from; i < to; i++) {
      const t = tokens[i]!;
      if (i === 0) {
        out[0] = 0;
        uni[t]!++;
        n++;
        continue;
      }
      const b = tokens[i - 1]!;
      const a = i >= 2 ? tokens[i - 2]! : -1;
      const bt = bi.increment(b * V + t);
      const abt = a >= 0 ? tri.increment((a * V + b) * V + t) : 0;
      if (wanted !== undefined && wanted[i] === 0) {
        out[i] = 0;
        uni[t]!++;
        n++;
        pair = bt + 1;
        continue;
      }
      const l1 = Math.min(0.97, n / (n + K1));
      let p = l1 * (n > 0 ? uni[t]! / n : 0) + (1 - l1) / V;
      const c1 = uni[b]! - 1;
      if (c1 > 0) {
        const l2 = c1 / (c1 + K2);
        p = l2 * (bt / c1) + (1 - l2) * p;
        if (a >= 0) {
          const c2 = pair - 1;
          if (c2 > 0) {
            const l3 = c2 / (c2 + K3);
            p = l3 * (abt / c2) + (1 - l3) * p;
          }
        }
      }
      out[i] = Math.log(p);
      uni[t]!++;
      n++;
      pair = bt + 1;
    }
    this.n = n;
  }

  /** Adds tokens[from..to) without scoring them (replaying a prefix whose logprobs are known). */
  replay(tokens: Uint32Array, from: number, to: number): void {
    const V = this.vocab;
    for (let i = from; i < to; i++) {
      const t = tokens[i]!;
      this.uni[t]!++;
      this.n++;
      if (i === 0) continue;
      const b = tokens[i - 1]!;
      this.bi.increment(b * V + t);
      if (i >= 2) this.tri.increment((tokens[i - 2]! * V + b) * V + t);
    }
  }

  /** Removes tokens[from..to), the last ones added: afterwards the state holds tokens[0..from). */
  rewind(tokens: Uint32Array, from: number, to: number): void {
    const V = this.vocab;
    for (let i = to - 1; i >= from; i--) {
      const t = tokens[i]!;
      this.uni[t]!--;
      this.n--;
      if (i === 0) continue;
      const b = tokens[i - 1]!;
      this.bi.decrement(b * V + t);
      if (i >= 2) this.tri.decrement((tokens[i - 2]! * V + b) * V + t);
    }
  }

  clear(): void {
    this.uni.fill(0);
    this.bi.clear();
    this.tri.clear();
    this.n = 0;
  }

  copyFrom(other: ModelState): void {
    this.uni.set(other.uni);
    this.bi.copyFrom(other.bi);
    this.tri.copyFrom(other.tri);
    this.n = other.n;
  }
}

export interface ModelOptions {
  readonly vocab: number;
  /** Called every `yieldEvery` tokens so a long prompt does not hold the event loop. */
  readonly pause?: () => Promise<void>;
  readonly yieldEvery?: number;
}

export const DEFAULT_YIELD_EVERY = 1 << 16;

/** Runs state.forward over tokens[from..to) in slices, pausing between them. */
export async function forwardInSlices(state: ModelState, tokens: Uint32Array, from: number, to: number, out: Float64Array, options: Omit<ModelOptions, 'vocab'>, wanted?: Uint8Array): Promise<void> {
  const step = options.pause === undefined ? Infinity : (options.yieldEvery ?? DEFAULT_YIELD_EVERY);
  for (let i = from; i < to; i += step) {
    if (i > from) await options.pause!();
    state.forward(tokens, i, Math.min(to, i + step), out, wanted);
  }
}

/** log p(token i | tokens before i) for every position, from scratch; position 0 gets 0. */
export async function tokenLogprobs(prompt: Uint32Array, options: ModelOptions): Promise<Float64Array> {
  const out = new Float64Array(prompt.length);
  await forwardInSlices(new ModelState(options.vocab), prompt, 0, prompt.length, out, options);
  return out;
}

/** The total logprob of every assistant response in the prompt, in order, from scratch. */
export async function scoreResponses(prompt: Uint32Array, options: ModelOptions & { readonly assistantHeader: readonly number[] }): Promise<number[]> {
  const spans = assistantSpans(prompt, options.assistantHeader);
  const out = new Float64Array(prompt.length);
  await forwardInSlices(new ModelState(options.vocab), prompt, 0, prompt.length, out, options, spanMask(prompt.length, spans));
  return spanTotals(out, spans);
}
