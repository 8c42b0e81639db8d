// What the scoring clients (/score, vLLM's /completions, SGLang's /generate) share: one JSON
// endpoint, a prompt POSTed and a refusal about its length said plainly, the answer read by the
// client's parser (a problem in it named once), the usage it reports counted. A client adds only
// its request body and its answer parser.
import { ApiCallError, JsonEndpoint, modelRefusal, type JsonAnswer, type RequestBody } from './json-endpoint.ts';
import { UsageCounter, checkScores, type ScoreCall, type Scorer, type ServerUsage } from './scorer.ts';

/** What each scoring client is given. */
export interface HttpClientOptions {
  readonly url: string;
  readonly apiKey?: string | undefined;
  readonly timeoutMs: number;
  /** Calls the engine lets go at once: the connections kept (default: DEFAULT_CONCURRENCY). */
  readonly concurrency?: number | undefined;
  /** The largest answer read (default: each client's own limit). */
  readonly maxAnswerBytes?: number;
}

/** The reason an answer cannot be read; the client names the answer and adds the HTTP status. */
export class AnswerProblem extends Error {
  override readonly name = 'AnswerProblem';
}

/** Where a client POSTs and how its messages name it. */
export interface ClientRoute {
  readonly url: string;
  /** Names the endpoint in HTTP errors: "completions API". */
  readonly label: string;
  /** Names a wrong answer: "bad completions answer". */
  readonly badAnswer: string;
  /** The scorer's name in headers and events (never a key). */
  readonly backend: string;
}

/** One prompt to POST. */
export interface PromptPost {
  readonly body: RequestBody;
  /** The body's bytes, when it is a stream. */
  readonly contentLength?: number | undefined;
  /** Tokens in the prompt: named in a length refusal, counted when the answer does not say. */
  readonly promptTokens: number;
  /** The largest answer read, unless the options set one. */
  readonly answerLimit: number;
  readonly signal?: AbortSignal | undefined;
}

/** Prompt tokens and those served from the prefix cache, as an answer reports them. */
export interface AnswerUsage {
  readonly prompt: number;
  readonly cached: number;
}

/** What a client's parser reads from an answer. */
export interface ReadAnswer<T> {
  readonly value: T;
  readonly usage: AnswerUsage | undefined;
}

/**
 * Prompt tokens and those served from the prefix cache, from an answer's OpenAI-style `usage`
 * ({prompt_tokens, prompt_tokens_details: {cached_tokens}}), when it has them.
 */
export function answerUsage(body: unknown): AnswerUsage | undefined {
  const usage = typeof body === 'object' && body !== null ? (body as { usage?: unknown }).usage : undefined;
  if (typeof usage !== 'object' || usage === null) return undefined;
  const prompt = (usage as { prompt_tokens?: unknown }).prompt_tokens;
  const details = (usage as { prompt_tokens_details?: unknown }).prompt_tokens_details;
  const cached = typeof details === 'object' && details !== null ? (details as { cached_tokens?: unknown }).cached_tokens : undefined;
  if (!Number.isInteger(prompt) || !Number.isInteger(cached) || (cached as number) < 0 || (cached as number) > (prompt as number)) return undefined;
  return { prompt: prompt as number, cached: cached as number };
}

const LENGTH_WORDS = /maximum context length|context length|max_model_len|longer than the model|too long|is too large/i;

/** A 400 about length, said plainly; undefined when the refusal is about something else. */
export function lengthRefusal(status: number | undefined, message: string, promptTokens: number): string | undefined {
  if (status !== 400 && status !== 413 && status !== 422) return undefined;
  if (!LENGTH_WORDS.test(message)) return undefined;
  return `the server refused a prompt of ${promptTokens} tokens as too long for its context (${message})`;
}

export abstract class HttpClient implements Scorer {
  readonly backend: string;
  abstract readonly batchedPrefixCache: boolean;
  private readonly endpoint: JsonEndpoint;
  private readonly counter = new UsageCounter();

  protected constructor(
    protected readonly options: HttpClientOptions,
    private readonly route: ClientRoute,
  ) {
    this.backend = route.backend;
    this.endpoint = new JsonEndpoint(route.url, { label: route.label, apiKey: options.apiKey, timeoutMs: options.timeoutMs, concurrency: options.concurrency });
  }

  abstract score(call: ScoreCall): Promise<number[]>;

  /** The model a request names (none by default: SGLang's /generate takes none). */
  protected modelAsked(): string | null {
    return null;
  }

  /**
   * POSTs a prompt and reads the answer with `read`. A refusal about the prompt's length is said
   * plainly (the limit is checked before the run; this is a server that did not say it).
   */
  protected async ask<T>(post: PromptPost, read: (answer: JsonAnswer) => ReadAnswer<T>): Promise<T> {
    let answer: JsonAnswer;
    try {
      answer = await this.endpoint.post(post.body, this.options.maxAnswerBytes ?? post.answerLimit, post.signal, post.contentLength);
    } catch (error) {
      const plain = error instanceof ApiCallError ? lengthRefusal(error.status, error.message, post.promptTokens) : undefined;
      if (plain !== undefined) throw new ApiCallError(plain, (error as ApiCallError).status);
      throw modelRefusal(error, this.modelAsked());
    }
    let got: ReadAnswer<T>;
    try {
      got = read(answer);
    } catch (error) {
      if (error instanceof AnswerProblem) throw this.badAnswer(error.message, answer.status);
      throw error;
    }
    this.counter.add(post.promptTokens, got.usage);
    return got.value;
  }

  /** The scores, checked as every backend's must be (one finite, non-positive logprob per response). */
  protected checked(scores: number[], expected: number, status?: number): number[] {
    const problem = checkScores(scores, expected);
    if (problem !== undefined) throw this.badAnswer(problem, status);
    return scores;
  }

  private badAnswer(problem: string, status: number | undefined): ApiCallError {
    return new ApiCallError(`${this.route.badAnswer}: ${problem}`, status);
  }

  serverUsage(): ServerUsage | undefined {
    return this.counter.read();
  }

  async close(): Promise<void> {
    await this.endpoint.close();
  }
}
