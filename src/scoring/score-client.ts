// The /score client: POST {url}/score with the prompt's token ids, as the reference's
// call_score, over a keep-alive connection pool (http-client.ts).
import { z } from 'zod';
import { HttpClient, answerUsage, type HttpClientOptions } from './http-client.ts';
import { ApiCallError } from './json-endpoint.ts';
import { runsLength } from './prompt.ts';
import type { ScoreCall } from './scorer.ts';
import { requestEncoder, scoreRequestPayload } from './score-request.ts';
import { routeUrl } from './server-url.ts';

const ScoreResponseSchema = z.object({
  scores: z.array(z.object({ total_logprob: z.number() })),
});

/** Answers are one small number per response; anything this large is not an answer. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export interface HttpScorerOptions extends HttpClientOptions {
  readonly model: string | null;
  /** Prompts longer than this are streamed (default STREAM_ABOVE_IDS). */
  readonly streamAboveIds?: number;
}

/**
 * The totals of an answer of the schema's shape, read in place; undefined for anything else (the
 * schema then says what is wrong). A schema parse copies every entry: at thousands of responses
 * per call that was most of the client's garbage.
 */
function answerTotals(body: unknown): number[] | undefined {
  const scores = typeof body === 'object' && body !== null ? (body as { scores?: unknown }).scores : undefined;
  if (!Array.isArray(scores)) return undefined;
  const totals = new Array<number>(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const entry: unknown = scores[i];
    const total = typeof entry === 'object' && entry !== null ? (entry as { total_logprob?: unknown }).total_logprob : undefined;
    if (typeof total !== 'number' || !Number.isFinite(total)) return undefined;
    totals[i] = total;
  }
  return totals;
}

/** The totals of an answer, or what is wrong with it. */
function readTotals(body: unknown, status: number): number[] {
  const totals = answerTotals(body);
  if (totals !== undefined) return totals;
  const parsed = ScoreResponseSchema.safeParse(body);
  if (parsed.success) return parsed.data.scores.map((s) => s.total_logprob);
  const issue = parsed.error.issues[0]!;
  throw new ApiCallError(`failed to parse score response: ${issue.path.join('.') || 'answer'}: ${issue.message}`, status);
}

export class HttpScorer extends HttpClient {
  /** `memscope serve` scores calls in arrival order, the baseline first: no need to wait for it. */
  readonly batchedPrefixCache = false;
  /** A full matrix's prompts are the baseline less a memory: their bytes are mostly copied. */
  private readonly encoder = requestEncoder();

  constructor(private readonly scoreOptions: HttpScorerOptions) {
    super(scoreOptions, { url: routeUrl(scoreOptions.url, '/score'), label: 'score API', badAnswer: 'bad score response', backend: scoreOptions.url });
  }

  protected override modelAsked(): string | null {
    return this.scoreOptions.model;
  }

  async score(call: ScoreCall): Promise<number[]> {
    const payload = scoreRequestPayload(call, this.scoreOptions.model, this.scoreOptions.streamAboveIds, this.encoder);
    const promptTokens = call.source !== undefined ? runsLength(call.source.runs) : call.prompt.length;
    const post = { body: payload.body, contentLength: payload.length, promptTokens, answerLimit: MAX_ANSWER_BYTES, signal: call.signal };
    return await this.ask(post, ({ status, body }) => ({ value: this.checked(readTotals(body, status), call.expected, status), usage: answerUsage(body) }));
  }
}
