// The ruler over a matrix's cells: labels are written at columns, later ones over earlier ones,
// then the row is composed once into a styled line.
import { styleRuns } from './style-runs.ts';

export interface RulerCanvas {
  /** Writes text from column x, one character a column, cut at the canvas's width. */
  readonly write: (x: number, text: string, style: string) => void;
  readonly text: () => string;
}

export function rulerCanvas(width: number, style: string): RulerCanvas {
  const chars: string[] = Array.from({ length: width }, () => ' ');
  const styles: string[] = Array.from({ length: width }, () => style);
  return {
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
