// The ruler over a matrix's cells: labels are written at columns, later ones over earlier ones,
// then the row is composed once into a styled line. columnLabels places the entry labels over the
// main matrix's, the diff matrix's and the overview's columns, the same way for all three.
import { styleRuns } from './style-runs.ts';

export interface RulerCanvas {
  readonly width: number;
  /** Writes text from column x, one character a column, cut at the canvas's width. */
  readonly write: (x: number, text: string, style: string) => void;
  readonly text: () => string;
}

export function rulerCanvas(width: number, style: string): RulerCanvas {
  const chars: string[] = Array.from({ length: width }, () => ' ');
  const styles: string[] = Array.from({ length: width }, () => style);
  return {
    width,
    write: (x, text, style) => {
      for (let i = 0; i < text.length && x + i < width; i++) {
        chars[x + i] = text[i]!;
        styles[x + i] = style;
      }
    },
    text: () => {
      const runs = styleRuns();
      for (let i = 0; i < width; i++) runs.put(styles[i]!, chars[i]!);
      return runs.text();
    },
  };
}

export interface ColumnLabelOptions {
  /** The first column shown, how many are shown from it, and how many there are. */
  readonly left: number;
  readonly visibleColumns: number;
  readonly columns: number;
  readonly cellWidth: number;
  /** Only columns that are multiples of step are labelled, with at least gap blanks between two labels. */
  readonly step: number;
  readonly gap: number;
  readonly cursorColumn: number;
  readonly label: (column: number) => string;
  readonly cursorLabel: (column: number) => string;
  readonly style: { readonly label: string; readonly cursor: string; readonly arrow: string };
}

/**
 * Column labels over the shown cells. ◀ takes the first column where columns are scrolled out to
 * the left, ▶ the last shown cell's end where some are to the right; every label is written whole
 * or not at all, and the cursor's label first, so the others make room for it (a blank each side).
 */
export function columnLabels(canvas: RulerCanvas, options: ColumnLabelOptions): void {
  const { left, visibleColumns, columns, cellWidth, step, gap, cursorColumn, label, cursorLabel, style } = options;
  const scrolledLeft = left > 0;
  const moreRight = left + visibleColumns < columns;
  const from = scrolledLeft ? 1 : 0;
  const to = visibleColumns * cellWidth - (moreRight ? 1 : 0);
  let cursorSpan: [number, number] | undefined;
  if (cursorColumn >= left && cursorColumn < left + visibleColumns && columns > 0) {
    const x = (cursorColumn - left) * cellWidth;
    const text = cursorLabel(cursorColumn);
    const start = Math.max(from, Math.min(x, to - text.length));
    canvas.write(start, text, style.cursor);
    cursorSpan = [start - 1, start + text.length + 1];
  }
  let free = from;
  for (let i = 0; i < visibleColumns; i++) {
    const column = left + i;
    const x = i * cellWidth;
    if (column % step !== 0 || x < free) continue;
    const text = label(column);
    if (x + text.length > to) break;
    if (cursorSpan && x < cursorSpan[1] && x + text.length > cursorSpan[0]) continue;
    canvas.write(x, text, style.label);
    free = x + text.length + gap;
  }
  if (scrolledLeft) canvas.write(0, '◀', style.arrow);
  if (moreRight) canvas.write(Math.min(canvas.width - 1, to), '▶', style.arrow);
}
