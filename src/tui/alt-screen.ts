// The alternate screen buffer: the screen draws there, and leaving it gives the terminal back
// exactly as it was (contents, scrollback, cursor).

import { fitTail } from '../core/display-width.ts';
import { neutralize } from '../core/sanitize.ts';

export const ENTER_ALT_SCREEN = '\u001b[?1049h\u001b[?25l\u001b[H\u001b[2J';
export const LEAVE_ALT_SCREEN = '\u001b[0m\u001b[?1049l\u001b[?25h';

export interface Terminal {
  write(data: string): unknown;
  /** Its width, when it is a terminal. */
  readonly columns?: number;
}

export function enterAltScreen(out: Terminal): void {
  out.write(ENTER_ALT_SCREEN);
}

export function leaveAltScreen(out: Terminal): void {
  out.write(LEAVE_ALT_SCREEN);
}

/** What shows while the screen's modules load (a second or two on a busy machine). */
export function drawLoading(out: Terminal, file: string): void {
  out.write(`\u001b[H\u001b[2m ${loadingLine(file, out.columns ?? 80)}\u001b[0m`);
}

/** "memscope: loading FILE…" in one line of `columns` (a long path keeps its tail): it must not wrap. */
export function loadingLine(file: string, columns: number): string {
  const words = 'memscope: loading ';
  // One column before the text, one spare so the cursor does not wrap the line at the last column.
  return words + fitTail(neutralize(file), Math.max(1, columns - 3 - words.length - 1)).trimEnd() + '…';
}
