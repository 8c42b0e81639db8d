// The built-in model behind the Scorer seam, used in-process when no --url is given and by
// `memscope serve` over HTTP. Prompts are scored one at a time (the model is one CPU-bound
// state) with prefix reuse: see src/prefix-cache.ts.
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { MODEL_NAME, ModelState, assistantSpans, forwardInSlices } from './builtin-model.ts';
import { PrefixCache, type PrefixStats } from './prefix-cache.ts';
import { spanMask, spanTotals, type ScoreCall, type Scorer, type ServerUsage } from '../scoring/scorer.ts';
import { builtinLabel } from './builtin-label.ts';
import { builtinTemplate } from '../context/template.ts';
import { BUILTIN_VOCAB_SIZE } from '../context/tokenizer.ts';

export interface BuiltinScorerOptions {
  /** Added to every call, to stand in for a remote GPU (demo pacing, benchmarks). */
  readonly latencyMs?: number;
  /** Resume from the longest prefix shared with recent prompts (default true). */
  readonly prefixReuse?: boolean;
}

export type BuiltinStats = PrefixStats;


/** A prompt the model cannot read (a token id outside its vocabulary): the request's fault. */
export class PromptError extends Error {
  override readonly name = 'PromptError';
}

export class BuiltinScorer implements Scorer {
  /** What the header names: a latency added on purpose is said, so a slow demo is not taken for the model. */
  readonly backend: string;
  readonly model = MODEL_NAME;
  readonly vocab = BUILTIN_VOCAB_SIZE;
  private readonly assistantHeader = builtinTemplate.open('assistant');
  private readonly cache: PrefixCache | undefined;
  private readonly fromScratch: PrefixStats = { calls: 0, tokensReceived: 0, tokensComputed: 0, tokensReplayed: 0 };
  /** The end of the queue of calls waiting for the model. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: BuiltinScorerOptions = {}) {
    this.backend = builtinLabel(options.latencyMs);
    this.cache = options.prefixReuse === false ? undefined : new PrefixCache(this.vocab);
  }

  /** Token ids the model cannot read, as a reason; undefined when the prompt is fine. */
  checkPrompt(prompt: Uint32Array): string | undefined {
    for (let i = 0; i < prompt.length; i++) {
      if (prompt[i]! >= this.vocab) return `token ${i} (id ${prompt[i]}) is outside the built-in vocabulary (size ${this.vocab})`;
    }
    return undefined;
  }

  /** Work done so far: tokens received, and how many of them were computed rather than reused. */
  stats(): BuiltinStats {
    return this.cache?.stats() ?? { ...this.fromScratch };
  }

  /** Prompts scored, their tokens, and those whose logprobs came from a cached prefix. */
  serverUsage(): ServerUsage {
    const { calls, tokensReceived, tokensComputed } = this.stats();
    return { requests: calls, promptTokens: tokensReceived, cachedTokens: tokensReceived - tokensComputed };
  }

  score(call: ScoreCall): Promise<number[]> {
    return this.scorePrompt(call.prompt, call.signal);
  }

  /**
   * The total logprob of every assistant response in the prompt, however many there are.
   * `onPrefill` is told how many of the prompt's tokens were computed (the rest came from a
   * cached prefix).
   */
  async scorePrompt(prompt: Uint32Array, signal?: AbortSignal, onPrefill?: (computed: number) => void): Promise<number[]> {
    signal?.throwIfAborted();
    const problem = this.checkPrompt(prompt);
    if (problem !== undefined) throw new PromptError(problem);
    if (this.options.latencyMs) await sleep(this.options.latencyMs, undefined, { signal });
    const pause = async () => {
      await nextTurn();
      signal?.throwIfAborted();
    };
    // Only the responses' own tokens are scored; the rest of the prompt is only counted.
    const spans = assistantSpans(prompt, this.assistantHeader);
    const wanted = spanMask(prompt.length, spans);
    const turn = this.queue.then(async () => {
      signal?.throwIfAborted();
      if (this.cache !== undefined) {
        // Calls take turns, so the counter's change is this call's.
        const before = this.cache.stats().tokensComputed;
        const out = await this.cache.logprobs(prompt, pause, wanted);
        onPrefill?.(this.cache.stats().tokensComputed - before);
        return out;
      }
      onPrefill?.(prompt.length);
      this.fromScratch.calls++;
      this.fromScratch.tokensReceived += prompt.length;
      this.fromScratch.tokensComputed += prompt.length;
      const out = new Float64Array(prompt.length);
      await forwardInSlices(new ModelState(this.vocab), prompt, 0, prompt.length, out, { pause }, wanted);
      return out;
    });
    this.queue = turn.catch(() => undefined);
    return spanTotals(await turn, spans);
  }

  async close(): Promise<void> {}
}
