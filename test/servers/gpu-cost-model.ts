// The cost model of test/servers/gpu-sim.ts: how a GPU inference server spends its time on
// prompts, as vLLM's and SGLang's schedulers do, without a GPU.
//
// - Work is done in steps. A step takes at most `tokenBudget` prompt tokens (chunked prefill: a
//   long prompt spreads over several steps) from at most `maxRunning` sequences, and lasts
//   stepOverheadMs + perTokenMs × (tokens in it).
// - Sequences already running get their next chunk first, in the order they were admitted;
//   then waiting requests are admitted first come, first served while the budget lasts. A
//   request is matched against the prefix cache when it is admitted (not when it arrives), so a
//   request admitted in the same step as the one that would seed its prefix finds nothing.
// - The prefix cache is a radix tree of blocks (`blockSize` tokens: 16 for vLLM, 1 for SGLang)
//   holding at most `cacheTokens` tokens, least recently used out first (a leaf's tail first).
//   After each step, every sequence's prefix computed so far is in the cache (both servers
//   cache a chunked prompt's chunks as they are computed); only whole blocks are cached.
// - Each request says how much of it may be read from the cache (`readLimit`): vLLM reads none
//   for a request that asks for prompt logprobs; SGLang reads up to `logprob_start_len`. At
//   least one token is always computed.
// - Generation is not modelled: a scoring call asks for at most one new token, which comes out
//   of the last prefill step.
//
// Time is virtual: the clock is the sum of the steps' durations (busy time), whatever the wall
// clock does. With `scale` > 0 each step is also slept for scale × its duration, so that the wall
// time of a client reflects the simulated GPU (scale 0.01: 100 simulated seconds in 1 s).
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { PrefixTree } from './prefix-tree.ts';

export interface GpuCostOptions {
  /** Prompt tokens per step, at most (vLLM's max_num_batched_tokens, SGLang's chunked prefill size). */
  readonly tokenBudget: number;
  /** Sequences running at once, at most (vLLM's max_num_seqs, SGLang's max_running_requests). */
  readonly maxRunning: number;
  /** Fixed cost of a step, ms (scheduling, launch, sampling). */
  readonly stepOverheadMs: number;
  /** Cost of one prompt token in a step, ms. */
  readonly perTokenMs: number;
  /** Prefix cache capacity, tokens. */
  readonly cacheTokens: number;
  /** Cache granularity, tokens. */
  readonly blockSize: number;
  /** Wall ms slept per simulated ms (0: virtual time only). */
  readonly scale: number;
  /** Wall ms an idle server waits after a request arrives before its first step, gathering what
   *  else arrives (0: the next turn of the event loop). A busy server's queue does the same. */
  readonly admitWaitMs: number;
}

/** Roughly an 8B model on one H100 (about 40,000 prefill tokens/s, 5 ms a step), a KV cache of
 *  400,000 tokens, vLLM's default budget; a user plugs in their own figures. */
export const DEFAULT_COST: GpuCostOptions = {
  tokenBudget: 8192,
  maxRunning: 256,
  stepOverheadMs: 5,
  perTokenMs: 0.025,
  cacheTokens: 400_000,
  blockSize: 16,
  scale: 0,
  admitWaitMs: 0,
};

export interface GpuStats {
  requests: number;
  tokens_received: number;
  tokens_computed: number;
  tokens_reused: number;
  steps: number;
  /** Simulated time spent in steps, ms. */
  busy_ms: number;
  /** Simulated time from the first request to the end of the last step, ms: busy time plus the
   *  time the server had nothing to do (wall time / scale; 0 in virtual time). The CPU this
   *  process spends computing logprobs while work waits is not in it. */
  span_ms: number;
  /** Tokens held by the prefix cache now. */
  cache_tokens: number;
}

export interface Admission {
  /** Prompt tokens read from the cache. */
  readonly cached: number;
  /** Prompt tokens computed. */
  readonly computed: number;
  /** The simulated clock when the request finished, ms. */
  readonly finishedAt: number;
}

// ── the scheduler ────────────────────────────────────────────────────────────

interface Sequence {
  readonly prompt: Uint32Array;
  readonly readLimit: number;
  cached: number;
  /** Tokens of the prompt whose KV exists (cached or computed). */
  progress: number;
  readonly done: (admission: Admission) => void;
}

export class GpuSimulator {
  readonly cache: PrefixTree;
  private readonly waiting: Sequence[] = [];
  private readonly running: Sequence[] = [];
  private clock = 0;
  private looping = false;
  /** Wall time (ms) at which the server last ran out of work; undefined before the first request. */
  private idleSince: number | undefined;
  private readonly counters: GpuStats = { requests: 0, tokens_received: 0, tokens_computed: 0, tokens_reused: 0, steps: 0, busy_ms: 0, span_ms: 0, cache_tokens: 0 };

  constructor(readonly options: GpuCostOptions = DEFAULT_COST) {
    for (const [name, value] of Object.entries(options)) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number ≥ 0`);
    }
    if (options.tokenBudget < 1 || options.maxRunning < 1) throw new RangeError('the token budget and the running sequences must be at least 1');
    this.cache = new PrefixTree(options.cacheTokens, options.blockSize);
  }

  stats(): GpuStats {
    return { ...this.counters, cache_tokens: this.cache.tokens };
  }

  /** Counters to zero and, with `cache`, the prefix cache emptied (between bench runs). */
  reset(cache: boolean): void {
    Object.assign(this.counters, { requests: 0, tokens_received: 0, tokens_computed: 0, tokens_reused: 0, steps: 0, busy_ms: 0, span_ms: 0 });
    this.idleSince = undefined;
    if (cache) this.cache.clear();
  }

  /** Queues a prompt; resolves when its last prefill step is done. */
  submit(prompt: Uint32Array, readLimit: number): Promise<Admission> {
    if (prompt.length === 0) throw new RangeError('empty prompt');
    this.counters.requests++;
    this.counters.tokens_received += prompt.length;
    return new Promise((done) => {
      this.waiting.push({ prompt, readLimit, cached: 0, progress: 0, done });
      if (!this.looping) void this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.looping = true;
    const now = performance.now();
    if (this.idleSince !== undefined && this.options.scale > 0) this.counters.span_ms += (now - this.idleSince) / this.options.scale;
    // Requests sent together arrive in one turn of the event loop: let them all queue.
    if (this.options.admitWaitMs > 0) {
      await sleep(this.options.admitWaitMs);
      if (this.options.scale > 0) this.counters.span_ms += this.options.admitWaitMs / this.options.scale;
    } else {
      await nextTurn();
    }
    try {
      while (this.waiting.length > 0 || this.running.length > 0) {
        const batch = this.plan();
        const tokens = batch.reduce((n, [, take]) => n + take, 0);
        const ms = this.options.stepOverheadMs + this.options.perTokenMs * tokens;
        this.counters.steps++;
        this.counters.busy_ms += ms;
        this.counters.span_ms += ms;
        this.counters.tokens_computed += tokens;
        this.clock += ms;
        if (this.options.scale > 0) await sleep(ms * this.options.scale);
        else await nextTurn();
        for (const [seq, take] of batch) {
          seq.progress += take;
          this.cache.insert(seq.prompt, seq.progress);
          if (seq.progress === seq.prompt.length) {
            this.running.splice(this.running.indexOf(seq), 1);
            seq.done({ cached: seq.cached, computed: seq.prompt.length - seq.cached, finishedAt: this.clock });
          }
        }
      }
    } finally {
      this.looping = false;
      this.idleSince = performance.now();
    }
  }

  /** The next step: chunks of running sequences first, then admissions, within the budget. */
  private plan(): [Sequence, number][] {
    let budget = this.options.tokenBudget;
    const batch: [Sequence, number][] = [];
    for (const seq of this.running) {
      if (budget === 0) break;
      const take = Math.min(budget, seq.prompt.length - seq.progress);
      batch.push([seq, take]);
      budget -= take;
    }
    while (budget > 0 && this.waiting.length > 0 && this.running.length < this.options.maxRunning) {
      const seq = this.waiting.shift()!;
      // At least the last token is computed (its logits are the answer).
      seq.cached = this.cache.match(seq.prompt, Math.min(seq.readLimit, seq.prompt.length - 1));
      seq.progress = seq.cached;
      this.counters.tokens_reused += seq.cached;
      this.running.push(seq);
      const take = Math.min(budget, seq.prompt.length - seq.progress);
      batch.push([seq, take]);
      budget -= take;
    }
    return batch;
  }
}
