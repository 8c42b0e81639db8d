// Group search (`score --search`): the full matrix's cells of at least T, each with its exact
// value, for a fraction of the matrix's cost. Memories adjacent in the context are ablated
// together: one call removes a whole group and scores every response after it. A group that
// moves no response by T is done; one that does is split (in halves, or into single memories
// when it moved many responses), down to single memories, whose calls are the exact matrix's
// leave-one-out calls. A refinement call ends at the furthest of its memories' reaches: a
// memory can flag only a response after it that every called group holding it flagged (see
// the README, "Group search").
//
// The maths are small pure functions; groupSearch drives them over a SearchIo the engine gives
// it (limited score calls, events), so it runs on every backend at the run's concurrency.
import { errorMessage } from '../core/errors.ts';
import { divergence, maxOf } from './divergence.ts';
import type { EngineEvent, FullResult, MemoryRef } from './events.ts';
import { thresholdAboveNoise } from './noise-floor.ts';

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
 * much as a leave-one-out call: n/size of them cost 1/size of the exact matrix. Bigger groups
 * cost less where few memories matter (the bench's sparse context: 14.8% of the exact matrix's
 * prefill at 12, 13.7% at 16, 18.1% at 8) but hide more where removing more can raise a logprob
 * (large.json: 1 and 2 of its 186 cells ≥ T missed at 12 and 16, none at 8 or 4).
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
 * with another's continuation): splitting at T, the search missed 7 of large.json's 186 cells
 * ≥ T (cells of 1.0 to 1.7 nats); at T/2 it found them all. On a model where removing more never
 * raises a logprob, T alone is exact (splitFraction 1).
 */
export const SPLIT_FRACTION = 0.5;

/** Every memory of a group, alone. */
export function singles(group: MemoryGroup): MemoryGroup[] {
  return Array.from({ length: group.count }, (_, k) => ({ first: group.first + k, count: 1 }));
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

/** One call to make: the group's memories removed, the prompt cut after response reach − 1. */
export interface Probe {
  readonly group: MemoryGroup;
  readonly reach: number;
}

/** Whether some response the probe reaches comes after its first memory (else it moves none). */
export function reachable(probe: Probe, responses: readonly number[], entries: readonly number[]): boolean {
  return firstColumnAfter(responses, entries[probe.group.first]!) < probe.reach;
}

/**
 * One past the last column where a memory could move a response by `splitAt` (one value, or one
 * per column): the last column its bound (`least`: per response, the least divergence a called
 * group holding it caused) reaches splitAt, if that comes at or after `after` (its first
 * response); else 0 (none can).
 */
export function memberReach(least: ArrayLike<number>, splitAt: number | ArrayLike<number>, after: number): number {
  for (let c = least.length - 1; c >= after; c--) if (least[c]! >= (typeof splitAt === 'number' ? splitAt : splitAt[c]!)) return c + 1;
  return 0;
}

/**
 * Per column, where a group splits: threshold × fraction, the threshold raised to the noise
 * limit of each response whose floor is known (`floors`: 0 where not yet measured).
 */
export function splitLevels(threshold: number, fraction: number, floors: readonly number[], width: number): number[] {
  return Array.from({ length: width }, (_, c) => thresholdAboveNoise(threshold, floors[c] ?? 0) * fraction);
}

/**
 * What follows a group's call, given each of its memories' reach (memberReach, with this call
 * counted). No memory can move a response: the group is done. Otherwise its halves, or each
 * memory alone when it moved as many responses as half its memories (a dense group: its halves
 * would be flagged too, and theirs…). A part drops the memories at its ends that can move
 * nothing, and reaches as far as the furthest of its own memories can: only those responses
 * can flag it. What is dropped is `skipped` (done without a call), in runs of adjacent memories.
 */
export function refine(group: MemoryGroup, flags: number, reaches: readonly number[]): { next: Probe[]; skipped: MemoryGroup[] } {
  const reachOf = (i: number) => reaches[i - group.first]!;
  const next: Probe[] = [];
  const skipped: MemoryGroup[] = [];
  const skip = (first: number, end: number) => {
    if (end > first) skipped.push({ first, count: end - first });
  };
  if (flags === 0 || reaches.every((r) => r === 0)) return { next, skipped: [group] };
  const parts = flags * 2 >= group.count ? singles(group) : splitGroup(group);
  for (const part of parts) {
    let first = part.first;
    let end = part.first + part.count;
    while (first < end && reachOf(first) === 0) first++;
    while (end > first && reachOf(end - 1) === 0) end--;
    skip(part.first, first);
    if (end > first) {
      let reach = 0;
      for (let i = first; i < end; i++) reach = Math.max(reach, reachOf(i));
      next.push({ group: { first, count: end - first }, reach });
    }
    skip(Math.max(first, end), part.first + part.count);
  }
  return { next, skipped };
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
  /**
   * --noise: each column's noise floor, once measured (the baseline's repeats sent now if not yet
   * due); the threshold is never below its noise limit. Absent: no floor, T alone.
   */
  floors?(): Promise<readonly number[]>;
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
export function groupSearch(plan: SearchPlan, io: SearchIo): Promise<FullResult> {
  return new GroupSearch(plan, io).run();
}

/** One search's state: the rows found, and per memory the bound its called groups give. */
class GroupSearch {
  private readonly fraction: number;
  private readonly width: number;
  /** The memories' first entries. */
  private readonly entries: number[];
  private readonly rows: number[][];
  private readonly results: SearchMemory[];
  /**
   * Per memory and response, the least divergence any called group holding the memory caused
   * there: where removing more never raises a logprob, a bound on the memory's own.
   */
  private readonly least: Float32Array[];
  private baseline: number[] = [];
  private calls = 0;
  /** The floors, asked for at the first split: every split is decided on them. */
  private floors: Promise<readonly number[]> | undefined;

  constructor(
    private readonly plan: SearchPlan,
    private readonly io: SearchIo,
  ) {
    const { memories, responses } = plan;
    this.fraction = plan.splitFraction ?? SPLIT_FRACTION;
    this.width = responses.length;
    this.entries = memories.map((m) => m.entry);
    this.rows = memories.map(() => new Array<number>(this.width).fill(0));
    this.results = memories.map(({ key }) => ({ key, max: 0, failed: false, exact: false }));
    this.least = memories.map(() => new Float32Array(this.width).fill(Infinity));
  }

  async run(): Promise<FullResult> {
    const { io, plan } = this;
    io.emit({ type: 'activity', text: `search T=${formatThreshold(plan.threshold)}: baseline` });
    // A failure here ends the run; the engine core words it ("baseline failed: …").
    this.baseline = await io.score('baseline', this.width, null);
    io.emit({ type: 'baseline-done', scores: this.baseline });
    const { called, after } = firstLevel(plan);
    // A first group after the last response moves nothing.
    for (const probe of after) this.clear(probe.group, 0, false);
    await Promise.all(called.map((probe) => this.explore(probe)));
    return this.result();
  }

  private keysOf(group: MemoryGroup): string[] {
    return this.plan.memories.slice(group.first, group.first + group.count).map((m) => m.key);
  }

  private boundOf(i: number): number {
    let bound = 0;
    const tight = this.least[i]!;
    for (let c = firstColumnAfter(this.plan.responses, this.entries[i]!); c < this.width; c++) if (tight[c]! > bound) bound = tight[c]!;
    return Number.isFinite(bound) ? bound : 0;
  }

  private clear(group: MemoryGroup, max: number, called: boolean): void {
    const bounds = this.keysOf(group).map((key, k) => {
      this.io.writeRow(key, null);
      return this.boundOf(group.first + k);
    });
    // Uncalled, what the calls of the groups holding it said: its bounds.
    this.io.emit({ type: 'group-done', first: group.first, count: group.count, max: called ? max : maxOf(bounds), outcome: 'cleared', called, bounds, calls: 0 });
  }

  private async explore({ group, reach }: Probe): Promise<void> {
    const { io } = this;
    if (io.aborted()) return;
    const keys = this.keysOf(group);
    io.emit({ type: 'group-started', first: group.first, count: group.count, reach });
    this.calls++;
    let divergences: number[];
    try {
      divergences = divergence(this.baseline.slice(0, reach), await io.score(groupLabel(this.plan.memories, group), reach, keys));
    } catch (error) {
      if (io.aborted()) return;
      this.failed(group, keys, errorMessage(error));
      return;
    }
    for (let k = 0; k < group.count; k++) {
      const tight = this.least[group.first + k]!;
      for (let c = 0; c < reach; c++) if (divergences[c]! < tight[c]!) tight[c] = divergences[c]!;
    }
    if (group.count === 1) return this.exact(group.first, keys[0]!, divergences);
    await this.split(group, divergences);
  }

  private failed(group: MemoryGroup, keys: readonly string[], reason: string): void {
    keys.forEach((key, k) => {
      const memory = this.results[group.first + k]!;
      Object.assign(memory, { failed: true, reason });
      this.io.writeRow(key, null);
      this.io.emit({ type: 'row-failed', key, index: group.first + k, reason });
    });
  }

  /** A single memory's call is the exact matrix's leave-one-out call, ended early. */
  private exact(i: number, key: string, divergences: readonly number[]): void {
    const row = paddedRow(divergences, this.width);
    this.rows[i] = row;
    this.results[i]!.exact = true;
    this.io.writeRow(key, row);
    this.io.emit({ type: 'group-done', first: i, count: 1, max: maxOf(divergences), outcome: 'exact', called: true, bounds: [], calls: 0 });
    this.io.emit({ type: 'row-done', key, index: i, divergences: row, max: maxOf(row), first: 0 });
  }

  /** A group's call said some response moved: its parts are called in turn, or it is cleared. */
  private async split(group: MemoryGroup, divergences: readonly number[]): Promise<void> {
    const { responses } = this.plan;
    const max = maxOf(divergences);
    // The noise floor raises the threshold where its limit is above T: measured before the first split.
    const floors = this.io.floors === undefined ? [] : await (this.floors ??= this.io.floors());
    if (this.io.aborted()) return;
    const splitAt = splitLevels(this.plan.threshold, this.fraction, floors, this.width);
    let flags = 0;
    divergences.forEach((d, c) => {
      if (d >= splitAt[c]!) flags++;
    });
    const reaches = Array.from({ length: group.count }, (_, k) => memberReach(this.least[group.first + k]!, splitAt, firstColumnAfter(responses, this.entries[group.first + k]!)));
    const { next, skipped } = refine(group, flags, reaches);
    if (next.length === 0) return this.clear(group, max, true);
    this.io.emit({ type: 'group-done', first: group.first, count: group.count, max, outcome: 'split', called: true, bounds: [], calls: next.length });
    // A memory whose bound reaches splitAt at no response after it moves none by its threshold.
    for (const part of skipped) this.clear(part, 0, false);
    await Promise.all(next.map((probe) => this.explore(probe)));
  }

  private result(): FullResult {
    const { results, rows, plan } = this;
    // Built afresh in the schema's key order, so a replay's parsed result prints the same JSON.
    const finalMemories: SearchMemory[] = results.map((memory, i) => {
      if (memory.failed) return { key: memory.key, max: 0, failed: true, reason: memory.reason ?? '', exact: false };
      if (memory.exact) return { key: memory.key, max: maxOf(rows[i]!), failed: false, exact: true };
      return { key: memory.key, max: 0, failed: false, exact: false, bound: this.boundOf(i) };
    });
    return {
      mode: 'full',
      model: null,
      memories: finalMemories,
      responses: plan.responses.map((entry, j) => ({ entry, baseline: this.baseline[j]! })),
      matrix: rows,
      calls: this.calls + 1,
      search: { threshold: plan.threshold, calls: this.calls },
    };
  }
}

/** The first level's groups, over every response: those some response comes after are called,
 *  the rest come after the last response and move nothing. */
function firstLevel(plan: Pick<SearchPlan, 'memories' | 'responses' | 'groupSize'>): { called: Probe[]; after: Probe[] } {
  const entries = plan.memories.map((m) => m.entry);
  const called: Probe[] = [];
  const after: Probe[] = [];
  for (const group of initialGroups(plan.memories.length, plan.groupSize)) {
    const probe = { group, reach: plan.responses.length };
    (reachable(probe, plan.responses, entries) ? called : after).push(probe);
  }
  return { called, after };
}

/** Calls the first level makes: groups that some response comes after. */
export function firstLevelCalls(plan: Pick<SearchPlan, 'memories' | 'responses' | 'groupSize'>): number {
  return firstLevel(plan).called.length;
}
