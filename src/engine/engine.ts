// The scoring engine: the reference's four modes over a Scorer. It mutates the context AST
// (memory_scores on assistant messages) and emits typed events; it knows nothing of screens.
import { AblationSurrogate, ablationMasks, anchoredMasks } from './ablation-estimate.ts';
import { firstMemoryEntries, firstMemoryEntry, isAssistant, responseSpanLength, type AstNode, type Context, type MessageBranch, tokenCount } from '../context/context.ts';
import { SCORE_THRESHOLD, divergence, ewma, maxOf, sum } from './divergence.ts';
import { ScoringError, errorMessage } from '../core/errors.ts';
import type {
  EngineEvent,
  EventListener,
  FinetuneResult,
  FullResult,
  IncrementalResult,
  MemoryRef,
  Mode,
  RunResult,
  SingleResult,
} from './events.ts';
import { groupSearch, firstLevelCalls, initialGroupSize } from './group-search.ts';
import { Limiter } from '../core/limiter.ts';
import { keyNumber } from '../context/memory-scores.ts';
import { NO_FILTER, PromptLayout, clipRuns, type EntryRange, type Filter } from '../scoring/prompt.ts';
import { baselineFirst, finetuneRange, scoredRange, tokensText } from './call-schedule.ts';
import type { Scorer, ServerUsage, Span } from '../scoring/scorer.ts';
import type { WeightStore } from './weight-store.ts';

/** The reference scores a single memory over the 50 responses after it. */
export const RESPONSE_WINDOW = 50;
/** Incremental scoring only looks at memories in the first 60% of the conversation's tokens. */
export const TOKEN_CUTOFF_PERCENT = 60;
/** The weight EWMA's default smoothing: a new score moves the weight 30% of the way. */
export const DEFAULT_ALPHA = 0.3;
/** The reference sends priority 5 with every scoring call. */
export const DEFAULT_PRIORITY = 5;
/** The estimator's seed when none is given. */
export const DEFAULT_SEED = 0;

export interface EngineOptions {
  readonly scorer: Scorer;
  readonly model: string | null;
  readonly concurrency?: number;
  readonly priority?: number | undefined;
  readonly signal?: AbortSignal;
  /** Rows wait for the baseline's answer (default: when the scorer says its server needs it; see call-schedule.ts). */
  readonly baselineFirst?: boolean | undefined;
}

export type ModeOptions =
  | {
      readonly mode: 'full';
      /** Estimate the matrix from this many random ablations instead of one call per memory. */
      readonly estimate?: number | undefined;
      readonly seed?: number | undefined;
      /** Group search: the cells of at least `threshold`, exactly (see group-search.ts). */
      readonly search?: { readonly threshold: number; readonly groupSize?: number | undefined; readonly splitFraction?: number | undefined } | undefined;
      /** Which keep-masks: anchored (the default: half of them keep a prefix, which a prefix
       *  cache serves) or random half-masks; see ablation-estimate.ts. */
      readonly masks?: 'random' | 'anchored' | undefined;
    }
  | { readonly mode: 'single'; readonly key: string }
  | {
      readonly mode: 'incremental';
      readonly store: WeightStore;
      readonly maxAgeSeconds: number;
      readonly window: number;
      readonly alpha: number;
      /** Unix seconds; the clock by default. */
      readonly now?: number;
    }
  | { readonly mode: 'finetune'; readonly count: number };

/** Unique memory keys in order of first appearance (the reference's dedup only drops adjacent
 *  repeats), as turns or as parts of messages (see firstMemoryEntries). */
export function memoryRefs(context: Context): MemoryRef[] {
  return firstMemoryEntries(context);
}

export function responseEntries(entries: readonly AstNode[], range: EntryRange = { start: 0, end: entries.length }): number[] {
  const out: number[] = [];
  for (let i = range.start; i < range.end; i++) if (isAssistant(entries[i]!)) out.push(i);
  return out;
}

/** The estimator's surrogate for a conversation: each response sees only the memories before it. */
export function conversationSurrogate(entries: readonly AstNode[], memories: readonly MemoryRef[], responses: readonly number[]): AblationSurrogate {
  // Memories are in order of first appearance, so those before a response are a prefix (a
  // response is never a memory's entry, except entry 0 for memories of the fixed sections).
  let before = 0;
  return new AblationSurrogate({
    memories: memories.length,
    responseLengths: responses.map((entry) => responseSpanLength(entries[entry] as MessageBranch)),
    visibleMemories: responses.map((entry) => {
      while (before < memories.length && memories[before]!.entry <= entry) before++;
      return before;
    }),
  });
}

/** The end of the range from `start` that holds n assistant responses (or the conversation's end). */
export function nthResponseEnd(entries: readonly AstNode[], start: number, n: number): number {
  let count = 0;
  for (let i = start; i < entries.length; i++) {
    if (isAssistant(entries[i]!) && ++count >= n) return i + 1;
  }
  return entries.length;
}

class Interrupted extends Error {}

const noop = () => undefined;

/** The server's own count of this run's prompt tokens (usage since the run began), when it gives one. */
function serverReport(before: ServerUsage | undefined, after: ServerUsage | undefined): { requests: number; prompt_tokens: number; cached_tokens?: number } | undefined {
  if (after === undefined) return undefined;
  const requests = after.requests - (before?.requests ?? 0);
  const prompt_tokens = after.promptTokens - (before?.promptTokens ?? 0);
  if (after.cachedTokens === undefined || (before !== undefined && before.cachedTokens === undefined)) return { requests, prompt_tokens };
  return { requests, prompt_tokens, cached_tokens: after.cachedTokens - (before?.cachedTokens ?? 0) };
}

export class ScoringEngine {
  private readonly listeners = new Set<EventListener>();
  private readonly limiter: Limiter;
  private calls = 0;
  private nextCall = 0;
  /** Prompt layouts by range: every call of a full or estimate run shares one range. */
  private readonly layouts = new WeakMap<EntryRange, PromptLayout>();

  constructor(
    readonly context: Context,
    private readonly options: EngineOptions,
  ) {
    this.limiter = new Limiter(options.concurrency ?? 1);
    options.scorer.subscribe?.((event) => this.emit(event));
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  /**
   * One score call: counts it, reports it; the scorer checks the answer. Callers hold a limiter
   * slot. `upTo`: the prompt ends with that entry (its responses are the range's first ones).
   */
  private async request(label: string, range: EntryRange, filter: Filter, upTo?: { entry: number; responses: number }): Promise<number[]> {
    if (this.signal?.aborted) throw new Interrupted();
    const layout = this.layoutOf(range);
    const runs = upTo === undefined ? layout.runs(filter) : clipRuns(layout.runs(filter), layout.entryEnd(upTo.entry));
    const source = { base: layout.full, runs };
    // Built on first read: a /score client sends the runs' bytes and needs neither.
    let prompt: Uint32Array | undefined;
    let spans: Span[] | undefined;
    const expected = upTo?.responses ?? layout.responses;
    const id = this.nextCall++;
    this.calls++;
    this.emit({ type: 'call-started', call: id, label });
    try {
      const scores = await this.options.scorer.score({
        get prompt() {
          return (prompt ??= layout.fromRuns(runs));
        },
        source,
        expected,
        get spans() {
          return (spans ??= upTo === undefined ? layout.spans(filter) : layout.spans(filter).slice(0, upTo.responses));
        },
        priority: this.options.priority,
        signal: this.signal,
        onRetry: ({ attempt, delayMs, reason }) => this.emit({ type: 'call-retry', call: id, label, attempt, delayMs, reason }),
      });
      this.emit({ type: 'call-done', call: id, ok: true });
      return scores;
    } catch (error) {
      this.emit({ type: 'call-done', call: id, ok: false });
      if (this.signal?.aborted) throw new Interrupted();
      throw error;
    }
  }

  /**
   * The baseline call of a full or estimate run, sent first. On a server that batches calls and
   * reads its prefix cache when it admits one, the other calls wait at `gate` for its answer, so
   * that each finds the shared prefix cached (call-schedule.ts); elsewhere `gate` is undefined and
   * they are sent at once. `failed()` turns true when it fails (the run then ends with its error).
   */
  private startBaseline(range: EntryRange, onScores: (scores: number[]) => void): { call: Promise<number[]>; gate: Promise<void> | undefined; failed: () => boolean } {
    let failed = false;
    const call = this.limited('baseline', range, NO_FILTER).then(
      (scores) => {
        onScores(scores);
        this.emit({ type: 'baseline-done', scores });
        return scores;
      },
      (error: unknown) => {
        failed = true;
        throw error instanceof Interrupted ? error : new ScoringError(`baseline failed: ${errorMessage(error)}`);
      },
    );
    // Settled here; the calls and the end of the run read it again.
    call.catch(() => undefined);
    const gate = (this.options.baselineFirst ?? baselineFirst(this.options.scorer)) ? call.then(noop, noop) : undefined;
    return { call, gate, failed: () => failed };
  }

  private layoutOf(range: EntryRange): PromptLayout {
    let layout = this.layouts.get(range);
    if (layout === undefined) this.layouts.set(range, (layout = new PromptLayout(this.context, range)));
    return layout;
  }

  private limited(label: string, range: EntryRange, filter: Filter): Promise<number[]> {
    return this.limiter.run(() => this.request(label, range, filter));
  }

  /** Baseline and ablated prompt over one range: the reference's score_divergence. */
  private async scoreDivergence(label: string, range: EntryRange, filter: Filter): Promise<number[]> {
    const [baseline, without] = await Promise.all([this.limited(`${label} baseline`, range, NO_FILTER), this.limited(label, range, filter)]);
    this.emit({ type: 'baseline-done', scores: baseline });
    return divergence(baseline, without);
  }

  /** What the server said of the run's prompts when the run began (see serverReport). */
  private usageAtStart: ServerUsage | undefined;

  /** " · prefill N computed, M reused" so far this run, once the backend has reported some, else "". */
  private prefillNote(): string {
    const report = serverReport(this.usageAtStart, this.options.scorer.serverUsage?.());
    // Before the first answer there is nothing to say ("prefill 0 computed, 0 reused" was noise).
    if (report?.cached_tokens === undefined || report.prompt_tokens === 0) return '';
    return ` · prefill ${tokensText(report.prompt_tokens - report.cached_tokens)} computed, ${tokensText(report.cached_tokens)} reused`;
  }

  async run(options: ModeOptions): Promise<RunResult> {
    this.usageAtStart = this.options.scorer.serverUsage?.();
    try {
      const result = await this.runMode(options);
      const server = serverReport(this.usageAtStart, this.options.scorer.serverUsage?.());
      this.emit(server === undefined ? { type: 'run-done', result } : { type: 'run-done', result, server });
      return result;
    } catch (error) {
      if (error instanceof Interrupted || this.signal?.aborted) {
        this.emit({ type: 'run-interrupted' });
        throw new ScoringError('interrupted');
      }
      const reason = errorMessage(error);
      this.emit({ type: 'run-failed', reason });
      throw error instanceof ScoringError ? error : new ScoringError(reason);
    }
  }

  private runMode(options: ModeOptions): Promise<RunResult> {
    switch (options.mode) {
      case 'full':
        if (options.search !== undefined) return this.searched(options.search);
        return options.estimate === undefined ? this.full() : this.estimated(options.estimate, options.seed ?? DEFAULT_SEED, options.masks);
      case 'single':
        return this.single(options.key);
      case 'incremental':
        return this.incremental(options);
      case 'finetune':
        return this.finetune(options.count);
    }
  }

  private started(mode: Mode, memories: MemoryRef[], responses: number[], totalCalls: number, threshold?: number): void {
    // Scores written to the AST then iterate in the memories' order (see memory-scores.ts).
    for (const { key } of memories) keyNumber(key);
    this.emit({
      type: 'run-started',
      mode,
      model: this.options.model,
      backend: this.options.scorer.backend,
      memories,
      responses,
      totalCalls,
      ...(threshold === undefined ? {} : { search: { threshold } }),
    });
  }

  // ── full matrix ─────────────────────────────────────────────
  /** The rows and columns of a full-matrix run (exact, searched or estimated), and whether there is anything to score. */
  private fullShape(): { entries: readonly AstNode[]; memories: MemoryRef[]; responses: number[]; nothing: boolean } {
    const entries = this.context.sections.conversation;
    const memories = memoryRefs(this.context);
    const responses = responseEntries(entries);
    return { entries, memories, responses, nothing: memories.length === 0 || responses.length === 0 };
  }

  /** A full result with every cell and baseline 0: what a run with nothing to score returns, and where one that has starts. */
  private zeroFull(memories: readonly MemoryRef[], responses: readonly number[]): FullResult {
    return {
      mode: 'full',
      model: this.options.model,
      memories: memories.map(({ key }) => ({ key, max: 0, failed: false })),
      responses: responses.map((entry) => ({ entry, baseline: 0 })),
      matrix: memories.map(() => responses.map(() => 0)),
      calls: 0,
    };
  }

  private async full(): Promise<FullResult> {
    const { memories, responses, nothing } = this.fullShape();
    this.started('full', memories, responses, nothing ? 0 : memories.length + 1);
    // Each row is replaced when its call ends (a failed one by zeros).
    const result = this.zeroFull(memories, responses);
    if (nothing) return result;

    const range = scoredRange(this.context);
    this.emit({ type: 'activity', text: 'scoring: baseline' });
    // Each row waits for the baseline only to compute its divergences (and, on a batching
    // server, before it is sent: see startBaseline).
    const baseline = this.startBaseline(range, (scores) => scores.forEach((score, j) => (result.responses[j]!.baseline = score)));

    const total = memories.length;
    await Promise.all(
      memories.map(async ({ key }, index) => {
        if (baseline.gate !== undefined) await baseline.gate;
        return this.limiter.run(async () => {
          if (this.signal?.aborted || baseline.failed()) return;
          this.emit({ type: 'activity', text: `scoring: ${index + 1}/${total} ${key}${this.prefillNote()}` });
          this.emit({ type: 'row-started', key, index });
          let without: number[];
          try {
            without = await this.request(key, range, { kind: 'skip-key', key });
          } catch (error) {
            if (error instanceof Interrupted || baseline.failed()) return;
            const reason = errorMessage(error);
            Object.assign(result.memories[index]!, { failed: true, reason });
            result.matrix[index] = responses.map(() => 0);
            this.writeScores(key, responses, null);
            this.emit({ type: 'row-failed', key, index, reason });
            return;
          }
          let baselineScores: number[];
          try {
            baselineScores = await baseline.call;
          } catch {
            return;
          }
          const row = divergence(baselineScores, without);
          result.matrix[index] = row;
          result.memories[index]!.max = maxOf(row);
          this.writeScores(key, responses, row);
          this.emit({ type: 'row-done', key, index, divergences: row, max: result.memories[index]!.max, first: 0 });
        });
      }),
    );
    await baseline.call;
    if (this.signal?.aborted) throw new Interrupted();
    result.calls = this.calls;
    return result;
  }

  // ── group search (--search) ─────────────────────────────────
  private async searched({ threshold, groupSize, splitFraction }: NonNullable<Extract<ModeOptions, { mode: 'full' }>['search']>): Promise<FullResult> {
    const { memories, responses, nothing } = this.fullShape();
    const plan = { memories, responses, threshold, groupSize: groupSize ?? initialGroupSize(memories.length), splitFraction };
    this.started('full', memories, responses, nothing ? 0 : 1 + firstLevelCalls(plan), threshold);
    if (nothing) {
      const memoriesOut = memories.map(({ key }) => ({ key, max: 0, failed: false, exact: false, bound: 0 }));
      return { ...this.zeroFull(memories, responses), memories: memoriesOut, search: { threshold, calls: 0 } };
    }
    const range = scoredRange(this.context);
    const result = await groupSearch(plan, {
      // Every call shares the full range's layout and is cut after its last response.
      score: (label, reach, keys) => {
        const filter: Filter = keys === null ? NO_FILTER : keys.length === 1 ? { kind: 'skip-key', key: keys[0]! } : { kind: 'skip-keys', keys: new Set(keys) };
        return this.limiter.run(() => this.request(label, range, filter, { entry: responses[reach - 1]!, responses: reach }));
      },
      emit: (event) => this.emit(event),
      aborted: () => this.signal?.aborted ?? false,
      writeRow: (key, row) => this.writeScores(key, responses, row),
    });
    if (this.signal?.aborted) throw new Interrupted();
    return { ...result, model: this.options.model, calls: this.calls };
  }

  // ── estimated full matrix (ContextCite-style) ──────────────
  private async estimated(count: number, seed: number, design: 'random' | 'anchored' = 'anchored'): Promise<FullResult> {
    const { entries, memories, responses, nothing } = this.fullShape();
    this.started('full', memories, responses, nothing ? 0 : count + 1);
    const result: FullResult = { ...this.zeroFull(memories, responses), estimate: count };
    if (nothing) return result;

    const surrogate = conversationSurrogate(entries, memories, responses);
    const masks = (design === 'anchored' ? anchoredMasks : ablationMasks)(memories.length, count, seed);
    const range = scoredRange(this.context);
    // One matrix, refitted in place: the live estimate that events show and the run returns.
    const matrix = surrogate.emptyMatrix();
    result.matrix = matrix;
    const publish = (ablations: number, final: boolean) => {
      this.emit({ type: 'estimate-updated', ablations, of: count, matrix, max: matrix.map(maxOf), final });
    };

    this.emit({ type: 'activity', text: 'estimating: baseline' });
    const baseline = this.startBaseline(range, (scores) => {
      scores.forEach((score, j) => (result.responses[j]!.baseline = score));
      surrogate.add(0, new Uint8Array(memories.length).fill(1), scores);
    });

    // Refits while ablations arrive, every few of them, and never taking more than a fifth of
    // the time: the screen watches the estimate settle.
    const every = Math.max(4, Math.ceil(count / 8));
    let done = 0;
    let lastFit = { end: 0, ms: 0 };
    let lastFailure = '';
    await Promise.all(
      masks.map(async (mask, s) => {
        if (baseline.gate !== undefined) await baseline.gate;
        return this.limiter.run(async () => {
          if (this.signal?.aborted || baseline.failed()) return;
          const keys = new Set(memories.filter((_, i) => mask[i] === 0).map((m) => m.key));
          this.emit({ type: 'activity', text: `estimating: ablation ${s + 1}/${count} (${keys.size} of ${memories.length} memories removed)${this.prefillNote()}` });
          let scores: number[];
          try {
            scores = await this.request(`ablation ${s + 1}`, range, { kind: 'skip-keys', keys });
          } catch (error) {
            if (error instanceof Interrupted || baseline.failed()) return;
            lastFailure = errorMessage(error);
            this.emit({ type: 'activity', text: `estimating: ablation ${s + 1} failed: ${lastFailure}` });
            return;
          }
          surrogate.add(s + 1, mask, scores);
          done++;
          const now = performance.now();
          if (done % every === 0 && done < count && now - lastFit.end >= 4 * lastFit.ms) {
            surrogate.fit(true, matrix);
            publish(done, false);
            const end = performance.now();
            lastFit = { end, ms: end - now };
          }
        });
      }),
    );
    await baseline.call;
    if (this.signal?.aborted) throw new Interrupted();
    if (done === 0) throw new ScoringError(`every ablation failed: ${lastFailure}`);

    // The final fit starts cold, so the answer depends only on the ablations, not on timing.
    surrogate.fit(false, matrix);
    memories.forEach(({ key }, i) => {
      result.memories[i]!.max = maxOf(matrix[i]!);
      this.writeScores(key, responses, matrix[i]!);
    });
    publish(done, true);
    result.calls = this.calls;
    return result;
  }

  /** Writes one memory's row into the live AST: > 0.01 kept, anything else removed. */
  private writeScores(key: string, responses: readonly number[], row: readonly number[] | null): void {
    const entries = this.context.sections.conversation;
    responses.forEach((entry, j) => {
      const node = entries[entry];
      if (node === undefined || !isAssistant(node)) return;
      const score = row?.[j] ?? 0;
      if (score > SCORE_THRESHOLD) node.memoryScores.set(key, score);
      else node.memoryScores.delete(key);
    });
  }

  // ── single memory ───────────────────────────────────────────
  private async single(key: string): Promise<SingleResult> {
    const entries = this.context.sections.conversation;
    const first = firstMemoryEntry(this.context, key);
    const range = first === -1 ? undefined : { start: first, end: nthResponseEnd(entries, first, RESPONSE_WINDOW) };
    const responses = range ? responseEntries(entries, range) : [];
    const memories = first === -1 ? [] : [{ key, entry: first }];
    this.started('single', memories, responses, responses.length > 0 ? 2 : 0);
    if (first === -1) {
      this.emit({ type: 'memory-skipped', key, reason: 'not in the conversation' });
      return { mode: 'single', key, score: 0, calls: 0 };
    }
    if (responses.length === 0) {
      this.emit({ type: 'memory-skipped', key, reason: 'no assistant response follows it' });
      return { mode: 'single', key, score: 0, calls: 0 };
    }
    this.emit({ type: 'activity', text: `scoring: 1/1 ${key}` });
    this.emit({ type: 'row-started', key, index: 0 });
    const divs = await this.scoreDivergence(key, range!, { kind: 'skip-key', key });
    this.emit({ type: 'row-done', key, index: 0, divergences: divs, max: maxOf(divs), first: 0 });
    return { mode: 'single', key, score: sum(divs), calls: this.calls };
  }

  // ── incremental background scoring ─────────────────────────
  private async incremental(options: Extract<ModeOptions, { mode: 'incremental' }>): Promise<IncrementalResult> {
    const entries = this.context.sections.conversation;
    const now = options.now ?? Math.floor(Date.now() / 1000);
    const result: IncrementalResult = { mode: 'incremental', scored: [], skipped: [], calls: 0 };
    const skip = (key: string, reason: string) => {
      result.skipped.push({ key, reason });
      this.emit({ type: 'memory-skipped', key, reason });
    };

    const fresh: { key: string; reason: string }[] = [];
    const candidates: (MemoryRef & { last: number })[] = [];
    for (const ref of memoryRefs(this.context)) {
      const last = options.store.get(ref.key)?.last_scored ?? 0;
      const age = now - last;
      if (age >= options.maxAgeSeconds) candidates.push({ ...ref, last });
      else fresh.push({ key: ref.key, reason: `scored ${age}s ago, within --max-age ${options.maxAgeSeconds}s` });
    }
    // Oldest first; Array.prototype.sort is stable, so ties keep conversation order.
    candidates.sort((a, b) => a.last - b.last);

    const totalTokens = entries.reduce((n, node) => n + tokenCount(node), 0);
    const cutoff = Math.floor((totalTokens * TOKEN_CUTOFF_PERCENT) / 100);
    const cumulative: number[] = [];
    let running = 0;
    for (const node of entries) cumulative.push((running += tokenCount(node)));

    const allResponses = responseEntries(entries);
    const eligible: { key: string; entry: number; range: EntryRange; first: number }[] = [];
    const late: { key: string; reason: string }[] = [];
    for (const { key, entry } of candidates) {
      const cum = cumulative[entry] ?? totalTokens;
      if (cum > cutoff) {
        late.push({ key, reason: `past the first ${TOKEN_CUTOFF_PERCENT}% of the conversation (tokens ${cum} > ${cutoff})` });
        continue;
      }
      const range = { start: entry, end: nthResponseEnd(entries, entry, options.window) };
      if (responseEntries(entries, range).length === 0) {
        late.push({ key, reason: `no assistant response in entries ${range.start}..${range.end}` });
        continue;
      }
      eligible.push({ key, entry, range, first: allResponses.findIndex((e) => e >= range.start) });
    }

    this.started(
      'incremental',
      eligible.map(({ key, entry }) => ({ key, entry })),
      allResponses,
      eligible.length * 2,
    );
    for (const { key, reason } of [...fresh, ...late]) skip(key, reason);

    const total = candidates.length;
    let started = 0;
    await Promise.all(
      eligible.map(({ key, range, first }, index) =>
        this.limiter.run(async () => {
          if (this.signal?.aborted) return;
          this.emit({ type: 'activity', text: `scoring: ${++started}/${total} ${key}` });
          this.emit({ type: 'row-started', key, index });
          let divs: number[];
          let baseline: number[];
          try {
            // Inside one slot the two calls go one after the other, as in the reference.
            baseline = await this.request(`${key} baseline`, range, NO_FILTER);
            divs = divergence(baseline, await this.request(key, range, { kind: 'skip-key', key }));
          } catch (error) {
            if (error instanceof Interrupted) return;
            const reason = errorMessage(error);
            result.skipped.push({ key, reason: `failed: ${reason}`, failed: true });
            this.emit({ type: 'row-failed', key, index, reason });
            return;
          }
          const score = maxOf(divs);
          const weight = ewma(options.store.get(key)?.weight, score, options.alpha);
          await options.store.set(key, { weight, last_scored: now });
          result.scored.push({ key, score, weight });
          this.emit({ type: 'row-done', key, index, divergences: divs, max: score, first, baseline });
          this.emit({ type: 'memory-scored', key, score, weight });
        }),
      ),
    );
    if (this.signal?.aborted) throw new Interrupted();
    result.calls = this.calls;
    return result;
  }

  // ── fine-tune candidates ────────────────────────────────────
  private async finetune(count: number): Promise<FinetuneResult> {
    const entries = this.context.sections.conversation;
    const range = finetuneRange(entries, count);
    const responses = responseEntries(entries, range);
    this.started('finetune', [], responses, responses.length > 0 ? 2 : 0);
    if (responses.length === 0) return { mode: 'finetune', candidates: [], calls: 0 };
    this.emit({ type: 'activity', text: `scoring: last ${count} entries without memories` });
    const divs = await this.scoreDivergence('all memories', range, { kind: 'skip-all-memories' });
    const candidates = responses.map((entry, i) => ({ entry, divergence: divs[i] ?? 0 }));
    candidates.sort((a, b) => b.divergence - a.divergence);
    return { mode: 'finetune', candidates, calls: this.calls };
  }
}
