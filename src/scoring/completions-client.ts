// The completions backend: scores against any server with vLLM's OpenAI-compatible
// POST {url}/completions that returns the logprob of every prompt token (a stock vLLM needs no
// change). One call per prompt; the response totals are summed here over the spans the engine
// found in the AST, with the same span definition as the built-in scorer.
import { responseTotals, type LogprobsField } from './completions-answer.ts';
import { HttpClient, answerUsage, type HttpClientOptions } from './http-client.ts';
import type { ScoreCall } from './scorer.ts';
import { routeUrl } from './server-url.ts';
import { asciiJson, tokenIdsJson } from './token-ids-json.ts';

export interface CompletionsScorerOptions extends HttpClientOptions {
  readonly model: string | null;
  readonly field: LogprobsField;
}

/** An answer carries an entry or two per prompt token (~80 bytes each); past this it is not one. */
function completionsAnswerLimit(promptTokens: number): number {
  return Math.min(16 * 1024 * 1024 + promptTokens * 512, 400 * 1024 * 1024);
}

export class CompletionsScorer extends HttpClient {
  /** vLLM does not read its prefix cache for a request that asks for prompt logprobs. */
  readonly batchedPrefixCache = false;

  constructor(private readonly completionsOptions: CompletionsScorerOptions) {
    const { url, field } = completionsOptions;
    super(completionsOptions, { url: routeUrl(url, '/completions'), label: 'completions API', badAnswer: 'bad completions answer', backend: `${url} (completions, ${field})` });
  }

  protected override modelAsked(): string | null {
    return this.completionsOptions.model;
  }

  /** The request body: the ids written straight into bytes (join() on a 2M-id prompt builds a 14 MB string). */
  requestBody(call: ScoreCall): Uint8Array {
    const { model, field } = this.completionsOptions;
    const head = model !== null ? `{"model":${asciiJson(model)},"prompt":` : '{"prompt":';
    const fields = ['"max_tokens":1', ...(field === 'echo' ? ['"echo":true', '"logprobs":1'] : ['"prompt_logprobs":1'])];
    if (call.priority !== undefined) fields.push(`"priority":${call.priority}`);
    return tokenIdsJson(call.prompt, head, `,${fields.join(',')}}`);
  }

  async score(call: ScoreCall): Promise<number[]> {
    const { spans, prompt } = call;
    if (spans === undefined) throw new Error('the completions backend needs the response spans of every prompt');
    const post = { body: this.requestBody(call), promptTokens: prompt.length, answerLimit: completionsAnswerLimit(prompt.length), signal: call.signal };
    // vLLM reports usage.prompt_tokens_details.cached_tokens when started with
    // --enable-prompt-tokens-details.
    return await this.ask(post, ({ status, body }) => ({
      value: this.checked(responseTotals(this.completionsOptions.field, body, prompt, spans), call.expected, status),
      usage: answerUsage(body),
    }));
  }
}
