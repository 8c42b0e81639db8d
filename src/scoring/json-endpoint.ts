// One JSON API endpoint over undici's keep-alive pool: POST a body, get the parsed answer back.
// Every client (the scoring clients, the tokenizer) reports a timeout, an
// HTTP error, an {"error": ...} answer or an answer that is not JSON the same way.
import type { Readable } from 'node:stream';
import type { Agent } from 'undici';
import { errorMessage } from '../core/errors.ts';
import { DEFAULT_CONCURRENCY } from '../core/limiter.ts';
import { isTransientCode, isTransientStatus, parseRetryAfter } from './retry-policy.ts';

export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(
    message: string,
    readonly status?: number,
    /** Worth another try: the server may answer next time (see retry-policy.ts). */
    readonly transient = false,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * A 404 that names the model memscope asked for: the server does not serve it. The model may
 * have come from the context (an agent's log names the agent's model): say how to name another.
 */
export function modelRefusal(error: unknown, model: string | null): unknown {
  if (!(error instanceof ApiCallError) || error.status !== 404 || model === null || !error.message.includes(model)) return error;
  return new ApiCallError(`${error.message} (memscope asked for the model "${model}", from --model or the context's "model": --model NAME names one the server serves)`, error.status);
}

const TRANSPORT_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed by the server',
  ETIMEDOUT: 'connect timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'answer stalled',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
};

/** A transport failure (refused, reset, timed out) as a transient ApiCallError that says what happened. */
function transportError(error: unknown): ApiCallError | undefined {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (!isTransientCode(code)) return undefined;
  return new ApiCallError(`${TRANSPORT_FAILURES[code!] ?? 'network error'} (${code})`, undefined, true);
}

export interface JsonEndpointOptions {
  /** How the endpoint is named in error messages, e.g. "score API". */
  readonly label: string;
  readonly apiKey?: string | undefined;
  readonly timeoutMs: number;
  /** Connections kept to the server: as many as the requests the caller lets go at once. */
  readonly concurrency?: number | undefined;
}

/** JSON text, its bytes, or a stream of them (a long prompt is written in pieces). */
export type RequestBody = string | Uint8Array | Readable;

export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
}

async function readCapped(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new ApiCallError(`answer is over the ${limit}-byte limit`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The text of a FastAPI validation error: {"detail": [{"loc": [...], "msg": ...}, ...]}. */
function detailText(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail;
  if (!Array.isArray(detail) || detail.length === 0) return undefined;
  const parts = detail.map((item: unknown) => {
    if (typeof item === 'string') return item;
    if (typeof item !== 'object' || item === null) return JSON.stringify(item);
    const { loc, msg } = item as { loc?: unknown; msg?: unknown };
    const where = Array.isArray(loc) ? loc.map(String).join('.') : undefined;
    const what = typeof msg === 'string' ? msg : JSON.stringify(item);
    return where ? `${where}: ${what}` : what;
  });
  return parts.join('; ');
}

/**
 * What an error answer says, in any of the shapes servers use: {"error": "..."},
 * {"error": {"message": ...}} (OpenAI, vLLM today), {"object": "error", "message": ...} (older
 * vLLM, SGLang), {"message": ...}, {"detail": "..." | [{"loc", "msg"}, ...]} (FastAPI).
 */
export function errorText(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const body = value as { error?: unknown; message?: unknown; detail?: unknown };
  const { error } = body;
  if (typeof error === 'string' && error !== '') return error;
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string' && message !== '') return message;
  }
  if (typeof body.message === 'string' && body.message !== '') return body.message;
  return detailText(body.detail);
}

/** A 2xx answer that is nonetheless an error: {"error": ...} or {"object": "error", ...}. */
function errorField(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const body = value as { error?: unknown; object?: unknown };
  if (body.error === undefined && body.object !== 'error') return undefined;
  return errorText(value) ?? (body.error !== undefined && body.error !== null ? JSON.stringify(body.error).slice(0, 200) : undefined);
}

/** An answer that says nothing: {}, null, "", []. */
function isEmpty(value: unknown): boolean {
  if (value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

// Python's json module writes NaN and ±Infinity as bare words, which no JSON parser accepts.
const NON_JSON_NUMBER = /(?<![\w"])(?:NaN|-?Infinity)(?![\w"])/;

// undici is loaded with the first call (a chunk of its own in the bundle), so that a run on the
// built-in scorer never loads it.
const undici = () => import('./http-agent.ts');

export class JsonEndpoint {
  /** The connection pool, made with the first call. */
  private dispatcher: Agent | undefined;
  private target: URL | undefined;

  constructor(
    readonly url: string,
    private readonly options: JsonEndpointOptions,
  ) {}

  /** POSTs `body` (JSON text); resolves with a 2xx answer's JSON, throws ApiCallError otherwise. */
  async post(body: RequestBody, maxAnswerBytes: number, callSignal?: AbortSignal, contentLength?: number): Promise<JsonAnswer> {
    try {
      return await this.attempt(body, maxAnswerBytes, callSignal, contentLength);
    } catch (error) {
      if (callSignal?.aborted) throw error;
      const known = error instanceof ApiCallError ? error : (transportError(error) ?? new ApiCallError(errorMessage(error)));
      // A server may echo the request's headers back; the key must not ride out in a message.
      const { apiKey } = this.options;
      if (apiKey && known.message.includes(apiKey)) {
        throw new ApiCallError(known.message.split(apiKey).join('[redacted]'), known.status, known.transient, known.retryAfterMs);
      }
      throw known;
    }
  }

  /** Throws ApiCallError for anything the answer says is wrong; transport errors pass through. */
  private async attempt(body: RequestBody, maxAnswerBytes: number, callSignal?: AbortSignal, contentLength?: number): Promise<JsonAnswer> {
    const { label, apiKey, timeoutMs } = this.options;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (contentLength !== undefined) headers['content-length'] = String(contentLength);
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callSignal ? AbortSignal.any([callSignal, timeout]) : timeout;
    let text: string;
    let status: number;
    let retryAfter: string | string[] | undefined;
    try {
      const { Agent, request } = await undici();
      // Unbounded, undici opens a new socket for a request sent as another's answer ends, before
      // that socket is free again: sized to the caller's Limiter, every socket is reused.
      const connections = this.options.concurrency ?? DEFAULT_CONCURRENCY;
      this.dispatcher ??= new Agent({ connections, keepAliveTimeout: 30_000, pipelining: 1 });
      this.target ??= new URL(this.url);
      const answer = await request(this.target, {
        method: 'POST',
        headers,
        body,
        signal,
        dispatcher: this.dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = answer.statusCode;
      retryAfter = answer.headers['retry-after'];
      try {
        text = await readCapped(answer.body, maxAnswerBytes);
      } catch (error) {
        // An answer not read to its end (over the cap) must not keep its socket.
        answer.body.destroy();
        throw error;
      }
    } catch (error) {
      if (timeout.aborted && !callSignal?.aborted) throw new ApiCallError(`no answer within ${timeoutMs / 1000}s`, undefined, true);
      throw error;
    }

    const httpError = (detail: string) => {
      const transient = isTransientStatus(status);
      return new ApiCallError(`${label} HTTP ${status}: ${detail}`, status, transient, transient ? parseRetryAfter(retryAfter) : undefined);
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      if (status < 200 || status >= 300) throw httpError(text.trim().slice(0, 200) || 'empty answer');
      if (NON_JSON_NUMBER.test(text)) throw new ApiCallError(`${label} answer is not JSON: it holds NaN or Infinity as a number`, status);
      throw new ApiCallError(`${label} answer is not JSON: ${text.trim().slice(0, 80) || 'empty answer'}`, status);
    }
    if (status < 200 || status >= 300) throw httpError(errorText(parsed) ?? (isEmpty(parsed) ? 'unknown error' : text.trim().slice(0, 200)));
    const error = errorField(parsed);
    if (error !== undefined) throw new ApiCallError(`${label} error: ${error}`, status);
    return { status, body: parsed };
  }

  async close(): Promise<void> {
    await this.dispatcher?.close();
  }
}
