// The rows of the diff screen and their order, pure: every memory of either run, compared ones
// first (A's order), then those not compared (failed in a run) and those in one run only, each
// marked. `s` cycles the order: position, largest change either way, largest drop, largest rise,
// key. Filtering is by key, as on the main screen.
import { changedWithinNoise, isNoiseChange, type RunDiff } from '../engine/run-diff.ts';
import { SCROLLBAR_WIDTH, cellColumns, keyColumnWidth, type CellLayout } from './matrix-layout.ts';
import { compareKeys, rowsMatching } from './row-order.ts';

export type DiffRowKind = 'both' | 'failed' | 'only-a' | 'only-b';

export interface DiffRow {
  readonly kind: DiffRowKind;
  readonly key: string;
  /** The memory's max divergence in A and in B (undefined where it is not in that run, or failed). */
  readonly maxA: number | undefined;
  readonly maxB: number | undefined;
  /** Row of the difference matrix (compared memories only). */
  readonly matrixRow: number | undefined;
  /** Compared, and changed only within the noise (no cell past its band): not a change in importance. */
  readonly withinNoise: boolean;
}

export const DIFF_SORTS = ['position', 'change', 'drop', 'rise', 'key'] as const;
export type DiffSort = (typeof DIFF_SORTS)[number];

export const DIFF_SORT_LABELS: Record<DiffSort, string> = {
  position: 'position',
  change: 'largest change',
  drop: 'largest drop',
  rise: 'largest rise',
  key: 'key',
};

export function nextDiffSort(sort: DiffSort): DiffSort {
  return DIFF_SORTS[(DIFF_SORTS.indexOf(sort) + 1) % DIFF_SORTS.length]!;
}

export function diffRows(diff: RunDiff): DiffRow[] {
  return [
    ...diff.memories.map((m, i): DiffRow => ({ kind: 'both', key: m.key, maxA: m.maxA, maxB: m.maxB, matrixRow: i, withinNoise: changedWithinNoise(diff, i) })),
    ...diff.failed.map((f): DiffRow => ({ kind: 'failed', key: f.key, maxA: undefined, maxB: undefined, matrixRow: undefined, withinNoise: false })),
    ...diff.onlyA.map((m): DiffRow => ({ kind: 'only-a', key: m.key, maxA: m.failed ? undefined : m.max, maxB: undefined, matrixRow: undefined, withinNoise: false })),
    ...diff.onlyB.map((m): DiffRow => ({ kind: 'only-b', key: m.key, maxA: undefined, maxB: m.failed ? undefined : m.max, matrixRow: undefined, withinNoise: false })),
  ];
}

/** B's max − A's max, for compared memories. */
export function rowChange(row: DiffRow): number | undefined {
  return row.kind === 'both' ? row.maxB! - row.maxA! : undefined;
}

/** Indices into `rows` in shown order: rows without a change (or changed only within the noise) keep their place after those with one. */
export function orderDiffRows(rows: readonly DiffRow[], sort: DiffSort, filter: string): number[] {
  const shown = rowsMatching(rows, filter);
  const realChange = (row: DiffRow) => (row.withinNoise ? undefined : rowChange(row));
  const by = (score: (change: number) => number) =>
    shown.sort((x, y) => {
      const cx = realChange(rows[x]!);
      const cy = realChange(rows[y]!);
      if (cx === undefined || cy === undefined) return (cx === undefined ? 1 : 0) - (cy === undefined ? 1 : 0) || x - y;
      return score(cy) - score(cx) || x - y;
    });
  switch (sort) {
    case 'position':
      return shown;
    case 'change':
      return by(Math.abs);
    case 'drop':
      return by((c) => -c);
    case 'rise':
      return by((c) => c);
    case 'key':
      return shown.sort((x, y) => compareKeys(rows[x]!.key, rows[y]!.key) || x - y);
  }
}

/** The top of the diverging scale: the largest change in either direction, noise not counted. */
export function maxAbsChange(diff: Pick<RunDiff, 'matrix' | 'noise'>): number {
  let max = 0;
  for (const row of diff.matrix) row.forEach((v, j) => {
    if (Math.abs(v) > max && !isNoiseChange(v, diff.noise[j]!)) max = Math.abs(v);
  });
  return max;
}

export const DIFF_VALUE_WIDTH = 6;
export const DIFF_CHANGE_WIDTH = 7;

/** The label is mark, key, max A, max B, change and separator. */
export type DiffLayout = CellLayout;

/** As the main matrix: the key takes at most a quarter of the width, cells 2 to 4 columns, a scrollbar. */
export function diffLayout(width: number, longestKey: number, columns: number): DiffLayout {
  const keyWidth = keyColumnWidth(width, longestKey);
  // mark + space, key, space + max A, space + max B, space + change, space + "│"
  const labelWidth = 2 + keyWidth + 1 + DIFF_VALUE_WIDTH + 1 + DIFF_VALUE_WIDTH + 1 + DIFF_CHANGE_WIDTH + 2;
  const cellArea = Math.max(0, width - labelWidth - SCROLLBAR_WIDTH);
  return { width, keyWidth, labelWidth, cellArea, ...cellColumns(cellArea, columns) };
}
