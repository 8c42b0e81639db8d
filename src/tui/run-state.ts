// Everything the screen shows about a run, derived purely from the engine's events: a reducer
// the live store applies as events arrive, and that a recorded session can be replayed through.
import { retryText, type EngineEvent, type Mode, type RunResult } from '../engine/events.ts';
import { SCORE_THRESHOLD } from '../engine/divergence.ts';
import { maxAboveNoise } from '../engine/noise-floor.ts';

/** cancelled: the run ended (failed or interrupted) before the row was scored. */
export type RowStatus = 'pending' | 'scoring' | 'done' | 'failed' | 'skipped' | 'cancelled';
export type RunPhase = 'waiting' | 'running' | 'done' | 'failed' | 'interrupted';

export interface MemoryRow {
  readonly key: string;
  /** Conversation index of the memory's first appearance; null for a memory only named as skipped. */
  readonly entry: number | null;
  readonly status: RowStatus;
  /** Why the row failed or was skipped. */
  readonly reason: string | null;
  /** Largest divergence over the row (the incremental mode's score). */
  readonly max: number;
  /** Divergence per response, starting at column `first`; null until the row is scored. */
  readonly divergences: readonly number[] | null;
  readonly first: number;
  /** The row's own baseline (windowed modes), aligned with `divergences`. */
  readonly baseline: readonly number[] | null;
  /** Incremental mode: the weight after this run's EWMA update. */
  readonly weight: number | null;
  /** --search: the group being ablated that holds this row (marked together on the screen). */
  readonly group: { readonly first: number; readonly count: number } | null;
  /** --search: scored alone (exact), or cleared with its group (false); null before either. */
  readonly exact: boolean | null;
  /** --search, a cleared row: the largest divergence its group caused after it (below T). */
  readonly bound: number | null;
  /**
   * --noise, full matrix: every cell that moved is within its response's noise (`max`, the
   * largest divergence above the noise, is then 0): measured, not a finding.
   */
  readonly noiseOnly: boolean;
}

/** A group search's progress (--search T). */
export interface SearchProgress {
  readonly threshold: number;
  /** Memories done: scored alone, cleared with a group, or failed. */
  readonly resolved: number;
  readonly exact: number;
  readonly cleared: number;
  /** Groups being ablated now (single memories included). */
  readonly groups: number;
  readonly splits: number;
}

export interface CallCounts {
  readonly total: number;
  readonly started: number;
  readonly done: number;
  readonly failed: number;
}

export interface RunState {
  readonly phase: RunPhase;
  readonly mode: Mode | null;
  readonly model: string | null;
  readonly backend: string | null;
  /** Times in ms, from the clock the events were stamped with. */
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  /** When the first call finished: the rate is measured from here, past connection set-up. */
  readonly firstDoneAt: number | null;
  readonly memories: readonly MemoryRow[];
  readonly rowOf: ReadonlyMap<string, number>;
  /** Conversation indices of the responses (the matrix columns). */
  readonly responses: readonly number[];
  /** Baseline logprob per response column, once known (full, single and fine-tune modes). */
  readonly baseline: readonly number[] | null;
  readonly calls: CallCounts;
  readonly activity: string;
  /** Largest divergence seen in any cell: the top of the heat scale. */
  readonly maxDivergence: number;
  readonly scored: number;
  readonly skipped: number;
  readonly failedRows: number;
  readonly result: RunResult | null;
  readonly failure: string | null;
  /** --estimate: how far the estimated matrix has got; null for an exact run. */
  readonly estimate: { readonly ablations: number; readonly of: number; readonly final: boolean } | null;
  /** --noise N: each response's noise floor (aligned with `responses`) and the factor; null without. */
  readonly noise: { readonly floors: readonly number[]; readonly factor: number } | null;
  /** --search: how far the group search has got; null for other runs. */
  readonly search: SearchProgress | null;
}

export const INITIAL_RUN_STATE: RunState = {
  phase: 'waiting',
  mode: null,
  model: null,
  backend: null,
  startedAt: null,
  endedAt: null,
  firstDoneAt: null,
  memories: [],
  rowOf: new Map(),
  responses: [],
  baseline: null,
  calls: { total: 0, started: 0, done: 0, failed: 0 },
  activity: '',
  maxDivergence: 0,
  scored: 0,
  skipped: 0,
  failedRows: 0,
  result: null,
  failure: null,
  estimate: null,
  noise: null,
  search: null,
};

function pendingRow(key: string, entry: number | null): MemoryRow {
  return { key, entry, status: 'pending', reason: null, max: 0, divergences: null, first: 0, baseline: null, weight: null, group: null, exact: null, bound: null, noiseOnly: false };
}

/** Rows still waiting or being scored when the run ends get a final status. */
function settle(rows: readonly MemoryRow[], change: Pick<MemoryRow, 'status' | 'reason'>): readonly MemoryRow[] {
  if (!rows.some((row) => row.status === 'pending' || row.status === 'scoring')) return rows;
  return rows.map((row) => (row.status === 'pending' || row.status === 'scoring' ? { ...row, ...change } : row));
}

function updateRow(state: RunState, key: string, change: (row: MemoryRow) => MemoryRow): RunState {
  const index = state.rowOf.get(key);
  if (index === undefined) return state;
  const memories = state.memories.slice();
  memories[index] = change(memories[index]!);
  return { ...state, memories };
}

/** Rows first..first+count−1 changed together (a search group). */
function updateRows(state: RunState, first: number, count: number, change: (row: MemoryRow, k: number) => MemoryRow): RunState {
  const memories = state.memories.slice();
  for (let k = 0; k < count && first + k < memories.length; k++) memories[first + k] = change(memories[first + k]!, k);
  return { ...state, memories };
}

/** The activity line of a search: how its memories were resolved so far (the bar counts them,
 *  the header gives T). */
export function searchActivity(search: SearchProgress): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `search: ${search.exact} exact, ${search.cleared} cleared, ${plural(search.groups, 'group')} ablated, ${plural(search.splits, 'split')}`;
}

function searchStep(state: RunState, change: Partial<SearchProgress>): RunState {
  if (state.search === null) return state;
  const search = { ...state.search, ...change };
  return { ...state, search, activity: searchActivity(search) };
}

/** The state after one event stamped with time `at` (ms). Never mutates `state`. */
export function reduceRun(state: RunState, event: EngineEvent, at: number): RunState {
  switch (event.type) {
    case 'run-started': {
      const memories = event.memories.map(({ key, entry }) => pendingRow(key, entry));
      return {
        ...INITIAL_RUN_STATE,
        phase: 'running',
        mode: event.mode,
        model: event.model,
        backend: event.backend,
        startedAt: at,
        memories,
        rowOf: new Map(memories.map((row, i) => [row.key, i])),
        responses: event.responses,
        calls: { ...INITIAL_RUN_STATE.calls, total: event.totalCalls },
        search: event.search ? { threshold: event.search.threshold, resolved: 0, exact: 0, cleared: 0, groups: 0, splits: 0 } : null,
      };
    }
    case 'group-started': {
      const group = { first: event.first, count: event.count };
      const next = updateRows(state, event.first, event.count, (row) => ({ ...row, status: 'scoring', group }));
      return searchStep(next, { groups: (state.search?.groups ?? 0) + 1 });
    }
    case 'group-done': {
      const search = state.search;
      if (search === null) return state;
      const groups = search.groups - (event.called ? 1 : 0);
      switch (event.outcome) {
        case 'cleared': {
          const next = updateRows(state, event.first, event.count, (row, k) => ({ ...row, status: 'done', reason: null, max: 0, divergences: null, group: null, exact: false, bound: event.bounds[k] ?? 0 }));
          return searchStep(next, { groups, resolved: search.resolved + event.count, cleared: search.cleared + event.count });
        }
        case 'split': {
          // Back to waiting: the halves mark their own rows when their calls start.
          const next = updateRows(state, event.first, event.count, (row) => ({ ...row, status: 'pending', group: null }));
          return searchStep({ ...next, calls: { ...state.calls, total: state.calls.total + event.calls } }, { groups, splits: search.splits + 1 });
        }
        case 'exact': {
          // The row's values come with the row-done that follows.
          const next = updateRows(state, event.first, 1, (row) => ({ ...row, group: null, exact: true, bound: null }));
          return searchStep(next, { groups, resolved: search.resolved + 1, exact: search.exact + 1 });
        }
      }
      return state;
    }
    case 'activity':
      return { ...state, activity: event.text };
    case 'call-started':
      return { ...state, calls: { ...state.calls, started: state.calls.started + 1 } };
    case 'call-done':
      return {
        ...state,
        firstDoneAt: state.firstDoneAt ?? at,
        calls: { ...state.calls, done: state.calls.done + 1, failed: state.calls.failed + (event.ok ? 0 : 1) },
      };
    case 'call-retry':
      return { ...state, activity: retryText(event) };
    case 'baseline-done':
      return { ...state, baseline: event.scores };
    case 'row-started':
      return updateRow(state, event.key, (row) => ({ ...row, status: 'scoring' }));
    case 'row-done': {
      const next = updateRow(state, event.key, (row) => ({
        ...row,
        status: 'done',
        reason: null,
        max: event.max,
        divergences: event.divergences,
        first: event.first,
        baseline: event.baseline ?? null,
      }));
      return { ...next, maxDivergence: Math.max(state.maxDivergence, event.max) };
    }
    case 'row-failed': {
      const before = state.memories[state.rowOf.get(event.key) ?? -1];
      const next = { ...updateRow(state, event.key, (row) => ({ ...row, status: 'failed', reason: event.reason, group: null })), failedRows: state.failedRows + 1 };
      if (state.search === null) return next;
      // A failed group fails each of its rows: it stops being ablated with its first.
      const endsGroup = before?.group != null && before.group.first === event.index;
      return searchStep(next, { resolved: state.search.resolved + 1, groups: state.search.groups - (endsGroup ? 1 : 0) });
    }
    case 'memory-scored': {
      // The score is the row's max (with --noise, the largest divergence above the noise).
      const next = updateRow(state, event.key, (row) => ({ ...row, max: event.score, weight: event.weight }));
      return { ...next, scored: state.scored + 1 };
    }
    case 'memory-skipped': {
      const skipped = state.skipped + 1;
      if (state.rowOf.has(event.key)) {
        return { ...updateRow(state, event.key, (row) => ({ ...row, status: 'skipped', reason: event.reason })), skipped };
      }
      const row: MemoryRow = { ...pendingRow(event.key, null), status: 'skipped', reason: event.reason };
      const rowOf = new Map(state.rowOf);
      rowOf.set(event.key, state.memories.length);
      return { ...state, memories: [...state.memories, row], rowOf, skipped };
    }
    case 'estimate-updated': {
      // The engine refits its matrix in place: keep copies, not the live rows.
      const memories = state.memories.map((row, i) => {
        const values = event.matrix[i];
        if (values === undefined) return row;
        return { ...row, status: event.final ? ('done' as const) : row.status, divergences: values.slice(), first: 0, max: event.max[i] ?? 0 };
      });
      return {
        ...state,
        memories,
        maxDivergence: Math.max(0, ...event.max),
        estimate: { ablations: event.ablations, of: event.of, final: event.final },
        activity: `estimate from ${event.ablations} of ${event.of} ablations`,
      };
    }
    case 'noise-floor': {
      const noise = { floors: event.floors, factor: event.factor };
      if (state.mode !== 'full') return { ...state, noise };
      // A row's max becomes its largest divergence above the noise; the heat scale tops at the largest of those.
      const memories = state.memories.map((row) => maxOverNoise(row, event.floors));
      return { ...state, noise, memories, maxDivergence: memories.reduce((m, row) => Math.max(m, row.max), 0) };
    }
    case 'replica-down':
      return { ...state, activity: `replica ${event.backend} set aside for ${(event.retryInMs / 1000).toFixed(1)}s: ${event.reason}` };
    case 'replica-up':
      return { ...state, activity: `replica ${event.backend} is answering again` };
    case 'run-done': {
      // A context without responses ends at once: its memories had nothing to be scored on.
      let memories = state.responses.length > 0 ? state.memories : settle(state.memories, { status: 'skipped', reason: 'no assistant response to score it on' });
      // A search's final bounds: later calls can have tightened those its rows were cleared with.
      const result = event.result;
      if (result.mode === 'full' && result.search !== undefined) {
        memories = memories.map((row, i) => {
          const bound = result.memories[i]?.bound;
          return bound === undefined || row.bound === bound ? row : { ...row, bound };
        });
      }
      return { ...state, memories, phase: 'done', endedAt: at, result: event.result, activity: '' };
    }
    case 'run-failed':
      return { ...state, memories: settle(state.memories, { status: 'cancelled', reason: 'the run failed before it was scored' }), phase: 'failed', endedAt: at, failure: event.reason, activity: '' };
    case 'run-interrupted':
      return { ...state, memories: settle(state.memories, { status: 'cancelled', reason: 'the run was interrupted before it was scored' }), phase: 'interrupted', endedAt: at, activity: '' };
  }
}

/** A scored row with its max over the cells above the noise, and whether only noise moved it. */
function maxOverNoise(row: MemoryRow, floors: readonly number[]): MemoryRow {
  if (row.status !== 'done' || row.divergences === null) return row;
  const max = maxAboveNoise(row.divergences, floors.slice(row.first));
  return { ...row, max, noiseOnly: row.max > SCORE_THRESHOLD && !(max > SCORE_THRESHOLD) };
}

/** Divergence of a row at a response column, or undefined where the row has no value there. */
export function cellValue(row: MemoryRow, column: number): number | undefined {
  if (row.divergences === null) return undefined;
  return row.divergences[column - row.first];
}

/** Baseline logprob at a response column for a row: the row's own, else the run's. */
export function baselineAt(state: RunState, row: MemoryRow | undefined, column: number): number | undefined {
  if (row?.baseline) return row.baseline[column - row.first];
  return state.baseline?.[column];
}

/**
 * Where this memory ranks for one response among the rows with a value there (1 = matters
 * most); `tied` counts the other rows with the same value.
 */
export function rankAt(state: RunState, rowIndex: number, column: number): { rank: number; of: number; tied: number } | undefined {
  const own = cellValue(state.memories[rowIndex]!, column);
  if (own === undefined) return undefined;
  let above = 0;
  let of = 0;
  let same = 0;
  for (const row of state.memories) {
    const value = cellValue(row, column);
    if (value === undefined) continue;
    of++;
    if (value > own) above++;
    else if (value === own) same++;
  }
  return { rank: above + 1, of, tied: same - 1 };
}

/** Seconds the run has taken so far (or took). */
export function elapsedMs(state: RunState, now: number): number {
  if (state.startedAt === null) return 0;
  return Math.max(0, (state.endedAt ?? now) - state.startedAt);
}

/** Finished calls per second, measured from the run's start. */
export function callRate(state: RunState, now: number): number {
  const ms = elapsedMs(state, now);
  return ms > 0 ? (state.calls.done * 1000) / ms : 0;
}

/** Estimated ms left at the current rate; undefined until a rate is known or when the run is over. */
export function etaMs(state: RunState, now: number): number | undefined {
  if (state.phase !== 'running' || state.firstDoneAt === null) return undefined;
  const rate = callRate(state, now);
  if (rate <= 0) return undefined;
  return (Math.max(0, state.calls.total - state.calls.done) / rate) * 1000;
}

/** How a run ended, in parts: the screen's last line and the line after it both format from these. */
export interface RunEnd {
  readonly phase: RunPhase;
  /** Calls finished, answered or not. */
  readonly done: number;
  /** Calls answered: those cut short by the end are not calls done. */
  readonly answered: number;
  readonly total: number;
  readonly elapsedMs: number;
  readonly failedRows: number;
  /** The failure as the run reported it (a server's words: neutralise before drawing). */
  readonly failure: string;
}

export function runEnd(state: RunState, now: number): RunEnd {
  const { done, total, failed } = state.calls;
  return {
    phase: state.phase,
    done,
    answered: done - failed,
    total,
    elapsedMs: elapsedMs(state, now),
    failedRows: state.failedRows,
    failure: state.failure ?? 'unknown error',
  };
}

/**
 * How a run ended, in one line for after the screen closes: "done: 41 calls in 2.29s",
 * "scoring failed after 0/9 calls: …", "interrupted at 3/9 calls". Context text is not in it, but
 * the failure (a server's words) is neutralised by the caller.
 */
export function runOutcome(state: RunState, now: number): string {
  const end = runEnd(state, now);
  const seconds = `${(end.elapsedMs / 1000).toFixed(2)}s`;
  switch (end.phase) {
    case 'done':
      return `done: ${end.done} calls in ${seconds}${end.failedRows > 0 ? `, ${end.failedRows} memor${end.failedRows === 1 ? 'y' : 'ies'} failed` : ''}`;
    case 'failed':
      return `scoring failed after ${end.answered}/${end.total} calls: ${end.failure}`;
    case 'waiting':
      return 'quit before the run started';
    default:
      return `interrupted at ${end.answered}/${end.total} calls after ${seconds}`;
  }
}
