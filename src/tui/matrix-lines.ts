// The lines of a matrix view: its ruler, then the rows in view, or a faint line saying why there
// are none. Only the rows shown are drawn, which keeps a frame of a large matrix fast.
import { fit } from '../core/display-width.ts';
import type { CellLayout } from './matrix-layout.ts';
import type { Theme } from './screen-theme.ts';
import { paint } from './term-style.ts';

/** What part of the matrix shows: both views' props have these. */
export interface MatrixWindow {
  /** Rows in shown order (after the filter), and the first shown. */
  readonly order: readonly number[];
  readonly top: number;
  /** Lines available, the ruler included. */
  readonly height: number;
  readonly layout: CellLayout;
  readonly theme: Theme;
}

/** The window with its cursor and first shown column: what both matrix views take. */
export interface MatrixViewport extends MatrixWindow {
  /** Position of the cursor in `order`, and its column. */
  readonly cursorRow: number;
  readonly cursorColumn: number;
  /** First shown column. */
  readonly left: number;
}

/** The line of the row at `position` in the order, drawn on `line` of `lines` row lines. */
export type RowLine = (position: number, line: number, lines: number) => string;

/** `total`: rows before the filter; `none`: what to say where there are none at all. */
export function matrixLines(view: MatrixWindow, ruler: string, total: number, none: string, rowLine: RowLine): string[] {
  const { order, top, height, layout, theme } = view;
  const lines: string[] = [ruler];
  const rows = Math.max(0, height - 1);
  if (order.length === 0) lines.push(paint(fit(`  ${total > 0 ? 'no memory key matches the filter' : none}`, layout.width), theme.style.faint));
  for (let line = 0; line < rows && top + line < order.length; line++) lines.push(rowLine(top + line, line, rows));
  return lines;
}
