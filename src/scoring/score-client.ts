// The /score client: POST {url}/score with the prompt's token ids, as the reference's
// call_score, over a keep-alive connection pool (json-endpoint.ts).
import { z } from 'zod';
import { ApiCallError, JsonEndpoint, type HttpClientOptions } from './json-endpoint.ts';
import { runsLength } from './prompt.ts';
import { UsageCounter, checkScores, type ScoreCall, type Scorer, type ServerUsage } from './scorer.ts';
import { requestEncoder, scoreRequestPayload } from './score-request.ts';

export { ApiCallError as ScoreCallError } from './json-endpoint.ts';

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

function scoreUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/score`;
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

/**
 * Prompt tokens and those served from the prefix cache, from an answer's OpenAI-style `usage`
 * ({prompt_tokens, prompt_tokens_details: {cached_tokens}}), when it has them.
 */
export function answerUsage(body: unknown): { prompt: number; cached: number } | undefined {
  const usage = typeof body === 'object' && body !== null ? (body as { usage?: unknown }).usage : undefined;
  if (typeof usage !== 'object' || usage === null) return undefined;
  const prompt = (usage as { prompt_tokens?: unknown }).prompt_tokens;
  const details = (usage as { prompt_tokens_details?: unknown }).prompt_tokens_details;
  const cached = typeof details === 'object' && details !== null ? (details as { cached_tokens?: unknown }).cached_tokens : undefined;
  if (!Number.isInteger(prompt) || !Number.isInteger(cached) || (cached as number) < 0 || (cached as number) > (prompt as number)) return undefined;
  return { prompt: prompt as number, cached: cached as number };
}

export class HttpScorer implements Scorer {
  readonly backend: string;
  /** `memscope serve` scores calls in arrival order, the baseline first: no need to wait for it. */
  readonly batchedPrefixCache = false;
  private readonly counter = new UsageCounter();
  private readonly endpoint: JsonEndpoint;
  /** A full matrix's prompts are the baseline less a memory: their bytes are mostly copied. */
  private readonly encoder = requestEncoder();

  constructor(private readonly options: HttpScorerOptions) {
    this.backend = options.url;
    this.endpoint = new JsonEndpoint(scoreUrl(options.url), {
      label: 'score API',
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs,
      connections: options.connections,
    });
  }

  async score(call: ScoreCall): Promise<number[]> {
    const payload = scoreRequestPayload(call, this.options.model, this.options.streamAboveIds, this.encoder);
    const { status, body } = await this.endpoint.post(payload.body, this.options.maxAnswerBytes ?? MAX_ANSWER_BYTES, call.signal, payload.length);
    let scores = answerTotals(body);
    if (scores === undefined) {
      const parsed = ScoreResponseSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ApiCallError(`failed to parse score response: ${issue.path.join('.') || 'answer'}: ${issue.message}`, status);
      }
      scores = parsed.data.scores.map((s) => s.total_logprob);
    }
    const problem = checkScores(scores, call.expected);
    if (problem !== undefined) throw new ApiCallError(`bad score response: ${problem}`, status);
    this.counter.add(call.source !== undefined ? runsLength(call.source.runs) : call.prompt.length, answerUsage(body));
    return scores;
  }

  serverUsage(): ServerUsage | undefined {
    return this.counter.read();
  }

  async close(): Promise<void> {
    await this.endpoint.close();
  }
}
