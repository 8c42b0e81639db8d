// The built-in model behind the Scorer seam, used in-process when no --url is given and by
// `memscope serve` over HTTP.
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { MODEL_NAME, scoreResponses } from './builtin-model.ts';
import type { ScoreCall, Scorer } from './scorer.ts';
import { builtinTemplate } from './template.ts';
import { BUILTIN_VOCAB_SIZE } from './tokenizer.ts';

export interface BuiltinScorerOptions {
  /** Added to every call, to stand in for a remote GPU (demo pacing, benchmarks). */
  readonly latencyMs?: number;
}

export class BuiltinScorer implements Scorer {
  readonly backend = 'built-in';
  readonly model = MODEL_NAME;
  readonly vocab = BUILTIN_VOCAB_SIZE;
  private readonly assistantHeader = builtinTemplate.open('assistant');

  constructor(private readonly options: BuiltinScorerOptions = {}) {}

  /** Token ids the model cannot read, as a reason; undefined when the prompt is fine. */
  checkPrompt(prompt: Uint32Array): string | undefined {
    for (let i = 0; i < prompt.length; i++) {
      if (prompt[i]! >= this.vocab) return `token ${i} (id ${prompt[i]}) is outside the built-in vocabulary (size ${this.vocab})`;
    }
    return undefined;
  }

  async score(call: ScoreCall): Promise<number[]> {
    call.signal?.throwIfAborted();
    const problem = this.checkPrompt(call.prompt);
    if (problem !== undefined) throw new Error(problem);
    if (this.options.latencyMs) await sleep(this.options.latencyMs, undefined, { signal: call.signal });
    const scores = await scoreResponses(call.prompt, {
      vocab: this.vocab,
      assistantHeader: this.assistantHeader,
      pause: async () => {
        await nextTurn();
        call.signal?.throwIfAborted();
      },
    });
    return scores;
  }

  async close(): Promise<void> {}
}
