// A matrix's one-column scrollbar: the thumb's share of the column is the share of rows in view.
import type { Theme } from './screen-theme.ts';
import { paint } from './term-style.ts';

/** The scrollbar's character on `line` of `lines` shown, the first shown row being `top` of `total`. */
export function scrollbarChar(line: number, lines: number, top: number, total: number, theme: Theme): string {
  if (total <= lines || lines <= 0) return ' ';
  const size = Math.max(1, Math.round((lines * lines) / total));
  const start = Math.round((top / (total - lines)) * (lines - size));
  return line >= start && line < start + size ? paint('┃', theme.style.accent) : paint('│', theme.style.faint);
}
