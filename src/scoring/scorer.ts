// The seam between the engine and whatever computes logprobs: the built-in model in-process,
// or a server over HTTP. One call scores one prompt and returns the total logprob of every
// assistant response in it, in order.

/** Positions [start, end) of one response in a prompt: its content and end-of-turn token. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** 1 at every position inside a span, 0 elsewhere: the positions whose logprob is wanted. */
export function spanMask(length: number, spans: readonly Span[]): Uint8Array {
  const mask = new Uint8Array(length);
  for (const { start, end } of spans) mask.fill(1, start, end);
  return mask;
}

/** The total logprob of each span, summed in token order; `logprobs[i]` is set wherever a span is. */
export function spanTotals(logprobs: Float64Array, spans: readonly Span[]): number[] {
  return spans.map(({ start, end }) => {
    let total = 0;
    for (let i = start; i < end; i++) total += logprobs[i]!;
    return total;
  });
}

export interface ScoreCall {
  /** Built fresh for each call and never changed afterwards: a scorer may keep it (the built-in
   *  one keeps recent prompts for prefix reuse). The engine builds it on first read, so a scorer
   *  that can work from `source` should not read it. */
  readonly prompt: Uint32Array;
  /**
   * Where the prompt comes from, when the engine knows: prompt = base[runs[0]..runs[1]) +
   * base[runs[2]..runs[3]) + …, base being shared by the run's calls. A client may use it to
   * copy what it already encoded for the base.
   */
  readonly source?: { readonly base: Uint32Array; readonly runs: Int32Array } | undefined;
  /** How many assistant responses the prompt holds: an answer with another count is wrong. */
  readonly expected: number;
  /** Where each response lies in the prompt, from the AST (see responseSpanLength). Backends that
   *  get per-token logprobs sum over these; backends that score whole responses ignore them. */
  readonly spans?: readonly Span[] | undefined;
  readonly priority?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Told before each retry of a transient failure. */
  readonly onRetry?: ((retry: RetryInfo) => void) | undefined;
}

export interface RetryInfo {
  /** 1 for the first retry. */
  readonly attempt: number;
  /** How many retries a call gets in all. */
  readonly of: number;
  readonly delayMs: number;
  readonly reason: string;
}

/** What a scorer over several replicas reports as replicas fail and recover. */
export type ScorerEvent =
  | { type: 'replica-down'; backend: string; reason: string; retryInMs: number }
  | { type: 'replica-up'; backend: string };

export interface Scorer {
  /** "built-in" or the URL, for headers and session files (never a key). */
  readonly backend: string;
  /**
   * The server batches calls that arrive together and reads its prefix cache when it admits a
   * call (SGLang's radix cache): a call admitted in the same step as the one that would seed its
   * prefix finds nothing, so full mode sends the rows after the baseline's answer. Not for a
   * server that never reads its cache for these calls (vLLM with prompt logprobs), nor for one
   * that scores calls one at a time in arrival order (`memscope serve` reuses the baseline's
   * prefix without waiting).
   */
  readonly batchedPrefixCache?: boolean;
  score(call: ScoreCall): Promise<number[]>;
  close(): Promise<void>;
  /** Scorers with something to report (replica pools) take listeners; the engine relays them. */
  subscribe?(listener: (event: ScorerEvent) => void): () => void;
  /** What the server said of its work so far, when it says (SGLang's cached_tokens); totals since the scorer opened. */
  serverUsage?(): ServerUsage | undefined;
}

/** Prompt tokens the server was sent and how many of them its prefix cache served. */
export interface ServerUsage {
  /** HTTP requests made (calls answered wholly from known prefixes make none). */
  readonly requests: number;
  readonly promptTokens: number;
  /** Undefined when some answer did not say. */
  readonly cachedTokens: number | undefined;
}

/** Sums what a backend's answers say of their prompts; undefined until one says something. */
export class UsageCounter {
  private requests = 0;
  private promptTokens = 0;
  private cachedTokens = 0;
  private said = false;
  private silent = false;

  /** One answer, and its usage (undefined when it had none). */
  add(promptLength: number, usage: { prompt: number; cached: number } | undefined): void {
    this.requests++;
    this.promptTokens += usage?.prompt ?? promptLength;
    if (usage === undefined) this.silent = true;
    else {
      this.said = true;
      this.cachedTokens += usage.cached;
    }
  }

  read(): ServerUsage | undefined {
    if (!this.said) return undefined;
    return { requests: this.requests, promptTokens: this.promptTokens, cachedTokens: this.silent ? undefined : this.cachedTokens };
  }
}

/** The sum of several scorers' usage (replicas), undefined when none reports any. */
export function sumUsage(usages: readonly (ServerUsage | undefined)[]): ServerUsage | undefined {
  const known = usages.filter((u): u is ServerUsage => u !== undefined);
  if (known.length === 0) return undefined;
  return {
    requests: known.reduce((n, u) => n + u.requests, 0),
    promptTokens: known.reduce((n, u) => n + u.promptTokens, 0),
    cachedTokens: known.some((u) => u.cachedTokens === undefined) ? undefined : known.reduce((n, u) => n + u.cachedTokens!, 0),
  };
}

/** Checks an answer the way every backend must: one finite, non-positive logprob per response. */
export function checkScores(scores: readonly number[], expected: number): string | undefined {
  if (scores.length !== expected) return `expected ${expected} scores (one per assistant response), got ${scores.length}`;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) return `score ${i} is not a finite number (${s})`;
    if (s > 0) return `score ${i} is a positive logprob (${s})`;
  }
  return undefined;
}
