// The scoring engine: the reference's modes over a Scorer. The core here does what every mode
// shares (score calls under one limiter, the baseline calls, events, the server's usage,
// writing scores into the AST); each mode is a module over it (modes/, listed in
// mode-table.ts). It mutates the context AST (memory_scores on assistant messages) and emits
// typed events; it knows nothing of screens.
import { isAssistant, type Context } from '../context/context.ts';
import { SCORE_THRESHOLD, divergence } from './divergence.ts';
import { ScoringError, errorMessage } from '../core/errors.ts';
import type { EngineEvent, EventListener, MemoryRef, Mode, RunResult } from './events.ts';
import { Limiter } from '../core/limiter.ts';
import { keyNumber } from '../context/memory-scores.ts';
import { scoringMode, type ModeOptions } from './mode-table.ts';
import { NO_FILTER, PromptLayout, clipRuns, type EntryRange, type Filter } from '../scoring/prompt.ts';
import { baselineFirst, tokensText } from './call-schedule.ts';
import { Interrupted, type EngineCore, type SharedBaseline, type UpTo } from './scoring-mode.ts';
import { NoiseRepeats, NOISE_FACTOR, isNoise } from './noise-floor.ts';
import { responseEntries } from './conversation.ts';
import type { Scorer, ServerUsage, Span } from '../scoring/scorer.ts';

/** The reference sends priority 5 with every scoring call. */
export const DEFAULT_PRIORITY = 5;

export interface EngineOptions {
  readonly scorer: Scorer;
  readonly model: string | null;
  readonly concurrency?: number;
  readonly priority?: number | undefined;
  readonly signal?: AbortSignal;
  /** Rows wait for the baseline's answer (default: when the scorer says its server needs it; see call-schedule.ts). */
  readonly baselineFirst?: boolean | undefined;
  /** --noise N: each baseline scored N more times over the run, for the noise floor (noise-floor.ts). */
  readonly noise?: number | undefined;
  /**
   * Once the scores are in the AST (noise removed), before run-done: what the caller does with
   * the scored context (score --write saves it). A failure here fails the run.
   */
  readonly afterScoring?: ((context: Context) => Promise<void>) | undefined;
}

const noop = () => undefined;

/** The server's own count of this run's prompt tokens (usage since the run began), when it gives one. */
function serverReport(before: ServerUsage | undefined, after: ServerUsage | undefined): { requests: number; prompt_tokens: number; cached_tokens?: number } | undefined {
  if (after === undefined) return undefined;
  const requests = after.requests - (before?.requests ?? 0);
  const prompt_tokens = after.promptTokens - (before?.promptTokens ?? 0);
  if (after.cachedTokens === undefined || (before !== undefined && before.cachedTokens === undefined)) return { requests, prompt_tokens };
  return { requests, prompt_tokens, cached_tokens: after.cachedTokens - (before?.cachedTokens ?? 0) };
}

class Core implements EngineCore {
  readonly listeners = new Set<EventListener>();
  private readonly limiter: Limiter;
  calls = 0;
  private nextCall = 0;
  /** Prompt layouts by range: every call of a full or estimate run shares one range. */
  private readonly layouts = new WeakMap<EntryRange, PromptLayout>();
  /** What the server said of the run's prompts when the run began (see serverReport). */
  private usageAtStart: ServerUsage | undefined;
  /** The run's repeats of its baselines (--noise). */
  private noise: NoiseRepeats;
  /** The run's responses and calls, as run-started said. */
  private runResponses: readonly number[] = [];
  private totalCalls = 0;
  /** A failed baseline ends the run at once: no call starts after it, calls in flight are
   *  cancelled (their retries too), and the run fails with the baseline's error. */
  private readonly stopRun = new AbortController();
  private readonly callSignal: AbortSignal;
  /** Set when a baseline failed: what the run ends with, whatever the mode does next. */
  failure: ScoringError | undefined;

  constructor(
    readonly context: Context,
    private readonly options: EngineOptions,
  ) {
    this.limiter = new Limiter(options.concurrency);
    this.callSignal = options.signal === undefined ? this.stopRun.signal : AbortSignal.any([options.signal, this.stopRun.signal]);
    this.noise = new NoiseRepeats(options.noise ?? 0);
  }

  get model(): string | null {
    return this.options.model;
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  aborted(): boolean {
    return this.options.signal?.aborted ?? false;
  }

  /** Interrupted by the user, or ended by a failed baseline: a mode then stops quietly. */
  throwIfAborted(): void {
    if (this.aborted() || this.failure !== undefined) throw new Interrupted();
  }

  slot<T>(task: () => Promise<T>, first = false): Promise<T> {
    return this.limiter.run(task, first);
  }

  /** Counts the call, reports it; the scorer checks the answer. */
  async call(label: string, range: EntryRange, filter: Filter, upTo?: UpTo, fresh?: boolean): Promise<number[]> {
    this.throwIfAborted();
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
    this.noise.callSent(this.calls);
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
        ...(fresh === true ? { fresh } : {}),
        signal: this.callSignal,
        onRetry: ({ attempt, of, delayMs, reason }) => this.emit({ type: 'call-retry', call: id, label, attempt, of, delayMs, reason }),
      });
      this.emit({ type: 'call-done', call: id, ok: true });
      return scores;
    } catch (error) {
      this.emit({ type: 'call-done', call: id, ok: false });
      this.throwIfAborted();
      throw error;
    }
  }

  // Every baseline call goes through here: the one place that knows how a baseline is scored,
  // that a failed one ends the run, and that it is repeated for the noise floor (--noise).
  async baseline(label: string, range: EntryRange, upTo?: UpTo): Promise<number[]> {
    let scores: number[];
    try {
      scores = await this.call(label, range, NO_FILTER, upTo);
    } catch (error) {
      if (error instanceof Interrupted) throw this.failure ?? error;
      this.failure ??= new ScoringError(`baseline failed: ${errorMessage(error)}; server: ${this.options.scorer.backend}`);
      this.stopRun.abort(this.failure);
      throw this.failure;
    }
    const entries = responseEntries(this.context.sections.conversation, range).slice(0, upTo?.responses);
    this.noise.baselineDone(entries, scores, this.calls, this.totalCalls, () =>
      // Ahead of the calls already queued: sent when it is due, beside other calls (another
      // batch), not after every queued call, where all the repeats would share one batch.
      this.slot(() => this.call('noise: baseline again', range, NO_FILTER, upTo, true), true),
    );
    return scores;
  }

  /**
   * On a server that batches calls and reads its prefix cache when it admits one, the other
   * calls wait at `gate` for the baseline's answer, so that each finds the shared prefix cached
   * (call-schedule.ts); elsewhere they are sent at once.
   */
  sharedBaseline(range: EntryRange, onScores: (scores: number[]) => void): SharedBaseline {
    let failed = false;
    const call = this.slot(() => this.baseline('baseline', range)).then(
      (scores) => {
        onScores(scores);
        this.emit({ type: 'baseline-done', scores });
        return scores;
      },
      (error: unknown) => {
        failed = true;
        throw error;
      },
    );
    // Settled here; the calls and the end of the run read it again.
    call.catch(() => undefined);
    const gate = (this.options.baselineFirst ?? baselineFirst(this.options.scorer)) ? call.then(noop, noop) : undefined;
    // failure is set before the calls it cancels settle; `failed` only after this chain's hops.
    return { call, gate, failed: () => failed || this.failure !== undefined };
  }

  async divergence(label: string, range: EntryRange, filter: Filter): Promise<number[]> {
    const [baseline, without] = await Promise.all([this.slot(() => this.baseline(`${label} baseline`, range)), this.slot(() => this.call(label, range, filter))]);
    this.emit({ type: 'baseline-done', scores: baseline });
    return divergence(baseline, without);
  }

  private layoutOf(range: EntryRange): PromptLayout {
    let layout = this.layouts.get(range);
    if (layout === undefined) this.layouts.set(range, (layout = new PromptLayout(this.context, range)));
    return layout;
  }

  started(mode: Mode, memories: MemoryRef[], responses: number[], totalCalls: number, threshold?: number): void {
    // Scores written to the AST then iterate in the memories' order (see memory-scores.ts).
    for (const { key } of memories) keyNumber(key);
    this.runResponses = responses;
    this.totalCalls = totalCalls;
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

  /** > 0.01 kept, anything else removed. */
  writeScores(key: string, responses: readonly number[], row: readonly number[] | null): void {
    const entries = this.context.sections.conversation;
    responses.forEach((entry, j) => {
      const node = entries[entry];
      if (node === undefined || !isAssistant(node)) return;
      const score = row?.[j] ?? 0;
      if (score > SCORE_THRESHOLD) node.memoryScores.set(key, score);
      else node.memoryScores.delete(key);
    });
  }

  get noiseRepeats(): number {
    return this.noise.repeats;
  }

  async noiseFloors(responses: readonly number[]): Promise<number[]> {
    const measured = await this.noise.floors();
    return responses.map((entry) => measured.get(entry) ?? 0);
  }

  /**
   * The noise floor of each run-started response, once every repeat has answered; the scores
   * written into the AST that are within it removed. Emits noise-floor. Nothing with --noise 0.
   */
  async finishNoise(): Promise<Map<number, number> | undefined> {
    if (this.noise.repeats === 0) return undefined;
    const byEntry = await this.noise.floors();
    const floors = this.runResponses.map((entry) => byEntry.get(entry) ?? 0);
    const entries = this.context.sections.conversation;
    this.runResponses.forEach((entry, j) => {
      const node = entries[entry];
      if (node === undefined || !isAssistant(node)) return;
      for (const [key, score] of [...node.memoryScores]) if (isNoise(score, floors[j]!)) node.memoryScores.delete(key);
    });
    this.emit({ type: 'noise-floor', repeats: this.noise.repeats, factor: NOISE_FACTOR, floors });
    return byEntry;
  }

  beginRun(): void {
    this.usageAtStart = this.options.scorer.serverUsage?.();
  }

  /** The server's count of this run's prompt tokens so far (see serverReport). */
  serverUsage(): ReturnType<typeof serverReport> {
    return serverReport(this.usageAtStart, this.options.scorer.serverUsage?.());
  }

  prefillNote(): string {
    const report = this.serverUsage();
    // Before the first answer there is nothing to say ("prefill 0 computed, 0 reused" was noise).
    if (report?.cached_tokens === undefined || report.prompt_tokens === 0) return '';
    return ` · prefill ${tokensText(report.prompt_tokens - report.cached_tokens)} computed, ${tokensText(report.cached_tokens)} reused`;
  }
}

export class ScoringEngine {
  private readonly core: Core;
  private readonly afterScoring: EngineOptions['afterScoring'];

  constructor(
    readonly context: Context,
    options: EngineOptions,
  ) {
    this.core = new Core(context, options);
    this.afterScoring = options.afterScoring;
    options.scorer.subscribe?.((event) => this.core.emit(event));
  }

  subscribe(listener: EventListener): () => void {
    this.core.listeners.add(listener);
    return () => this.core.listeners.delete(listener);
  }

  async run(options: ModeOptions): Promise<RunResult> {
    const core = this.core;
    core.beginRun();
    try {
      const mode = scoringMode(options);
      const scored = await mode.run(core);
      // A mode may have stopped quietly on the failed baseline's cancellation.
      if (core.failure !== undefined) throw core.failure;
      const floors = await core.finishNoise();
      // The repeats sent last count among the run's calls.
      const result = floors === undefined ? scored : { ...mode.withNoise(scored, (entry) => floors.get(entry) ?? 0, this.context), calls: core.calls };
      await this.afterScoring?.(this.context);
      const server = core.serverUsage();
      core.emit(server === undefined ? { type: 'run-done', result } : { type: 'run-done', result, server });
      return result;
    } catch (thrown) {
      const error = core.failure ?? thrown;
      if (core.failure === undefined && (error instanceof Interrupted || core.aborted())) {
        core.emit({ type: 'run-interrupted' });
        throw new ScoringError('interrupted');
      }
      const reason = errorMessage(error);
      core.emit({ type: 'run-failed', reason });
      throw error instanceof ScoringError ? error : new ScoringError(reason);
    }
  }
}
