// Prefix reuse for the built-in model, as a server with automatic prefix caching (vLLM's) does:
// a prompt that shares its first p tokens with one scored before costs only its last L − p
// tokens. A prompt with one memory removed shares the baseline's prefix up to that memory, so a
// full matrix costs about Σ(L − position of memory i) tokens instead of N·L.
//
// What is kept:
// - the last few prompts with their per-token logprobs (a token's logprob depends only on the
//   tokens before it, so a shared prefix's logprobs are the cached ones, bit for bit);
// - two model states, each holding the counts of some prefix of some prompt. To score a prompt,
//   the state that is cheapest to bring to the shared prefix is moved there (counts are
//   removed or replayed token by token, without scoring), copied into the other state (two
//   typed-array copies), and the copy scores the rest. The moved state stays at the shared
//   prefix: the next ablation of the same baseline starts from there. Memory is two states plus
//   the cached prompts (12 bytes a token).
import { ModelState } from './builtin-model.ts';
import { commonPrefix } from '../core/common-prefix.ts';

export interface PrefixStats {
  /** Prompts scored. */
  calls: number;
  /** Tokens in the prompts received. */
  tokensReceived: number;
  /** Tokens whose logprob was computed (the rest came from a cached prefix). */
  tokensComputed: number;
  /** Tokens added to or removed from a state without scoring, to move it to a shared prefix. */
  tokensReplayed: number;
}

export interface PrefixCacheOptions {
  /** Cached prompts (with their logprobs) kept, most recently used first. */
  readonly maxEntries?: number;
  /** And at most this many tokens over all cached prompts (12 bytes each; the latest prompt is
   *  always kept). */
  readonly maxCachedTokens?: number;
  /** Tokens scored between pauses. Short (a fraction of a millisecond) so that a server keeps
   *  reading and answering other calls while one prompt is scored. */
  readonly yieldEvery?: number;
}

interface Entry {
  readonly tokens: Uint32Array;
  readonly logprobs: Float64Array;
}

/** A model state and the tokens it holds: seq[0..pos). */
interface Positioned {
  readonly state: ModelState;
  seq: Uint32Array;
  pos: number;
}

const EMPTY_SEQ = new Uint32Array(0);

export class PrefixCache {
  private entries: Entry[] = [];
  private readonly states: [Positioned, Positioned];
  private readonly maxEntries: number;
  private readonly maxCachedTokens: number;
  private readonly yieldEvery: number;
  private readonly counters: PrefixStats = { calls: 0, tokensReceived: 0, tokensComputed: 0, tokensReplayed: 0 };

  constructor(
    readonly vocab: number,
    options: PrefixCacheOptions = {},
  ) {
    this.states = [
      { state: new ModelState(vocab), seq: EMPTY_SEQ, pos: 0 },
      { state: new ModelState(vocab), seq: EMPTY_SEQ, pos: 0 },
    ];
    this.maxEntries = options.maxEntries ?? 4;
    this.maxCachedTokens = options.maxCachedTokens ?? 3_000_000;
    this.yieldEvery = options.yieldEvery ?? 1 << 12;
  }

  stats(): PrefixStats {
    return { ...this.counters };
  }

  /**
   * log p(token i | tokens before i) for every position of the prompt, as tokenLogprobs computes
   * it from scratch. The prompt is kept, not copied, and the answer is shared with the cache:
   * change neither afterwards. Calls must not overlap (the built-in scorer queues them).
   *
   * With `wanted`, only the positions marked 1 are scored (others read 0). Cached logprobs are
   * reused for any prompt sharing the prefix, so every call must choose its positions by one
   * rule under which a position's mark depends only on the tokens up to it, as "inside an
   * assistant response" does.
   */
  async logprobs(prompt: Uint32Array, pause?: () => Promise<void>, wanted?: Uint8Array): Promise<Float64Array> {
    const L = prompt.length;
    this.counters.calls++;
    this.counters.tokensReceived += L;

    // The cached prompt sharing the longest prefix.
    let best: Entry | undefined;
    let shared = 0;
    for (const entry of this.entries) {
      const p = commonPrefix(prompt, entry.tokens);
      if (p > shared || best === undefined) [best, shared] = [entry, p];
    }
    if (best !== undefined) this.touch(best);
    if (best !== undefined && shared === L) return best.logprobs.subarray(0, L);
    const source = best?.tokens ?? EMPTY_SEQ;

    const base = this.moveCheapest(source, shared);
    const work = this.states[0] === base ? this.states[1] : this.states[0];
    const tokens = prompt;
    work.state.copyFrom(base.state);
    work.seq = tokens;
    work.pos = shared;

    const out = new Float64Array(L);
    if (best !== undefined) out.set(best.logprobs.subarray(0, shared));
    for (let i = shared; i < L; i += this.yieldEvery) {
      if (i > shared && pause !== undefined) await pause();
      const end = Math.min(L, i + this.yieldEvery);
      work.state.forward(tokens, i, end, out, wanted);
      work.pos = end;
      this.counters.tokensComputed += end - i;
    }
    this.remember({ tokens, logprobs: out });
    return out;
  }

  /** Brings the state that costs least to source[0..target) and returns it. */
  private moveCheapest(source: Uint32Array, target: number): Positioned {
    let chosen = this.states[0];
    let chosenKeep = 0;
    let chosenCost = Infinity;
    for (const s of this.states) {
      const keep = commonPrefix(s.seq, source, Math.min(s.pos, target));
      // Rewinding to `keep` then replaying to `target`, or clearing and replaying from 0.
      const cost = Math.min(s.pos - keep, keep + 1) + (target - keep);
      if (cost < chosenCost) [chosen, chosenKeep, chosenCost] = [s, keep, cost];
    }
    const s = chosen;
    let keep = chosenKeep;
    if (s.pos - keep > keep) {
      s.state.clear();
      keep = 0;
    } else {
      s.state.rewind(s.seq, keep, s.pos);
      this.counters.tokensReplayed += s.pos - keep;
    }
    s.state.replay(source, keep, target);
    this.counters.tokensReplayed += target - keep;
    s.seq = source;
    s.pos = target;
    return s;
  }

  private touch(entry: Entry): void {
    const i = this.entries.indexOf(entry);
    if (i > 0) {
      this.entries.splice(i, 1);
      this.entries.unshift(entry);
    }
  }

  private remember(entry: Entry): void {
    this.entries.unshift(entry);
    let total = 0;
    this.entries = this.entries.filter((e, i) => {
      total += e.tokens.length;
      return i === 0 || (i < this.maxEntries && total <= this.maxCachedTokens);
    });
  }
}
