// The typed events the engine emits: the only thing the screen, the headless printer and
// session recordings know of a run.
import type { ScorerEvent } from './scorer.ts';

export type Mode = 'full' | 'single' | 'incremental' | 'finetune';
export const MODES: readonly Mode[] = ['full', 'single', 'incremental', 'finetune'];

export interface MemoryRef {
  readonly key: string;
  /** Index of the memory's first appearance in the conversation. */
  readonly entry: number;
}

export interface FullResult {
  mode: 'full';
  model: string | null;
  memories: { key: string; max: number; failed: boolean; reason?: string }[];
  responses: { entry: number; baseline: number }[];
  matrix: number[][];
  calls: number;
  /** Present when the matrix is estimated from this many random ablations (--estimate K). */
  estimate?: number;
}

export interface SingleResult {
  mode: 'single';
  key: string;
  score: number;
  calls: number;
}

export interface IncrementalResult {
  mode: 'incremental';
  scored: { key: string; score: number; weight: number }[];
  skipped: { key: string; reason: string; failed?: true }[];
  calls: number;
}

export interface FinetuneResult {
  mode: 'finetune';
  candidates: { entry: number; divergence: number }[];
  calls: number;
}

export type RunResult = FullResult | SingleResult | IncrementalResult | FinetuneResult;

export type EngineEvent =
  | {
      type: 'run-started';
      mode: Mode;
      model: string | null;
      backend: string;
      /** The memories this run scores, in scoring order. */
      memories: MemoryRef[];
      /** Conversation indices of the responses this run scores. */
      responses: number[];
      totalCalls: number;
    }
  | { type: 'activity'; text: string }
  | { type: 'call-started'; call: number; label: string }
  | { type: 'call-done'; call: number; ok: boolean }
  | { type: 'baseline-done'; scores: number[] }
  | { type: 'row-started'; key: string; index: number }
  | { type: 'row-done'; key: string; index: number; divergences: number[]; max: number }
  | { type: 'row-failed'; key: string; index: number; reason: string }
  | { type: 'memory-scored'; key: string; score: number; weight: number }
  /**
   * --estimate: the matrix as estimated from the ablations so far (memories × responses), and
   * each memory's max. `final` on the last one, which is the run's result. The matrix is the
   * engine's live estimate, refitted in place at each update (it can be 1,000 × 5,000): copy
   * what must outlive the next update; `max` is fresh each time.
   */
  | { type: 'estimate-updated'; ablations: number; of: number; matrix: number[][]; max: number[]; final: boolean }
  | { type: 'memory-skipped'; key: string; reason: string }
  /** Relayed from the scorer: a replica set aside after a failure, or answering again. */
  | ScorerEvent
  | { type: 'run-done'; result: RunResult }
  | { type: 'run-failed'; reason: string }
  | { type: 'run-interrupted' };

export type EventListener = (event: EngineEvent) => void;
