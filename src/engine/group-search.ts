// Group search (`score --search`): the full matrix's cells of at least T, each with its exact
// value, for a fraction of the matrix's cost. Memories adjacent in the context are ablated
// together: one call removes a whole group and scores every response after it. A group that
// moves no response by T is done; one that does is split in two, down to single memories, whose
// calls are the exact matrix's leave-one-out calls. A refinement call ends at the last response
// that flagged its parent: only those responses can flag it (see the README, "Group search").
//
// The maths are small pure functions; groupSearch drives them over a SearchIo the engine gives
// it (limited score calls, events), so it runs on every backend at the run's concurrency.
import { ScoringError, errorMessage } from '../core/errors.ts';
import { divergence, maxOf } from './divergence.ts';
import type { EngineEvent, FullResult, MemoryRef } from './events.ts';

/** T's default, in nats of a response's total logprob. */
export const DEFAULT_THRESHOLD = 1.0;

/** T as labels show it: "1.0", "0.25". */
export function formatThreshold(threshold: number): string {
  return Number.isInteger(threshold) ? threshold.toFixed(1) : String(threshold);
}

/** Memories first..first+count−1, in order of first appearance. */
export interface MemoryGroup {
  readonly first: number;
  readonly count: number;
}

/**
 * The first groups' size. A first-level call reaches the last response, so it costs about as
 * much as a leave-one-out call: n/size of them cost 1/size of the exact matrix. Refinement calls
 * end early and cost little, but a bigger group takes more levels to split; 8 measured best on
 * the bench's contexts (test/bench/search.ts).
 */
export function initialGroupSize(memories: number): number {
  return Math.max(1, Math.min(8, memories));
}

/** Consecutive groups of `size` memories (the last may be smaller). */
export function initialGroups(memories: number, size: number): MemoryGroup[] {
  const groups: MemoryGroup[] = [];
  for (let first = 0; first < memories; first += size) groups.push({ first, count: Math.min(size, memories - first) });
  return groups;
}

/** The two halves of a group (the first the larger); a single memory does not split. */
export function splitGroup(group: MemoryGroup): MemoryGroup[] {
  if (group.count <= 1) return [group];
  const left = Math.ceil(group.count / 2);
  return [
    { first: group.first, count: left },
    { first: group.first + left, count: group.count - left },
  ];
}

/**
 * Groups split, and refinement calls reach, at T/2, not T: a margin for models where removing
 * more memories can raise a logprob a little. The built-in model is one (a memory can compete
 * with another's continuation): splitting at T, the search missed 10 of large.json's 186 cells
 * ≥ T (cells of 1.0 to 1.7 nats); at T/2 it found them all. On a model where removing more never
 * raises a logprob, T alone is exact (splitFraction 1).
 */
export const SPLIT_FRACTION = 0.5;

/**
 * A flagged group's next calls: its halves, or each memory alone when it flags as many responses
 * as half its memories (a dense group: halving would flag both halves, and their halves…).
 */
export function childGroups(group: MemoryGroup, divergences: readonly number[], splitAt: number): MemoryGroup[] {
  let flags = 0;
  for (const d of divergences) if (d >= splitAt) flags++;
  return flags * 2 >= group.count ? singles(group) : splitGroup(group);
}

/** Every memory of a group, alone. */
export function singles(group: MemoryGroup): MemoryGroup[] {
  return Array.from({ length: group.count }, (_, k) => ({ first: group.first + k, count: 1 }));
}

/** One past the last column whose divergence is at least T; 0 when none is. */
export function flaggedReach(divergences: readonly number[], threshold: number): number {
  for (let j = divergences.length - 1; j >= 0; j--) if (divergences[j]! >= threshold) return j + 1;
  return 0;
}

/** The first column whose response comes after conversation entry `entry` (responses ascending). */
export function firstColumnAfter(responses: readonly number[], entry: number): number {
  let lo = 0;
  let hi = responses.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (responses[mid]! > entry) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Each memory's bound from a group's divergences: the largest over the responses after the
 * memory (those before it cannot see it). `entries` are the memories' first appearances,
 * ascending; a column past the divergences counts 0.
 */
export function groupBounds(divergences: readonly number[], responses: readonly number[], entries: readonly number[]): number[] {
  const suffix = new Array<number>(divergences.length + 1).fill(0);
  for (let j = divergences.length - 1; j >= 0; j--) suffix[j] = Math.max(suffix[j + 1]!, divergences[j]!);
  return entries.map((entry) => suffix[Math.min(divergences.length, firstColumnAfter(responses, entry))]!);
}

/** A row of the full width: the divergences a call reached, then zeros. */
export function paddedRow(divergences: readonly number[], width: number): number[] {
  const row = new Array<number>(width).fill(0);
  for (let j = 0; j < Math.min(width, divergences.length); j++) row[j] = divergences[j]!;
  return row;
}

/** What the search needs of the engine. */
export interface SearchIo {
  /**
   * One score call (holding a concurrency slot) over the conversation up to the end of response
   * column reach − 1, without the memories `keys` (null: the baseline); the scores of responses
   * 0..reach−1.
   */
  score(label: string, reach: number, keys: readonly string[] | null): Promise<number[]>;
  emit(event: EngineEvent): void;
  aborted(): boolean;
  /** Writes a memory's row into the AST (null: no score). */
  writeRow(key: string, row: readonly number[] | null): void;
}

export interface SearchPlan {
  readonly memories: readonly MemoryRef[];
  /** Conversation indices of the responses (the columns), ascending. */
  readonly responses: readonly number[];
  readonly threshold: number;
  readonly groupSize: number;
  /** Groups split, and refinement calls reach, at T × this (SPLIT_FRACTION by default). */
  readonly splitFraction?: number | undefined;
}

type SearchMemory = FullResult['memories'][number];

function groupLabel(memories: readonly MemoryRef[], group: MemoryGroup): string {
  const first = memories[group.first]!.key;
  if (group.count === 1) return first;
  return `group ${first} … ${memories[group.first + group.count - 1]!.key} (${group.count})`;
}

/** The search over a whole run: the full-mode result with `exact`, `bound` and `search` (the
 *  caller sets the model; `calls` counts the baseline and search.calls does not). */
export async function groupSearch(plan: SearchPlan, io: SearchIo): Promise<FullResult> {
  const { memories, responses, threshold } = plan;
  const splitAt = threshold * (plan.splitFraction ?? SPLIT_FRACTION);
  const width = responses.length;
  const entries = memories.map((m) => m.entry);
  const rows: number[][] = memories.map(() => new Array<number>(width).fill(0));
  const results: SearchMemory[] = memories.map(({ key }) => ({ key, max: 0, failed: false, exact: false, bound: 0 }));
  let calls = 0;

  io.emit({ type: 'activity', text: `search T=${formatThreshold(threshold)}: baseline` });
  let baseline: number[];
  try {
    baseline = await io.score('baseline', width, null);
  } catch (error) {
    if (io.aborted()) throw error;
    throw new ScoringError(`baseline failed: ${errorMessage(error)}`);
  }
  io.emit({ type: 'baseline-done', scores: baseline });

  const keysOf = (group: MemoryGroup) => memories.slice(group.first, group.first + group.count).map((m) => m.key);
  const entriesOf = (group: MemoryGroup) => entries.slice(group.first, group.first + group.count);

  /** A group whose memories all come after the responses it could flag: its divergences there are 0. */
  const unreachable = (group: MemoryGroup, reach: number) => firstColumnAfter(responses, entries[group.first]!) >= reach;

  const clear = (group: MemoryGroup, divergences: readonly number[], called: boolean) => {
    const bounds = groupBounds(divergences, responses, entriesOf(group));
    keysOf(group).forEach((key, k) => {
      const memory = results[group.first + k]!;
      memory.bound = bounds[k]!;
      io.writeRow(key, null);
    });
    // Uncalled, the parent's divergences say only the bounds about it.
    const max = called ? maxOf(divergences) : maxOf(bounds);
    io.emit({ type: 'group-done', first: group.first, count: group.count, max, outcome: 'cleared', called, bounds, calls: 0 });
  };

  const explore = async (group: MemoryGroup, reach: number): Promise<void> => {
    if (io.aborted()) return;
    const keys = keysOf(group);
    io.emit({ type: 'group-started', first: group.first, count: group.count, reach });
    calls++;
    let divergences: number[];
    try {
      divergences = divergence(baseline.slice(0, reach), await io.score(groupLabel(memories, group), reach, keys));
    } catch (error) {
      if (io.aborted()) return;
      const reason = errorMessage(error);
      keys.forEach((key, k) => {
        const memory = results[group.first + k]!;
        Object.assign(memory, { failed: true, reason });
        delete memory.bound;
        io.writeRow(key, null);
        io.emit({ type: 'row-failed', key, index: group.first + k, reason });
      });
      return;
    }
    const max = maxOf(divergences);
    if (group.count === 1) {
      // A single memory's call is the exact matrix's leave-one-out call, ended early.
      const row = paddedRow(divergences, width);
      const memory = results[group.first]!;
      rows[group.first] = row;
      memory.max = max;
      memory.exact = true;
      delete memory.bound;
      io.writeRow(keys[0]!, row);
      io.emit({ type: 'group-done', first: group.first, count: 1, max, outcome: 'exact', called: true, bounds: [], calls: 0 });
      io.emit({ type: 'row-done', key: keys[0]!, index: group.first, divergences: row, max, first: 0 });
      return;
    }
    const flagged = flaggedReach(divergences, splitAt);
    if (flagged === 0) return clear(group, divergences, true);
    const children = childGroups(group, divergences, splitAt);
    const called = children.filter((child) => !unreachable(child, flagged));
    io.emit({ type: 'group-done', first: group.first, count: group.count, max, outcome: 'split', called: true, bounds: [], calls: called.length });
    await Promise.all(
      children.map((child) => {
        // A half that starts after the last flagged response moved none of them; on the
        // responses after it the whole group stayed below T.
        if (!called.includes(child)) {
          clear(child, divergences, false);
          return undefined;
        }
        return explore(child, flagged);
      }),
    );
  };

  const firstGroups = initialGroups(memories.length, plan.groupSize);
  await Promise.all(
    firstGroups.map((group) => {
      if (unreachable(group, width)) {
        clear(group, [], false);
        return undefined;
      }
      return explore(group, width);
    }),
  );
  // Built afresh in the schema's key order, so a replay's parsed result prints the same JSON.
  const finalMemories: SearchMemory[] = results.map((memory, i) => {
    if (memory.failed) return { key: memory.key, max: 0, failed: true, reason: memory.reason ?? '', exact: false };
    if (memory.exact) return { key: memory.key, max: memory.max, failed: false, exact: true };
    return { key: memory.key, max: maxOf(rows[i]!), failed: false, exact: false, bound: memory.bound ?? 0 };
  });
  return {
    mode: 'full',
    model: null,
    memories: finalMemories,
    responses: responses.map((entry, j) => ({ entry, baseline: baseline[j]! })),
    matrix: rows,
    calls: calls + 1,
    search: { threshold, calls },
  };
}

/** Calls the first level makes: groups that some response comes after. */
export function firstLevelCalls(plan: Pick<SearchPlan, 'memories' | 'responses' | 'groupSize'>): number {
  return initialGroups(plan.memories.length, plan.groupSize).filter((group) => firstColumnAfter(plan.responses, plan.memories[group.first]!.entry) < plan.responses.length).length;
}
