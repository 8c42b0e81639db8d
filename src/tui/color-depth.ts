// How many colours the terminal shows, decided from the environment alone (a pure function, so
// every rule is testable). The rules follow what terminals advertise: NO_COLOR (no-color.org),
// FORCE_COLOR, COLORTERM, TERM and TERM_PROGRAM.

export type ColorDepth = 'truecolor' | '256' | '16' | 'none';

/** Whether the terminal draws on a dark or a light background: scales that start at the
 *  background need to know which way "stands out" goes. */
export type TerminalBackground = 'dark' | 'light';

export interface TerminalInfo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether the screen's output stream is a terminal. */
  readonly isTTY: boolean;
}

const FORCED: Record<string, ColorDepth> = { '0': 'none', false: 'none', '1': '16', true: '16', '': '16', '2': '256', '3': 'truecolor' };

const TRUECOLOR_PROGRAMS = new Set(['iTerm.app', 'WezTerm', 'vscode', 'ghostty', 'Hyper', 'rio']);

export function colorDepth({ env, isTTY }: TerminalInfo): ColorDepth {
  // no-color.org: present and not empty disables colour, whatever else is set.
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 'none';
  const forced = env.FORCE_COLOR;
  if (forced !== undefined) return FORCED[forced] ?? '16';
  if (!isTTY) return 'none';
  const term = env.TERM ?? '';
  if (term === 'dumb') return 'none';
  const colorterm = (env.COLORTERM ?? '').toLowerCase();
  if (colorterm === 'truecolor' || colorterm === '24bit') return 'truecolor';
  if (env.WT_SESSION !== undefined) return 'truecolor';
  if (TRUECOLOR_PROGRAMS.has(env.TERM_PROGRAM ?? '')) return 'truecolor';
  if (/-direct$|^xterm-kitty$|^xterm-ghostty$|^alacritty|^foot/.test(term)) return 'truecolor';
  if (/-256(colou?r)?$/i.test(term) || env.TERM_PROGRAM === 'Apple_Terminal') return '256';
  // Any other terminal that answers to a TERM at all draws the 16 ANSI colours.
  return '16';
}

/** The terminal's background: MEMSCOPE_BACKGROUND (dark or light) when set, else COLORFGBG
 *  ("fg;bg", set by rxvt, Konsole and others: background colours 0–6 and 8 are dark), else dark,
 *  the default of nearly every terminal. */
export function terminalBackground(env: Readonly<Record<string, string | undefined>>): TerminalBackground {
  const said = env.MEMSCOPE_BACKGROUND?.trim().toLowerCase();
  if (said === 'dark' || said === 'light') return said;
  const bg = Number(env.COLORFGBG?.split(';').at(-1));
  if (Number.isInteger(bg) && bg >= 0 && bg <= 15) return bg <= 6 || bg === 8 ? 'dark' : 'light';
  return 'dark';
}
