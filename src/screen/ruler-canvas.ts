// The ruler over a matrix's cells: labels are written at columns, later ones over earlier ones,
// then the row is composed once into a styled line.
import { styleRuns } from './style-runs.ts';

export interface RulerCanvas {
  /** Writes text from column x, one character a column, cut at the canvas's width. */
  readonly write: (x: number, text: string, style: string) => void;
  /** ◀ first where columns are scrolled out to the left; ▶ at the last shown cell's end where some are to the right. */
  readonly arrows: (left: number, visibleColumns: number, columns: number, cellWidth: number, style: string) => void;
  readonly text: () => string;
}

export function rulerCanvas(width: number, style: string): RulerCanvas {
  const chars: string[] = Array.from({ length: width }, () => ' ');
  const styles: string[] = Array.from({ length: width }, () => style);
  const write = (x: number, text: string, style: string) => {
    for (let i = 0; i < text.length && x + i < width; i++) {
      chars[x + i] = text[i]!;
      styles[x + i] = style;
    }
  };
  return {
    write,
    arrows: (left, visibleColumns, columns, cellWidth, style) => {
      if (left > 0) write(0, '◀', style);
      if (left + visibleColumns < columns) write(Math.min(width - 1, visibleColumns * cellWidth - 1), '▶', style);
    },
    text: () => {
      const runs = styleRuns();
      for (let i = 0; i < width; i++) runs.put(styles[i]!, chars[i]!);
      return runs.text();
    },
  };
}
