// The contract between the engine core (engine.ts) and a scoring mode (modes/, listed in
// mode-table.ts). A mode is the algorithm: which calls, in what order, and the result it
// builds. The core owns everything the modes share: score calls under one limiter, the baseline
// calls, events, the server's usage, and writing scores into the AST.
import type { Context } from '../context/context.ts';
import type { EngineEvent, MemoryRef, Mode, RunResult } from './events.ts';
import type { EntryRange, Filter } from '../scoring/prompt.ts';

export interface ScoringMode {
  /**
   * The conversation ranges its prompts cover, known before any call: each prompt is the fixed
   * sections plus one of these ranges, less what the call filters out or cuts off. The
   * context-length check (run/longest-prompt.ts) measures these.
   */
  promptRanges(context: Context): EntryRange[];
  run(core: EngineCore): Promise<RunResult>;
  /**
   * --noise: the result with the noise floor of what it reports (`floorOf`: a response's floor,
   * by conversation entry), once every repeat has answered. Each mode knows what its numbers sum
   * or take the largest of.
   */
  withNoise(result: RunResult, floorOf: (entry: number) => number, context: Context): RunResult;
}

/** A prompt that ends with conversation entry `entry`, whose first `responses` responses it scores. */
export interface UpTo {
  readonly entry: number;
  readonly responses: number;
}

/** A run's baseline call, sent first in a slot of its own (see EngineCore.sharedBaseline). */
export interface SharedBaseline {
  /** Its scores; rejects with "baseline failed: …" (or Interrupted). */
  readonly call: Promise<number[]>;
  /** What the other calls wait for before they are sent; undefined: they are sent at once. */
  readonly gate: Promise<void> | undefined;
  /** True once it has failed (the run then ends with its error). */
  failed(): boolean;
}

/** What a call throws once the run is interrupted (a mode then stops quietly). */
export class Interrupted extends Error {}

export interface EngineCore {
  readonly context: Context;
  readonly model: string | null;
  /** Score calls sent by this engine so far: what a result's `calls` says. */
  readonly calls: number;
  emit(event: EngineEvent): void;
  /** Emits run-started: the run's rows, columns and calls (and a search's threshold). */
  started(mode: Mode, memories: MemoryRef[], responses: number[], totalCalls: number, threshold?: number): void;
  aborted(): boolean;
  /** Throws Interrupted when the run was interrupted: a mode's last step before its result. */
  throwIfAborted(): void;
  /** Runs `task` in a concurrency slot (at most the engine's concurrency at once). */
  slot<T>(task: () => Promise<T>): Promise<T>;
  /** One ablated score call; the caller holds a slot. */
  call(label: string, range: EntryRange, filter: Filter, upTo?: UpTo): Promise<number[]>;
  /** One baseline score call (nothing filtered out); the caller holds a slot. */
  baseline(label: string, range: EntryRange, upTo?: UpTo): Promise<number[]>;
  /**
   * The baseline of a run whose every call shares `range` (full, estimate), started now in a
   * slot of its own; `onScores` sees its scores before baseline-done is emitted.
   */
  sharedBaseline(range: EntryRange, onScores: (scores: number[]) => void): SharedBaseline;
  /** Baseline and ablated prompt over one range, each in a slot: the reference's score_divergence. */
  divergence(label: string, range: EntryRange, filter: Filter): Promise<number[]>;
  /** Writes one memory's row into the live AST (null: no score). */
  writeScores(key: string, responses: readonly number[], row: readonly number[] | null): void;
  /** --noise N: the baseline's repeats (0: no noise floor is measured). */
  readonly noiseRepeats: number;
  /**
   * --noise: the noise floor of each of these responses (conversation entries), once the repeats
   * registered so far have answered (those not yet due are sent now).
   */
  noiseFloors(responses: readonly number[]): Promise<number[]>;
  /** " · prefill N computed, M reused" so far this run, once the backend has reported some, else "". */
  prefillNote(): string;
}
