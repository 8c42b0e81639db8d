// The /score client: POST {url}/score with the prompt's token ids, as the reference's
// call_score, over undici's keep-alive pool.
import { Agent, request } from 'undici';
import { z } from 'zod';
import { checkScores, type ScoreCall, type Scorer } from './scorer.ts';
import { requestEncoder, scoreRequestPayload } from './score-request.ts';

export const ScoreResponseSchema = z.object({
  scores: z.array(z.object({ total_logprob: z.number() })),
});

/** Answers are one small number per response; anything this large is not an answer. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export interface HttpScorerOptions {
  readonly url: string;
  readonly model: string | null;
  readonly apiKey?: string | undefined;
  readonly timeoutMs: number;
  readonly connections?: number;
  readonly maxAnswerBytes?: number;
  /** Prompts longer than this are streamed (default STREAM_ABOVE_IDS). */
  readonly streamAboveIds?: number;
}

export class ScoreCallError extends Error {
  override readonly name = 'ScoreCallError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export function scoreUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/score`;
}

async function readCapped(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new ScoreCallError(`answer is over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function errorField(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const error = (value as { error?: unknown }).error;
  if (typeof error === 'string') return error;
  // OpenAI-style servers nest it: {"error": {"message": ...}}
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return undefined;
}

export class HttpScorer implements Scorer {
  readonly backend: string;
  private readonly endpoint: string;
  private readonly dispatcher: Agent;
  /** A full matrix's prompts are the baseline less a memory: their bytes are mostly copied. */
  private readonly encoder = requestEncoder();

  constructor(private readonly options: HttpScorerOptions) {
    this.backend = options.url;
    this.endpoint = scoreUrl(options.url);
    this.dispatcher = new Agent({ connections: options.connections ?? 16, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  async score(call: ScoreCall): Promise<number[]> {
    const { model, apiKey, timeoutMs } = this.options;
    const payload = scoreRequestPayload(call.prompt, model, call.priority, this.options.streamAboveIds, this.encoder, call.source);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(payload.length) };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;

    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    let text: string;
    let status: number;
    try {
      const answer = await request(this.endpoint, {
        method: 'POST',
        headers,
        body: payload.body,
        signal,
        dispatcher: this.dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = answer.statusCode;
      text = await readCapped(answer.body, this.options.maxAnswerBytes ?? MAX_ANSWER_BYTES);
    } catch (error) {
      if (timeout.aborted && !call.signal?.aborted) throw new ScoreCallError(`no answer within ${timeoutMs / 1000}s`);
      throw error;
    }

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      if (status < 200 || status >= 300) throw new ScoreCallError(`score API HTTP ${status}: ${text.trim().slice(0, 200) || 'empty answer'}`, status);
      throw new ScoreCallError(`score API answer is not JSON: ${text.trim().slice(0, 80) || 'empty answer'}`, status);
    }
    if (status < 200 || status >= 300) throw new ScoreCallError(`score API HTTP ${status}: ${errorField(body) ?? 'unknown error'}`, status);
    const error = errorField(body);
    if (error !== undefined) throw new ScoreCallError(`score API error: ${error}`, status);
    const parsed = ScoreResponseSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ScoreCallError(`failed to parse score response: ${issue.path.join('.') || 'answer'}: ${issue.message}`, status);
    }
    const scores = parsed.data.scores.map((s) => s.total_logprob);
    const problem = checkScores(scores, call.expected);
    if (problem !== undefined) throw new ScoreCallError(`bad score response: ${problem}`, status);
    return scores;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
