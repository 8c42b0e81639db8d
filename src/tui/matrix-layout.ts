// How the matrix uses the width it has: the row label (status, key, value, bar, weight), then
// as many response cells as fit, then a one-column scrollbar. Narrow terminals drop the bar and
// shorten keys before cells get fewer.
import type { Mode } from '../engine/events.ts';

export const VALUE_WIDTH = 6;
export const SCROLLBAR_WIDTH = 1;

/** What any matrix of memories × responses is drawn in: a label per row, cells, the scrollbar. */
export interface CellLayout {
  readonly width: number;
  readonly keyWidth: number;
  /** Columns before the first cell, separator included. */
  readonly labelWidth: number;
  readonly cellWidth: number;
  readonly cellArea: number;
  readonly visibleColumns: number;
}

export interface MatrixLayout extends CellLayout {
  readonly barWidth: number;
  /** Incremental mode's weight column; 0 elsewhere. */
  readonly weightWidth: number;
}

/** The key column to start from: the longest key, at least 6 and at most a quarter of the width. */
export function keyColumnWidth(width: number, longestKey: number): number {
  const keyCap = Math.max(8, Math.min(32, Math.floor(width * 0.25)));
  return Math.max(6, Math.min(Math.max(longestKey, 6), keyCap));
}

/**
 * The cells in the area left of the scrollbar: few responses get wider cells (up to 4 columns) so
 * the matrix fills the screen; many get 2.
 */
export function cellColumns(cellArea: number, columns: number): { cellWidth: number; visibleColumns: number } {
  const cellWidth = columns > 0 ? Math.max(2, Math.min(4, Math.floor(cellArea / columns))) : 2;
  const visibleColumns = Math.max(0, Math.min(columns, Math.floor(cellArea / cellWidth)));
  return { cellWidth, visibleColumns };
}

export function matrixLayout(width: number, mode: Mode | null, longestKey: number, columns: number): MatrixLayout {
  let keyWidth = keyColumnWidth(width, longestKey);
  const barWidth = width >= 70 ? 4 : 0;
  const weightWidth = mode === 'incremental' ? VALUE_WIDTH : 0;
  // Room the cells cannot use (few responses at their widest) goes to longer keys.
  const rest = 2 + 1 + VALUE_WIDTH + (barWidth ? barWidth + 1 : 0) + (weightWidth ? weightWidth + 1 : 0) + 2 + SCROLLBAR_WIDTH;
  const spare = width - rest - keyWidth - Math.max(columns, 1) * 4;
  if (spare > 0 && longestKey > keyWidth) keyWidth = Math.min(longestKey, keyWidth + spare, Math.floor(width * 0.6));
  // status + space, key, space + value, [space + bar], [space + weight], space + "│"
  const labelWidth = 2 + keyWidth + 1 + VALUE_WIDTH + (barWidth ? barWidth + 1 : 0) + (weightWidth ? weightWidth + 1 : 0) + 2;
  const cellArea = Math.max(0, width - labelWidth - SCROLLBAR_WIDTH);
  return { width, keyWidth, barWidth, weightWidth, labelWidth, cellArea, ...cellColumns(cellArea, columns) };
}

export interface ScreenLayout {
  readonly width: number;
  readonly height: number;
  readonly tooSmall: boolean;
  readonly detailHeight: number;
  /** Lines between the header and the detail pane / activity line. */
  readonly bodyHeight: number;
}

export const MIN_COLUMNS = 40;
export const MIN_ROWS = 10;

export function screenLayout(columns: number, rows: number, detail: boolean): ScreenLayout {
  const width = Math.max(1, columns);
  const height = Math.max(1, rows);
  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
  const chrome = 3; // header, activity line, footer
  const free = Math.max(0, height - chrome);
  let detailHeight = detail ? Math.min(10, Math.max(7, Math.floor(free * 0.4))) : 0;
  // Keep at least the ruler and three rows of the matrix above the pane.
  detailHeight = Math.max(0, Math.min(detailHeight, free - 4));
  if (detailHeight < 4) detailHeight = 0;
  return { width, height, tooSmall, detailHeight, bodyHeight: free - detailHeight };
}
