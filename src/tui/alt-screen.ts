// The alternate screen buffer: the screen draws there, and leaving it gives the terminal back
// exactly as it was (contents, scrollback, cursor).

export const ENTER_ALT_SCREEN = '\u001b[?1049h\u001b[?25l\u001b[H\u001b[2J';
export const LEAVE_ALT_SCREEN = '\u001b[0m\u001b[?1049l\u001b[?25h';

export interface Terminal {
  write(data: string): unknown;
}

export function enterAltScreen(out: Terminal): void {
  out.write(ENTER_ALT_SCREEN);
}

export function leaveAltScreen(out: Terminal): void {
  out.write(LEAVE_ALT_SCREEN);
}

/** What shows while the screen's modules load (a second or two on a busy machine). */
export function drawLoading(out: Terminal, text: string): void {
  out.write(`\u001b[H\u001b[2m ${text}\u001b[0m`);
}
