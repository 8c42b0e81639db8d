// Retries around any Scorer: transient failures (refused, reset, timed out, 408/429/502/503/504)
// are tried again with backoff; everything else fails at once. With replicas, each try goes
// wherever the inner scorer sends it.
import { setTimeout as sleep } from 'node:timers/promises';
import { RETRY_AFTER_CAP_MS, backoffDelay } from './retry-policy.ts';
import { ApiCallError } from './json-endpoint.ts';
import type { ScoreCall, Scorer, ScorerEvent, ServerUsage } from './scorer.ts';

export interface RetryOptions {
  readonly retries: number;
  /** The first backoff delay; each later one doubles. */
  readonly baseDelayMs: number;
  readonly random?: () => number;
}

export class RetryingScorer implements Scorer {
  constructor(
    private readonly inner: Scorer,
    private readonly options: RetryOptions,
  ) {}

  get backend(): string {
    return this.inner.backend;
  }

  get batchedPrefixCache(): boolean | undefined {
    return this.inner.batchedPrefixCache;
  }

  async score(call: ScoreCall): Promise<number[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.inner.score(call);
      } catch (error) {
        if (call.signal?.aborted || !(error instanceof ApiCallError) || !error.transient) throw error;
        const tries = attempt === 1 ? '' : ` (after ${attempt} tries)`;
        if (attempt > this.options.retries) throw new ApiCallError(`${error.message}${tries}`, error.status, true);
        if (error.retryAfterMs !== undefined && error.retryAfterMs > RETRY_AFTER_CAP_MS) {
          throw new ApiCallError(`${error.message} (server asks to retry after ${Math.round(error.retryAfterMs / 1000)}s)`, error.status, true);
        }
        const delayMs = error.retryAfterMs ?? backoffDelay(attempt, this.options.random, this.options.baseDelayMs);
        call.onRetry?.({ attempt, of: this.options.retries, delayMs, reason: error.message });
        await sleep(delayMs, undefined, { signal: call.signal });
      }
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  serverUsage(): ServerUsage | undefined {
    return this.inner.serverUsage?.();
  }

  /** Replica events of the scorer inside. */
  subscribe(listener: (event: ScorerEvent) => void): () => void {
    return this.inner.subscribe?.(listener) ?? (() => {});
  }
}
