// The lines of a matrix view: its ruler, then the rows in view, or a faint line saying why there
// are none. Only the rows shown are drawn, which keeps a frame of a large matrix fast.
import { fit } from '../core/display-width.ts';
import type { Theme } from './screen-theme.ts';
import { paint } from './term-style.ts';

export interface MatrixLines {
  readonly ruler: string;
  /** Rows in shown order, and the first shown. */
  readonly count: number;
  readonly top: number;
  /** Lines available, the ruler included. */
  readonly height: number;
  readonly width: number;
  /** Why no row shows (said only when none does). */
  readonly empty: string;
  readonly theme: Theme;
  /** The line of the row at `position`, drawn on `line` of `lines` row lines. */
  readonly rowLine: (position: number, line: number, lines: number) => string;
}

export function matrixLines({ ruler, count, top, height, width, empty, theme, rowLine }: MatrixLines): string[] {
  const lines: string[] = [ruler];
  const rows = Math.max(0, height - 1);
  if (count === 0) lines.push(paint(fit(`  ${empty}`, width), theme.style.faint));
  for (let line = 0; line < rows && top + line < count; line++) lines.push(rowLine(top + line, line, rows));
  return lines;
}
