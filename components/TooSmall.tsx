// What a screen shows below its smallest size: the size it needs, the size it has, and how to leave.
import { fit } from '../src/core/display-width.ts';
import { MIN_COLUMNS, MIN_ROWS } from '../src/tui/matrix-layout.ts';
import type { Theme } from '../src/tui/screen-theme.ts';
import { paint } from '../src/tui/term-style.ts';
import { wrapText } from '../src/tui/detail-text.ts';
import { Lines } from './Lines.tsx';

export interface TooSmallProps {
  /** The terminal's size as it is. */
  readonly columns: number;
  readonly rows: number;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

export function TooSmall({ columns, rows, width, height, theme }: TooSmallProps) {
  const message = `memscope needs at least ${MIN_COLUMNS}×${MIN_ROWS} (this terminal is ${columns}×${rows}); q quits`;
  const lines = wrapText(message, width).map((line) => paint(fit(line, width), theme.style.warn));
  return <Lines lines={lines} height={height} slot="small" />;
}
