// What the three full-matrix modes (full, search, estimate) share: every memory against every
// response, each call over the whole conversation up to its last response.
import type { AstNode, Context } from '../../context/context.ts';
import { scoredRange } from '../call-schedule.ts';
import { memoryRefs, responseEntries } from '../conversation.ts';
import type { FullResult, MemoryRef, RunResult } from '../events.ts';
import { maxAboveNoise, raisedThreshold } from '../noise-floor.ts';
import type { EntryRange } from '../../scoring/prompt.ts';

export interface FullShape {
  readonly entries: readonly AstNode[];
  readonly memories: MemoryRef[];
  readonly responses: number[];
  /** The range every call's prompt covers (a search cuts some calls shorter). */
  readonly range: EntryRange;
  /** No memory or no response: nothing to score. */
  readonly nothing: boolean;
}

export function fullShape(context: Context): FullShape {
  const entries = context.sections.conversation;
  const memories = memoryRefs(context);
  const responses = responseEntries(entries);
  return { entries, memories, responses, range: scoredRange(context), nothing: memories.length === 0 || responses.length === 0 };
}

/** The prompt ranges of a full-matrix mode: the one range they all share. */
export function fullPromptRanges(context: Context): EntryRange[] {
  return [scoredRange(context)];
}

/**
 * --noise on a full-matrix result: each response's floor, each memory's max above the noise; a search says where the floor raised
 * its threshold above T (the highest of the responses' thresholds, NOISE_FACTOR × floor).
 */
export function fullWithNoise(result: RunResult, floorOf: (entry: number) => number): RunResult {
  if (result.mode !== 'full') return result;
  const responses = result.responses.map((r) => ({ ...r, noise: floorOf(r.entry) }));
  // A memory's max is its largest divergence above the noise; the matrix keeps what was measured.
  const floors = responses.map((r) => r.noise);
  const memories = result.memories.map((m, i) => (m.failed ? m : { ...m, max: maxAboveNoise(result.matrix[i]!, floors) }));
  if (result.search === undefined) return { ...result, memories, responses };
  const raised = raisedThreshold(result.search.threshold, floors);
  return { ...result, memories, responses, search: raised === undefined ? result.search : { ...result.search, raised } };
}

/** A full result with every cell and baseline 0: what a run with nothing to score returns, and where one that has starts. */
export function zeroFull(model: string | null, memories: readonly MemoryRef[], responses: readonly number[]): FullResult {
  return {
    mode: 'full',
    model,
    memories: memories.map(({ key }) => ({ key, max: 0, failed: false })),
    responses: responses.map((entry) => ({ entry, baseline: 0 })),
    matrix: memories.map(() => responses.map(() => 0)),
    calls: 0,
  };
}
