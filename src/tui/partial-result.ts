// The result of a full-matrix run that never finished (killed, cut, interrupted), rebuilt from
// its recorded events through the screen's reducer: the rows done so far, in the shape the
// finished run's --json would have had. Rows not scored read 0, as the engine starts them.
import type { FullResult } from '../engine/events.ts';
import { cellValue, type RunState } from './run-state.ts';

export interface PartialResult {
  readonly result: FullResult;
  /** Rows with a value (done) and rows that failed, of all the run's memories. */
  readonly done: number;
  readonly failed: number;
  readonly total: number;
}

/** Undefined unless the run is a full-matrix run that has started. */
export function partialFullResult(state: RunState): PartialResult | undefined {
  if (state.mode !== 'full' || state.phase === 'waiting') return undefined;
  const rows = state.memories.filter((row) => row.entry !== null);
  const result: FullResult = {
    mode: 'full',
    model: state.model,
    memories: rows.map((row) => {
      const memory: FullResult['memories'][number] = row.status === 'failed' ? { key: row.key, max: 0, failed: true, reason: row.reason ?? '' } : { key: row.key, max: row.max, failed: false };
      // A search: which rows were scored alone, and the bounds of those cleared so far.
      if (state.search !== null) {
        memory.exact = row.exact === true && row.status === 'done';
        if (row.exact === false && row.bound !== null) memory.bound = row.bound;
      }
      return memory;
    }),
    responses: state.responses.map((entry, j) => ({ entry, baseline: state.baseline?.[j] ?? 0 })),
    matrix: rows.map((row) => state.responses.map((_, j) => cellValue(row, j) ?? 0)),
    calls: state.calls.done,
    ...(state.search === null ? {} : { search: { threshold: state.search.threshold, calls: Math.max(0, state.calls.done - 1) } }),
  };
  return {
    result,
    done: rows.filter((row) => row.status === 'done').length,
    failed: rows.filter((row) => row.status === 'failed').length,
    total: rows.length,
  };
}
