// One JSON API endpoint over undici's keep-alive pool: POST a body, get the parsed answer back.
// Every client (the /score scorer, the completions scorer, the tokenizer) reports a timeout, an
// HTTP error, an {"error": ...} answer or an answer that is not JSON the same way.
import { Agent, request } from 'undici';

export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface JsonEndpointOptions {
  /** How the endpoint is named in error messages, e.g. "score API". */
  readonly label: string;
  readonly apiKey?: string | undefined;
  readonly timeoutMs: number;
  readonly connections?: number | undefined;
}

export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
}

async function readCapped(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new ApiCallError(`answer is over ${limit} bytes`);
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

// Python's json module writes NaN and ±Infinity as bare words, which no JSON parser accepts.
const NON_JSON_NUMBER = /(?<![\w"])(?:NaN|-?Infinity)(?![\w"])/;

export class JsonEndpoint {
  private readonly dispatcher: Agent;

  constructor(
    readonly url: string,
    private readonly options: JsonEndpointOptions,
  ) {
    this.dispatcher = new Agent({ connections: options.connections ?? 16, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  /** POSTs `body` (JSON text); resolves with a 2xx answer's JSON, throws ApiCallError otherwise. */
  async post(body: string, maxAnswerBytes: number, callSignal?: AbortSignal): Promise<JsonAnswer> {
    const { label, apiKey, timeoutMs } = this.options;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callSignal ? AbortSignal.any([callSignal, timeout]) : timeout;
    let text: string;
    let status: number;
    try {
      const answer = await request(this.url, {
        method: 'POST',
        headers,
        body,
        signal,
        dispatcher: this.dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = answer.statusCode;
      text = await readCapped(answer.body, maxAnswerBytes);
    } catch (error) {
      if (timeout.aborted && !callSignal?.aborted) throw new ApiCallError(`no answer within ${timeoutMs / 1000}s`);
      throw error;
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      if (status < 200 || status >= 300) throw new ApiCallError(`${label} HTTP ${status}: ${text.trim().slice(0, 200) || 'empty answer'}`, status);
      if (NON_JSON_NUMBER.test(text)) throw new ApiCallError(`${label} answer is not JSON: it holds NaN or Infinity as a number`, status);
      throw new ApiCallError(`${label} answer is not JSON: ${text.trim().slice(0, 80) || 'empty answer'}`, status);
    }
    if (status < 200 || status >= 300) throw new ApiCallError(`${label} HTTP ${status}: ${errorField(parsed) ?? 'unknown error'}`, status);
    const error = errorField(parsed);
    if (error !== undefined) throw new ApiCallError(`${label} error: ${error}`, status);
    return { status, body: parsed };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
