// Key bindings: which key does what, as data (the help overlay and footer list the same table)
// and as a pure function from a key press to a screen action.
import type { ReplayCommand } from './replay-driver.ts';
import type { NavAction, NavState } from './screen-nav.ts';

/** The parts of Ink's key report the screen reads. */
export interface KeyPress {
  readonly upArrow: boolean;
  readonly downArrow: boolean;
  readonly leftArrow: boolean;
  readonly rightArrow: boolean;
  readonly pageUp: boolean;
  readonly pageDown: boolean;
  readonly home: boolean;
  readonly end: boolean;
  readonly return: boolean;
  readonly escape: boolean;
  readonly ctrl: boolean;
  readonly meta: boolean;
  readonly backspace: boolean;
  readonly delete: boolean;
  readonly tab: boolean;
  readonly shift?: boolean;
}

export type ScreenCommand = NavAction | { readonly type: 'quit'; readonly interrupt: boolean } | { readonly type: 'redraw' };

export interface KeyHelp {
  readonly keys: string;
  readonly what: string;
}

export const KEY_HELP: readonly KeyHelp[] = [
  { keys: '↑ ↓ ← →  h j k l', what: 'move the cursor' },
  { keys: 'PgUp PgDn  H L', what: 'a page of memories / of responses' },
  { keys: 'g G', what: 'first / last memory' },
  { keys: 'Home End  0 $', what: 'first / last response' },
  { keys: 'z', what: 'overview of the whole matrix (z, Enter: zoom in)' },
  { keys: 'm', what: "the row's hottest cell (again: back)" },
  { keys: 's', what: 'row order: position, max divergence, key' },
  { keys: '/', what: 'filter memories by key (Enter keeps, Esc clears)' },
  { keys: 'Enter', what: 'show / hide the detail pane' },
  { keys: '[ ]  K J', what: 'scroll the text in the detail pane' },
  { keys: 'Esc', what: 'clear the filter, close the overview or pane' },
  { keys: '?', what: 'this help' },
  { keys: 'Ctrl-L', what: 'redraw the whole screen' },
  { keys: 'q  Ctrl-C', what: 'quit (cancels calls in flight)' },
];

/** The replay's own keys, listed after the screen's in the help overlay. */
export const REPLAY_KEY_HELP: readonly KeyHelp[] = [
  { keys: 'Space', what: 'replay: pause / resume' },
  { keys: '.', what: 'replay: one event forward (pauses)' },
  { keys: '+ -', what: 'replay: twice / half the speed' },
  { keys: '< >', what: 'replay: one event back / forward (pauses)' },
  { keys: 'Shift-← Shift-→', what: 'replay: seek a tenth of the run back / forward' },
];

/** Replay keys; arrows without Shift stay the cursor's. Null when the key is not one of them. */
export function replayCommandForKey(input: string, key: KeyPress, total: number, nav: NavState): ReplayCommand | null {
  if (nav.help || nav.editingFilter || key.ctrl || key.meta) return null;
  const tenth = Math.max(1, Math.round(total / 10));
  if (key.shift && key.leftArrow) return { type: 'seek', by: -tenth };
  if (key.shift && key.rightArrow) return { type: 'seek', by: tenth };
  switch (input) {
    case ' ':
      return { type: 'toggle-pause' };
    case '.':
      return { type: 'step' };
    case '+':
    case '=':
      return { type: 'speed', faster: true };
    case '-':
    case '_':
      return { type: 'speed', faster: false };
    case '<':
      return { type: 'seek', by: -1 };
    case '>':
      return { type: 'seek', by: 1 };
    default:
      return null;
  }
}

export const NO_KEY: KeyPress = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageUp: false,
  pageDown: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  meta: false,
  backspace: false,
  delete: false,
  tab: false,
};

// Typed text for the filter: printable characters only, whatever a paste carried.
const PRINTABLE = /[^\u0000-\u001f\u007f-\u009f]/gu;

function movement(key: KeyPress): NavAction | null {
  if (key.upArrow) return { type: 'move', rows: -1 };
  if (key.downArrow) return { type: 'move', rows: 1 };
  if (key.leftArrow) return { type: 'move', columns: -1 };
  if (key.rightArrow) return { type: 'move', columns: 1 };
  if (key.pageUp) return { type: 'page', rows: -1 };
  if (key.pageDown) return { type: 'page', rows: 1 };
  if (key.home) return { type: 'columns-edge', to: 'first' };
  if (key.end) return { type: 'columns-edge', to: 'last' };
  return null;
}

export function commandForKey(input: string, key: KeyPress, nav: NavState): ScreenCommand | null {
  if (key.ctrl && input === 'c') return { type: 'quit', interrupt: true };
  if (key.ctrl && input === 'l') return { type: 'redraw' };
  if (nav.help) {
    // The help's own keys close it; any other closes it and does what it does.
    if (input === '?' || input === 'q' || key.escape || key.return) return { type: 'toggle-help' };
    return commandForKey(input, key, { ...nav, help: false }) ?? { type: 'toggle-help' };
  }
  if (nav.editingFilter) {
    if (key.escape) return { type: 'filter-clear' };
    if (key.return) return { type: 'filter-accept' };
    if (key.backspace || key.delete) return { type: 'filter-backspace' };
    const moved = movement(key);
    if (moved) return moved;
    if (key.ctrl || key.meta || key.tab) return null;
    const text = (input.match(PRINTABLE) ?? []).join('');
    return text === '' ? null : { type: 'filter-type', text };
  }
  const moved = movement(key);
  if (moved) return moved;
  if (key.return) return nav.overview ? { type: 'overview-zoom' } : { type: 'toggle-detail' };
  if (key.escape) {
    if (nav.overview) return { type: 'overview-close' };
    if (nav.filter !== '') return { type: 'filter-clear' };
    if (nav.detail) return { type: 'toggle-detail' };
    return null;
  }
  if (key.ctrl) {
    if (input === 'f') return { type: 'page', rows: 1 };
    if (input === 'b') return { type: 'page', rows: -1 };
    return null;
  }
  switch (input) {
    case 'k':
      return { type: 'move', rows: -1 };
    case 'j':
      return { type: 'move', rows: 1 };
    case 'h':
      return { type: 'move', columns: -1 };
    case 'l':
      return { type: 'move', columns: 1 };
    case 'H':
      return { type: 'page', columns: -1 };
    case 'L':
      return { type: 'page', columns: 1 };
    case 'g':
      return { type: 'rows-edge', to: 'first' };
    case 'G':
      return { type: 'rows-edge', to: 'last' };
    case '0':
      return { type: 'columns-edge', to: 'first' };
    case '$':
      return { type: 'columns-edge', to: 'last' };
    case 's':
      return { type: 'cycle-sort' };
    case 'z':
      return nav.overview ? { type: 'overview-zoom' } : { type: 'overview-open' };
    case 'm':
      return { type: 'hottest' };
    case '/':
      return { type: 'filter-start' };
    case '?':
      return { type: 'toggle-help' };
    case ']':
    case 'J':
      return { type: 'detail-scroll', by: 1 };
    case '[':
    case 'K':
      return { type: 'detail-scroll', by: -1 };
    case 'q':
      return { type: 'quit', interrupt: false };
    default:
      return null;
  }
}

/**
 * One report per key. Ink splits escape sequences, but hands a run of plain characters (keys
 * typed faster than it reads, a paste) over as one string: each character is its own key here.
 */
export function splitKeys(input: string, key: KeyPress): [string, KeyPress][] {
  const chars = [...input];
  if (chars.length <= 1) return [[input, key]];
  return chars.map((ch): [string, KeyPress] => {
    if (ch === '\r' || ch === '\n') return ['', { ...NO_KEY, return: true }];
    if (ch === '\u007f' || ch === '\b') return ['', { ...NO_KEY, backspace: true }];
    if (ch === '\t') return ['', { ...NO_KEY, tab: true }];
    if (ch === '\u001b') return ['', { ...NO_KEY, escape: true }];
    const code = ch.charCodeAt(0);
    if (code < 0x20) return [String.fromCharCode(code + 96), { ...NO_KEY, ctrl: true }];
    return [ch, NO_KEY];
  });
}
