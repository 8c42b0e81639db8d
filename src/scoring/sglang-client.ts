// The SGLang backend: scores through SGLang's native POST {url}/generate, a prefill-only request
// that returns the logprob of every prompt token from logprob_start_len on:
//
//   {"input_ids": [...], "sampling_params": {"max_new_tokens": 0}, "return_logprob": true,
//    "logprob_start_len": s, "top_logprobs_num": 0}
//   -> meta_info.input_token_logprobs = [[logprob | null, token_id, text | null], ...] for
//      positions s, s+1, ... (the entry at s is null); meta_info.cached_tokens
//
// SGLang's radix cache serves a prompt's prefix up to s, so s is set just before the first
// position the call still needs: positions shared with a prompt scored earlier are taken from
// that answer (prefix-logprobs.ts), and an ablation costs the server about L − (position of
// the memory) tokens instead of L. Each returned token id is checked against the prompt.
import { z } from 'zod';
import { checkSpans, envelope, logprobProblem } from './completions-answer.ts';
import { AnswerProblem, HttpClient, type HttpClientOptions } from './http-client.ts';
import { PrefixLogprobs } from './prefix-logprobs.ts';
import { spanMask, spanTotals, type ScoreCall } from './scorer.ts';
import { routeUrl, serverRoot } from './server-url.ts';
import { tokenIdsJson } from './token-ids-json.ts';

export interface SglangScorerOptions extends HttpClientOptions {
  /** The server's root, e.g. http://host:30000 (a trailing /v1 is dropped). */
  readonly url: string;
  /** Shared by the replicas of one model: what one answered, another need not be asked. */
  readonly prefix?: PrefixLogprobs;
}

const GenerateAnswer = z.object({
  meta_info: z.object({
    input_token_logprobs: z.array(z.unknown()).nullish(),
    prompt_tokens: z.number().int().nonnegative().optional(),
    cached_tokens: z.number().int().nonnegative().optional(),
  }),
});

function parse(body: unknown): z.infer<typeof GenerateAnswer> {
  // A batch answer is a list of these; one prompt is sent, so one is read.
  return envelope(GenerateAnswer, Array.isArray(body) && body.length === 1 ? body[0] : body);
}

/** Fills values[s+1..] from the answer's entries; checks every token id and every needed value. */
function readInputLogprobs(entries: readonly unknown[], prompt: Uint32Array, s: number, needed: Uint8Array, values: Float64Array): void {
  if (entries.length !== prompt.length - s) {
    throw new AnswerProblem(`meta_info.input_token_logprobs has ${entries.length} entries for positions ${s}..${prompt.length - 1} (${prompt.length - s})`);
  }
  for (let k = 0; k < entries.length; k++) {
    const i = s + k;
    const entry = entries[k];
    const where = `meta_info.input_token_logprobs[${k}]`;
    if (!Array.isArray(entry) || entry.length < 2) throw new AnswerProblem(`${where} is not [logprob, token_id, text]`);
    if (entry[1] !== prompt[i]) throw new AnswerProblem(`${where} is for token id ${JSON.stringify(entry[1])}, but prompt position ${i} holds ${prompt[i]}`);
    // The entry at s has no logprob (nothing before it was computed): it is never needed.
    if (k === 0 && i > 0) continue;
    const value: unknown = entry[0];
    if (needed[i] === 1) {
      const problem = logprobProblem(value, i, prompt[i]!, `${where}[0]`);
      if (problem !== undefined) throw new AnswerProblem(problem);
    }
    if (typeof value === 'number' && Number.isFinite(value)) values[i] = value;
  }
}

export class SglangScorer extends HttpClient {
  /** The radix cache is read when a request is admitted: the rows go after the baseline's answer. */
  readonly batchedPrefixCache = true;
  private readonly prefix: PrefixLogprobs;

  constructor(options: SglangScorerOptions) {
    const root = serverRoot(options.url);
    super(options, { url: routeUrl(root, '/generate'), label: 'SGLang /generate', badAnswer: 'bad SGLang answer', backend: `${root} (sglang /generate)` });
    this.prefix = options.prefix ?? new PrefixLogprobs();
  }

  requestBody(prompt: Uint32Array, start: number, priority: number | undefined): Uint8Array {
    const tail = `,"sampling_params":{"max_new_tokens":0},"return_logprob":true,"logprob_start_len":${start},"top_logprobs_num":0${priority === undefined ? '' : `,"priority":${priority}`}}`;
    return tokenIdsJson(prompt, '{"input_ids":', tail);
  }

  async score(call: ScoreCall): Promise<number[]> {
    if (call.spans === undefined) throw new Error('the sglang backend needs the response spans of every prompt');
    const { prompt, spans } = call;
    checkSpans(spans, prompt.length);
    const needed = spanMask(prompt.length, spans);
    const lease = await this.prefix.begin(prompt, needed, call.signal, call.source);
    let got: Float64Array | undefined;
    try {
      const values = lease.values;
      if (lease.firstMissing < prompt.length) await this.fill(call, prompt, Math.max(0, lease.firstMissing - 1), needed, values);
      const scores = this.checked(spanTotals(values, spans), call.expected);
      got = values;
      return scores;
    } finally {
      lease.finish(got);
    }
  }

  /** Asks for the logprobs from `start` on and writes them into `values`. */
  private async fill(call: ScoreCall, prompt: Uint32Array, start: number, needed: Uint8Array, values: Float64Array): Promise<void> {
    const answerLimit = Math.min(16 * 1024 * 1024 + (prompt.length - start) * 256, 400 * 1024 * 1024);
    const post = { body: this.requestBody(prompt, start, call.priority), promptTokens: prompt.length, answerLimit, signal: call.signal };
    await this.ask(post, ({ body }) => {
      const meta = parse(body).meta_info;
      const entries = meta.input_token_logprobs;
      if (entries == null) throw new AnswerProblem('the answer has no meta_info.input_token_logprobs (was return_logprob dropped on the way?)');
      readInputLogprobs(entries, prompt, start, needed, values);
      return { value: undefined, usage: meta.cached_tokens === undefined ? undefined : { prompt: meta.prompt_tokens ?? prompt.length, cached: meta.cached_tokens } };
    });
  }
}
