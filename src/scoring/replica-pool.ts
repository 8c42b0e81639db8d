// Several replicas of one model (several vLLM servers, a Ray Serve deployment) behind the
// Scorer seam. Each call goes to the replica with the fewest calls outstanding. A replica whose
// call fails at the transport (refused, reset, timed out) or with a 5xx is set aside for a
// cool-down that doubles with each failure in a row (1 s, 2 s, 4 s … 30 s), and the call is
// tried on another replica. A 4xx or a malformed answer is the request's fault, not the
// replica's: it is not retried. A call tries each replica at most once; when every replica is
// set aside, the one whose cool-down ends first is tried anyway.
import { ApiCallError } from './json-endpoint.ts';
import { sumUsage, type ScoreCall, type Scorer, type ScorerEvent, type ServerUsage } from './scorer.ts';

export const DEFAULT_COOLDOWN_MS = 1000;
export const DEFAULT_MAX_COOLDOWN_MS = 30_000;

export interface ReplicaPoolOptions {
  readonly cooldownMs?: number;
  readonly maxCooldownMs?: number;
  /** The clock, in milliseconds (tests move it by hand). */
  readonly now?: () => number;
}

export interface ReplicaStatus {
  readonly backend: string;
  readonly outstanding: number;
  readonly calls: number;
  readonly failures: number;
  readonly down: boolean;
}

interface Replica {
  readonly scorer: Scorer;
  outstanding: number;
  /** Calls sent to it: breaks ties between replicas equally idle, so they take turns. */
  calls: number;
  /** Failures in a row; 0 when healthy. */
  failures: number;
  downUntil: number;
}

/** Whether a failed call is the replica's fault (try another one) rather than the request's. */
function replicaFault(error: unknown): boolean {
  if (error instanceof ApiCallError) {
    // Transport failures and timeouts are transient and the replica's; so is any 5xx.
    if (error.transient) return true;
    return error.status !== undefined && error.status >= 500;
  }
  // Anything else comes from the HTTP transport: refused, reset, closed, timed out.
  return true;
}

export class ReplicaPool implements Scorer {
  readonly backend: string;
  private readonly replicas: Replica[];
  private readonly listeners = new Set<(event: ScorerEvent) => void>();
  private readonly cooldownMs: number;
  private readonly maxCooldownMs: number;
  private readonly now: () => number;

  constructor(scorers: readonly Scorer[], options: ReplicaPoolOptions = {}) {
    if (scorers.length === 0) throw new RangeError('a replica pool needs at least one scorer');
    this.replicas = scorers.map((scorer) => ({ scorer, outstanding: 0, calls: 0, failures: 0, downUntil: 0 }));
    this.backend = scorers.map((s) => s.backend).join(', ');
    this.cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;
    this.maxCooldownMs = options.maxCooldownMs ?? DEFAULT_MAX_COOLDOWN_MS;
    this.now = options.now ?? Date.now;
  }

  subscribe(listener: (event: ScorerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every replica reads its own cache. */
  get batchedPrefixCache(): boolean {
    return this.replicas.every((r) => r.scorer.batchedPrefixCache === true);
  }

  status(): ReplicaStatus[] {
    const now = this.now();
    return this.replicas.map((r) => ({ backend: r.scorer.backend, outstanding: r.outstanding, calls: r.calls, failures: r.failures, down: now < r.downUntil }));
  }

  async score(call: ScoreCall): Promise<number[]> {
    const tried = new Set<Replica>();
    let lastError: unknown;
    for (;;) {
      const replica = this.pick(tried);
      if (replica === undefined) throw lastError;
      tried.add(replica);
      replica.outstanding++;
      replica.calls++;
      try {
        const scores = await replica.scorer.score(call);
        this.succeeded(replica);
        return scores;
      } catch (error) {
        if (call.signal?.aborted || !replicaFault(error)) throw error;
        this.failed(replica, error);
        lastError = error;
      } finally {
        replica.outstanding--;
      }
    }
  }

  /** The untried replica to call: the least busy healthy one, else the one back soonest. */
  private pick(tried: ReadonlySet<Replica>): Replica | undefined {
    const now = this.now();
    let best: Replica | undefined;
    for (const r of this.replicas) {
      if (tried.has(r) || now < r.downUntil) continue;
      if (best === undefined || r.outstanding < best.outstanding || (r.outstanding === best.outstanding && r.calls < best.calls)) best = r;
    }
    if (best !== undefined) return best;
    for (const r of this.replicas) {
      if (!tried.has(r) && (best === undefined || r.downUntil < best.downUntil)) best = r;
    }
    return best;
  }

  private succeeded(replica: Replica): void {
    if (replica.failures === 0) return;
    replica.failures = 0;
    replica.downUntil = 0;
    this.emit({ type: 'replica-up', backend: replica.scorer.backend });
  }

  private failed(replica: Replica, error: unknown): void {
    const now = this.now();
    // Calls that were in flight when it went down do not lengthen its cool-down.
    if (now < replica.downUntil) return;
    replica.failures++;
    const ms = Math.min(this.maxCooldownMs, this.cooldownMs * 2 ** (replica.failures - 1));
    replica.downUntil = now + ms;
    this.emit({ type: 'replica-down', backend: replica.scorer.backend, reason: error instanceof Error ? error.message : String(error), retryInMs: ms });
  }

  private emit(event: ScorerEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  serverUsage(): ServerUsage | undefined {
    return sumUsage(this.replicas.map((r) => r.scorer.serverUsage?.()));
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.scorer.close()));
  }
}
