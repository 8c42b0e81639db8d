// The /score client: POST {url}/score with the prompt's token ids, as the reference's
// call_score, over undici's keep-alive pool.
import { Agent, request } from 'undici';
import { errorMessage } from './errors.ts';
import { z } from 'zod';
import { isTransientCode, isTransientStatus, parseRetryAfter } from './retry-policy.ts';
import { checkScores, type ScoreCall, type Scorer } from './scorer.ts';

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
}

export class ScoreCallError extends Error {
  override readonly name = 'ScoreCallError';
  constructor(
    message: string,
    /** Worth another try: the server may answer next time (see retry-policy.ts). */
    readonly transient = false,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A transport failure (refused, reset, timed out) as a ScoreCallError that says what happened. */
function transportError(error: unknown): ScoreCallError | undefined {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (!isTransientCode(code)) return undefined;
  const what: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    UND_ERR_SOCKET: 'connection closed by the server',
    UND_ERR_CLOSED: 'connection closed',
    UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
    UND_ERR_BODY_TIMEOUT: 'answer stalled',
    UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  };
  return new ScoreCallError(`${what[code!] ?? 'network error'} (${code})`, true);
}

export function scoreUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/score`;
}

async function readCapped(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new ScoreCallError(`answer is over the ${limit}-byte limit`);
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

  constructor(private readonly options: HttpScorerOptions) {
    this.backend = options.url;
    this.endpoint = scoreUrl(options.url);
    this.dispatcher = new Agent({ connections: options.connections ?? 16, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  async score(call: ScoreCall): Promise<number[]> {
    try {
      return await this.attempt(call);
    } catch (error) {
      if (call.signal?.aborted) throw error;
      const known = error instanceof ScoreCallError ? error : (transportError(error) ?? new ScoreCallError(errorMessage(error)));
      // A server may echo the request's headers back; the key must not ride out in a message.
      const { apiKey } = this.options;
      if (apiKey && known.message.includes(apiKey)) {
        throw new ScoreCallError(known.message.split(apiKey).join('[redacted]'), known.transient, known.status, known.retryAfterMs);
      }
      throw known;
    }
  }

  private async attempt(call: ScoreCall): Promise<number[]> {
    const { model, apiKey, timeoutMs } = this.options;
    // Written by hand: join() on the typed array avoids boxing millions of ids into an Array.
    const fields = [`"prompt":[${call.prompt.join(',')}]`, '"logprobs":1'];
    if (model !== null) fields.unshift(`"model":${JSON.stringify(model)}`);
    if (call.priority !== undefined) fields.push(`"priority":${call.priority}`);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;

    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    let text: string;
    let status: number;
    let retryAfter: string | string[] | undefined;
    try {
      const answer = await request(this.endpoint, {
        method: 'POST',
        headers,
        body: `{${fields.join(',')}}`,
        signal,
        dispatcher: this.dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = answer.statusCode;
      retryAfter = answer.headers['retry-after'];
      text = await readCapped(answer.body, this.options.maxAnswerBytes ?? MAX_ANSWER_BYTES);
    } catch (error) {
      if (timeout.aborted && !call.signal?.aborted) throw new ScoreCallError(`no answer within ${timeoutMs / 1000}s`, true);
      throw error;
    }

    const failed = status < 200 || status >= 300;
    const httpError = (detail: string) =>
      new ScoreCallError(`score API HTTP ${status}: ${detail}`, isTransientStatus(status), status, isTransientStatus(status) ? parseRetryAfter(retryAfter) : undefined);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      if (failed) throw httpError(text.trim().slice(0, 200) || 'empty answer');
      throw new ScoreCallError(`score API answer is not JSON: ${JSON.stringify(text.trim().slice(0, 60)) || 'empty answer'}`, false, status);
    }
    if (failed) throw httpError(errorField(body) ?? 'unknown error');
    const error = errorField(body);
    if (error !== undefined) throw new ScoreCallError(`score API error: ${error}`, false, status);
    const parsed = ScoreResponseSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ScoreCallError(`failed to parse score response: ${issue.path.join('.') || 'answer'}: ${issue.message}`, false, status);
    }
    const scores = parsed.data.scores.map((s) => s.total_logprob);
    const problem = checkScores(scores, call.expected);
    if (problem !== undefined) throw new ScoreCallError(`bad score response: ${problem}`, false, status);
    return scores;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
