// The overview (`z`): the whole matrix folded into the screen. Rows (in shown order) and response
// columns are cut into blocks of near-equal size, and each block shows the largest divergence of
// the cells it covers. Pure geometry and folding, shared by the view and the cursor's moves.
import type { MemoryRow } from './run-state.ts';

/** No scored cell in the block (pending rows, outside every window). */
export const NO_VALUE = -1;

/** First index of block `block` when `total` items are cut into `blocks` blocks. */
export function blockStart(block: number, total: number, blocks: number): number {
  return Math.ceil((block * total) / blocks);
}

/** The block holding item `index` (blockStart's inverse). */
export function blockOf(index: number, total: number, blocks: number): number {
  if (blocks <= 0 || total <= 0) return 0;
  return Math.max(0, Math.min(blocks - 1, Math.floor((index * blocks) / total)));
}

/** The items of a block as [start, end). */
export function blockRange(block: number, total: number, blocks: number): readonly [number, number] {
  return [blockStart(block, total, blocks), blockStart(block + 1, total, blocks)];
}

export interface OverviewGrid {
  readonly rowBlocks: number;
  readonly columnBlocks: number;
  /** Max per block, row-major; NO_VALUE where nothing is scored. */
  readonly values: Float64Array;
}

/** Folds the rows `order` (indices into `memories`) × `columns` responses into a grid of blocks. */
export function overviewGrid(memories: readonly MemoryRow[], order: readonly number[], columns: number, rowBlocks: number, columnBlocks: number): OverviewGrid {
  const values = new Float64Array(rowBlocks * columnBlocks).fill(NO_VALUE);
  if (rowBlocks === 0 || columnBlocks === 0) return { rowBlocks, columnBlocks, values };
  for (let position = 0; position < order.length; position++) {
    const row = memories[order[position]!]!;
    if (row.divergences === null) continue;
    const base = blockOf(position, order.length, rowBlocks) * columnBlocks;
    const { divergences, first } = row;
    for (let i = 0; i < divergences.length; i++) {
      const column = first + i;
      if (column < 0 || column >= columns) continue;
      const at = base + blockOf(column, columns, columnBlocks);
      const value = divergences[i]!;
      if (value > values[at]!) values[at] = value;
    }
  }
  return { rowBlocks, columnBlocks, values };
}

/**
 * The hottest cell among rows [rows) (positions in `order`) and columns [columns); ties go to the
 * first. Undefined when none of them has a value.
 */
export function hottestCell(
  memories: readonly MemoryRow[],
  order: readonly number[],
  rows: readonly [number, number],
  columns: readonly [number, number],
): { readonly position: number; readonly column: number; readonly value: number } | undefined {
  let best: { position: number; column: number; value: number } | undefined;
  for (let position = rows[0]; position < rows[1] && position < order.length; position++) {
    const row = memories[order[position]!]!;
    if (row.divergences === null) continue;
    const from = Math.max(columns[0], row.first);
    const to = Math.min(columns[1], row.first + row.divergences.length);
    for (let column = from; column < to; column++) {
      const value = row.divergences[column - row.first]!;
      if (best === undefined || value > best.value) best = { position, column, value };
    }
  }
  return best;
}
