// The completions backend: scores against any server with vLLM's OpenAI-compatible
// POST {url}/completions that returns the logprob of every prompt token (a stock vLLM needs no
// change). One call per prompt; the response totals are summed here over the spans the engine
// found in the AST, with the same span definition as the built-in scorer.
import { AnswerProblem, responseTotals, type LogprobsField } from './completions-answer.ts';
import { ApiCallError, JsonEndpoint, type HttpClientOptions } from './json-endpoint.ts';
import { answerUsage } from './score-client.ts';
import { UsageCounter, checkScores, type ScoreCall, type Scorer, type ServerUsage } from './scorer.ts';
import { postPrompt } from './server-probe.ts';
import { asciiJson, tokenIdsJson } from './token-ids-json.ts';

export interface CompletionsScorerOptions extends HttpClientOptions {
  readonly model: string | null;
  readonly field: LogprobsField;
}

function completionsUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/completions`;
}

/** An answer carries an entry or two per prompt token (~80 bytes each); past this it is not one. */
function completionsAnswerLimit(promptTokens: number): number {
  return Math.min(16 * 1024 * 1024 + promptTokens * 512, 400 * 1024 * 1024);
}

export class CompletionsScorer implements Scorer {
  readonly backend: string;
  /** vLLM does not read its prefix cache for a request that asks for prompt logprobs. */
  readonly batchedPrefixCache = false;
  private readonly counter = new UsageCounter();
  private readonly endpoint: JsonEndpoint;

  constructor(private readonly options: CompletionsScorerOptions) {
    this.backend = `${options.url} (completions, ${options.field})`;
    this.endpoint = new JsonEndpoint(completionsUrl(options.url), {
      label: 'completions API',
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs,
      connections: options.connections,
    });
  }

  /** The request body: the ids written straight into bytes (join() on a 2M-id prompt builds a 14 MB string). */
  requestBody(call: ScoreCall): Uint8Array {
    const head = this.options.model !== null ? `{"model":${asciiJson(this.options.model)},"prompt":` : '{"prompt":';
    const fields = ['"max_tokens":1', ...(this.options.field === 'echo' ? ['"echo":true', '"logprobs":1'] : ['"prompt_logprobs":1'])];
    if (call.priority !== undefined) fields.push(`"priority":${call.priority}`);
    return tokenIdsJson(call.prompt, head, `,${fields.join(',')}}`);
  }

  async score(call: ScoreCall): Promise<number[]> {
    if (call.spans === undefined) throw new Error('the completions backend needs the response spans of every prompt');
    const limit = this.options.maxAnswerBytes ?? completionsAnswerLimit(call.prompt.length);
    const { status, body } = await postPrompt(this.endpoint, this.requestBody(call), limit, call.signal, call.prompt.length);
    let scores: number[];
    try {
      scores = responseTotals(this.options.field, body, call.prompt, call.spans);
    } catch (error) {
      if (error instanceof AnswerProblem) throw new ApiCallError(`bad completions answer: ${error.message}`, status);
      throw error;
    }
    const problem = checkScores(scores, call.expected);
    if (problem !== undefined) throw new ApiCallError(`bad completions answer: ${problem}`, status);
    // vLLM reports usage.prompt_tokens_details.cached_tokens when started with
    // --enable-prompt-tokens-details.
    this.counter.add(call.prompt.length, answerUsage(body));
    return scores;
  }

  serverUsage(): ServerUsage | undefined {
    return this.counter.read();
  }

  async close(): Promise<void> {
    await this.endpoint.close();
  }
}
