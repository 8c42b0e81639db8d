// The key table: every key of every screen, once. A binding names its keys, the command it runs,
// its help line and its footer hint; each screen declares the bindings it takes (a key added to
// the run screen is not live on the diff screen until the diff screen lists it). The help overlay,
// the footers, the key handlers and the tests all read these records.
import { hasModifier, isCharacter, isKey, keyLabel, type KeyName, type KeyPress } from './key-press.ts';
import type { ReplayCommand } from './replay-driver.ts';
import type { NavAction, NavState } from './screen-nav.ts';

/** A footer hint: the key as the footer writes it, what it does now (undefined: not shown now). */
export interface Hint<View> {
  readonly keys: string;
  readonly what: string | ((view: View) => string | undefined);
  /** How much it matters when room is short (1 = most). */
  readonly priority: number;
  /** A shorter `what`, tried before hints are dropped. */
  readonly short?: string;
  /** Place in the footer, left to right; table order where not given. */
  readonly order?: number;
}

export interface KeyBinding<Command, State = NavState, View = FooterView> {
  /** The keys help lists; the first is the one tests press. */
  readonly keys: readonly KeyName[];
  /** More keys that do the same, not listed (Ctrl-F as PgDn, = as +). */
  readonly aliases?: readonly KeyName[];
  /** The help line; bindings with the same line share it ("↑ ↓ ← →  k j h l  move the cursor"). */
  readonly help: string;
  readonly hint?: Hint<View>;
  /** True: the key works while help is open or a filter is typed, too. */
  readonly always?: boolean;
  /** What the key does in this state; null: nothing. */
  readonly command: (state: State) => Command | null;
}

export type ScreenCommand =
  | NavAction
  | { readonly type: 'quit'; readonly interrupt: boolean }
  | { readonly type: 'redraw' }
  | { readonly type: 'suspend' }
  | { readonly type: 'replay'; readonly command: ReplayCommand }
  | { readonly type: 'diff-sort' };

/** What the run, replay and diff footers show hints for. */
export interface FooterView {
  readonly nav: NavState;
  /** A heat matrix is shown (it has an overview and a hottest cell). */
  readonly heat: boolean;
  readonly sortLabel: string;
  readonly replay?: { readonly paused: boolean; readonly ended: boolean } | undefined;
}

type Binding = KeyBinding<ScreenCommand>;
const always = (command: ScreenCommand) => (): ScreenCommand => command;

// The help lines shared by several bindings.
const MOVE = 'move the cursor';
const PAGE = 'a page of memories / of responses';
const ROWS_EDGE = 'first / last memory';
const COLUMNS_EDGE = 'first / last response';
const SCROLL = 'scroll the text in the detail pane';
const SUSPEND = 'suspend (the shell\'s fg resumes)';
// One line for the two terminal keys: the help keeps its height.
const TERMINAL = 'redraw the whole screen / suspend (fg resumes)';

/** Moves: the cursor by a row or column, a page, to an edge. */
const MOVES = {
  up: { keys: ['up', 'k'], help: MOVE, hint: { keys: '↑↓←→', what: 'move', priority: 6, order: 10 }, command: always({ type: 'move', rows: -1 }) },
  down: { keys: ['down', 'j'], help: MOVE, command: always({ type: 'move', rows: 1 }) },
  left: { keys: ['left', 'h'], help: MOVE, command: always({ type: 'move', columns: -1 }) },
  right: { keys: ['right', 'l'], help: MOVE, command: always({ type: 'move', columns: 1 }) },
  pageUp: { keys: ['pageup'], aliases: ['ctrl+b'], help: PAGE, command: always({ type: 'page', rows: -1 }) },
  pageDown: { keys: ['pagedown'], aliases: ['ctrl+f'], help: PAGE, command: always({ type: 'page', rows: 1 }) },
  pageLeft: { keys: ['H'], help: PAGE, command: always({ type: 'page', columns: -1 }) },
  pageRight: { keys: ['L'], help: PAGE, command: always({ type: 'page', columns: 1 }) },
  firstRow: { keys: ['g'], help: ROWS_EDGE, command: always({ type: 'rows-edge', to: 'first' }) },
  lastRow: { keys: ['G'], help: ROWS_EDGE, command: always({ type: 'rows-edge', to: 'last' }) },
  firstColumn: { keys: ['home', '0'], help: COLUMNS_EDGE, command: always({ type: 'columns-edge', to: 'first' }) },
  lastColumn: { keys: ['end', '$'], help: COLUMNS_EDGE, command: always({ type: 'columns-edge', to: 'last' }) },
} satisfies Record<string, Binding>;

/** A heat matrix's keys: its overview and its hottest cells. */
const HEAT = {
  overview: {
    keys: ['z'],
    help: 'overview of the whole matrix (z, Enter: zoom in)',
    hint: { keys: 'z', what: (v) => (v.heat && !v.nav.overview ? 'overview' : undefined), priority: 4, short: 'all', order: 12 },
    command: (nav) => (nav.overview ? { type: 'overview-zoom' } : { type: 'overview-open' }),
  },
  hottest: {
    keys: ['m'],
    help: "the row's hottest cell (again: back)",
    hint: { keys: 'm', what: (v) => (v.heat ? 'hottest' : undefined), priority: 5, order: 13 },
    command: always({ type: 'hottest' }),
  },
} satisfies Record<string, Binding>;

const SORT_HINT: Hint<FooterView> = { keys: 's', what: (v) => `sort: ${v.sortLabel}`, priority: 5, short: 'sort', order: 16 };

const RUN_SORT = {
  sort: { keys: ['s'], help: 'row order: position, max divergence, key', hint: SORT_HINT, command: always({ type: 'cycle-sort' }) },
} satisfies Record<string, Binding>;

const DIFF_SORT = {
  sort: { keys: ['s'], help: 'order: position, change, drop, rise, key', hint: SORT_HINT, command: always({ type: 'diff-sort' }) },
} satisfies Record<string, Binding>;

/** The filter, the panes, help and redraw. */
const PANES = {
  filter: {

    keys: ['/'],
    help: 'filter memories by key (Enter keeps, Esc clears)',
    hint: { keys: '/', what: 'filter', priority: 4, order: 15 },
    command: always({ type: 'filter-start' }),
  },
  enter: {
    keys: ['enter'],
    help: 'show / hide the detail pane',
    hint: { keys: '⏎', what: (v) => (v.nav.overview ? 'zoom' : v.nav.detail ? 'close' : 'detail'), priority: 3, order: 11 },
    command: (nav) => (nav.overview ? { type: 'overview-zoom' } : { type: 'toggle-detail' }),
  },
  scrollUp: {
    keys: ['[', 'K'],
    help: SCROLL,
    hint: { keys: '[ ]', what: (v) => (v.nav.detail ? 'scroll' : undefined), priority: 5, order: 14 },
    command: always({ type: 'detail-scroll', by: -1 }),
  },
  scrollDown: { keys: [']', 'J'], help: SCROLL, command: always({ type: 'detail-scroll', by: 1 }) },
  escape: {
    keys: ['escape'],
    help: 'clear the filter, close the overview or pane',
    hint: { keys: 'Esc', what: (v) => (v.heat && v.nav.overview ? 'back' : undefined), priority: 4, order: 12 },
    command: (nav) => (nav.overview ? { type: 'overview-close' } : nav.filter !== '' ? { type: 'filter-clear' } : nav.detail ? { type: 'toggle-detail' } : null),
  },
  help: { keys: ['?'], help: 'this help', hint: { keys: '?', what: 'help', priority: 2, order: 17 }, command: always({ type: 'toggle-help' }) },
  redraw: { keys: ['ctrl+l'], help: TERMINAL, always: true, command: always({ type: 'redraw' }) },
  suspend: { keys: ['ctrl+z'], help: TERMINAL, always: true, command: always({ type: 'suspend' }) },
} satisfies Record<string, Binding>;

/** q and Ctrl-C, with the screen's own words for what quitting does. */
function quitKeys(help: string) {
  return {
    quit: { keys: ['q'], help, hint: { keys: 'q', what: 'quit', priority: 1, order: 18 }, command: always({ type: 'quit', interrupt: false }) },
    interrupt: { keys: ['ctrl+c'], help, always: true, command: always({ type: 'quit', interrupt: true }) },
  } satisfies Record<string, Binding>;
}

const RUN_QUIT = quitKeys('quit (cancels calls in flight)');
const DIFF_QUIT = quitKeys('quit');

const replay = (command: ReplayCommand) => always({ type: 'replay', command });

const REPLAY = {
  pause: {
    keys: ['space'],
    help: 'replay: pause / resume',
    hint: { keys: '␣', what: (v) => (v.replay?.ended ? 'again' : v.replay?.paused ? 'play' : 'pause'), priority: 1, order: 1 },
    command: replay({ type: 'toggle-pause' }),
  },
  step: { keys: ['.'], help: 'replay: one event forward (pauses)', hint: { keys: '.', what: 'step', priority: 3, order: 2 }, command: replay({ type: 'step' }) },
  faster: { keys: ['+'], aliases: ['='], help: 'replay: twice / half the speed', hint: { keys: '+-', what: 'speed', priority: 4, order: 4 }, command: replay({ type: 'speed', faster: true }) },
  slower: { keys: ['-'], aliases: ['_'], help: 'replay: twice / half the speed', command: replay({ type: 'speed', faster: false }) },
  back: { keys: ['<'], help: 'replay: one event back / forward (pauses)', hint: { keys: '<>', what: 'seek', priority: 3, order: 3 }, command: replay({ type: 'seek', by: -1 }) },
  forward: { keys: ['>'], help: 'replay: one event back / forward (pauses)', command: replay({ type: 'seek', by: 1 }) },
  tenthBack: { keys: ['shift+left'], help: 'replay: seek a tenth of the run back / forward', command: replay({ type: 'seek', by: -1, unit: 'tenth' }) },
  tenthForward: { keys: ['shift+right'], help: 'replay: seek a tenth of the run back / forward', command: replay({ type: 'seek', by: 1, unit: 'tenth' }) },
} satisfies Record<string, Binding>;

/** While help is open: these keys only close it (any other closes it and does what it does). */
export const HELP_KEYS = {
  close: { keys: ['?', 'q', 'escape', 'enter'], help: 'any key closes this help', command: always({ type: 'toggle-help' }) },
} satisfies Record<string, Binding>;

/** While a filter is typed: these keys end it; arrows and pages still move; the rest is text. */
export const FILTER_KEYS = {
  accept: { keys: ['enter'], help: 'keep the filter', hint: { keys: 'Enter', what: 'keep', priority: 1 }, command: always({ type: 'filter-accept' }) },
  clear: { keys: ['escape'], help: 'clear the filter', hint: { keys: 'Esc', what: 'clear', priority: 1 }, command: always({ type: 'filter-clear' }) },
} satisfies Record<string, Binding>;

// Each screen's keys, in help order. A binding is live on a screen only if listed here.
export const RUN_KEYS = { ...MOVES, ...HEAT, ...RUN_SORT, ...PANES, ...RUN_QUIT } satisfies Record<string, Binding>;
/** The run screen showing a recorded session: its keys, then the replay's. */
export const REPLAY_KEYS = { ...RUN_KEYS, ...REPLAY } satisfies Record<string, Binding>;
/** The diff screen: no overview or hottest cell (no heat matrix), its own row order, nothing in flight to cancel. */
export const DIFF_KEYS = { ...MOVES, ...DIFF_SORT, ...PANES, ...DIFF_QUIT } satisfies Record<string, Binding>;

export type KeyTable<C = ScreenCommand, S = NavState, V = FooterView> = Readonly<Record<string, KeyBinding<C, S, V>>>;

/** The binding a key report is, in `table`: keys with a modifier first (Shift-← before ←). */
export function bindingFor<C, S, V>(table: KeyTable<C, S, V>, input: string, key: KeyPress, only?: (name: KeyName) => boolean): KeyBinding<C, S, V> | undefined {
  const all = Object.values(table);
  for (const modified of [true, false]) {
    for (const binding of all) {
      const names = [...binding.keys, ...(binding.aliases ?? [])].filter((name) => hasModifier(name) === modified && (only?.(name) ?? true));
      if (names.some((name) => isKey(name, input, key))) return binding;
    }
  }
  return undefined;
}

/** The command a key runs in `table`, in this state; null when it runs none. */
export function commandIn<C, S, V>(table: KeyTable<C, S, V>, input: string, key: KeyPress, state: S, only?: (name: KeyName) => boolean): C | null {
  return bindingFor(table, input, key, only)?.command(state) ?? null;
}

// Typed text for the filter: printable characters only, whatever a paste carried.
const PRINTABLE = /[^\u0000-\u001f\u007f-\u009f]/gu;

/** The command a key runs on a screen with `table`, given where the screen is (help open, filter typed). */
export function commandForKey(table: KeyTable, input: string, key: KeyPress, nav: NavState): ScreenCommand | null {
  const anyTime = Object.fromEntries(Object.entries(table).filter(([, binding]) => binding.always));
  const first = commandIn(anyTime, input, key, nav);
  if (first) return first;
  if (nav.help) {
    // The help's own keys close it; any other closes it and does what it does (a move, not a replay's or a row order's command).
    if (bindingFor(HELP_KEYS, input, key)) return { type: 'toggle-help' };
    const command = commandForKey(table, input, key, { ...nav, help: false });
    return command && command.type !== 'replay' && command.type !== 'diff-sort' ? command : { type: 'toggle-help' };
  }
  if (nav.editingFilter) {
    const ends = commandIn(FILTER_KEYS, input, key, nav);
    if (ends) return ends;
    if (key.backspace || key.delete) return { type: 'filter-backspace' };
    // The named keys still move (arrows, pages, Home, End); characters are the filter's text.
    const moved = commandIn(MOVES, input, key, nav, (name) => !isCharacter(name) && !name.startsWith('ctrl+'));
    if (moved) return moved;
    if (key.ctrl || key.meta || key.tab) return null;
    const text = (input.match(PRINTABLE) ?? []).join('');
    return text === '' ? null : { type: 'filter-type', text };
  }
  return commandIn(table, input, key, nav);
}

export interface HelpLine {
  readonly keys: string;
  readonly what: string;
}

/**
 * The help overlay's lines: one per help text, its bindings' keys in groups (named keys and
 * characters apart, first keys and second keys apart): "↑ ↓ ← →  k j h l", "PgUp PgDn  H L".
 */
export function helpLines(table: KeyTable<unknown, never, never>): HelpLine[] {
  const lines = new Map<string, Map<string, string[]>>();
  for (const binding of Object.values(table)) {
    const groups = lines.get(binding.help) ?? new Map<string, string[]>();
    lines.set(binding.help, groups);
    binding.keys.forEach((name, i) => {
      const group = `${isCharacter(name) ? 'char' : 'named'} ${i}`;
      groups.set(group, [...(groups.get(group) ?? []), keyLabel(name)]);
    });
  }
  return [...lines].map(([what, groups]) => ({ keys: [...groups.values()].map((labels) => labels.join(' ')).join('  '), what }));
}

export interface ShownHint {
  readonly keys: string;
  readonly what: string;
  readonly priority: number;
  readonly short?: string | undefined;
}

/** The footer's hints for this view, in footer order. */
export function footerHints<V>(table: KeyTable<unknown, never, V>, view: V): ShownHint[] {
  return Object.values(table)
    .flatMap((binding, index) => (binding.hint ? [{ hint: binding.hint, index }] : []))
    .sort((a, b) => (a.hint.order ?? a.index) - (b.hint.order ?? b.index))
    .flatMap(({ hint }) => {
      const what = typeof hint.what === 'function' ? hint.what(view) : hint.what;
      return what === undefined ? [] : [{ keys: hint.keys, what, priority: hint.priority, short: hint.short }];
    });
}

export type SessionCommand =
  | { readonly type: 'move'; readonly by: number }
  | { readonly type: 'page'; readonly by: number }
  | { readonly type: 'edge'; readonly to: 'first' | 'last' }
  | { readonly type: 'open' }
  | { readonly type: 'mark' }
  | { readonly type: 'diff' }
  | { readonly type: 'suspend' }
  | { readonly type: 'quit'; readonly interrupt: boolean };

/** What the sessions footer shows hints for. */
export interface SessionsView {
  /** The list can mark two sessions for a diff. */
  readonly diff: boolean;
  readonly marked: number;
}

type SessionBinding = KeyBinding<SessionCommand, unknown, SessionsView>;
const run = (command: SessionCommand) => (): SessionCommand => command;
const CHOOSE = 'choose a session';
const SESSION_EDGE = 'first / last session';
const SESSION_QUIT = 'quit';

/** `memscope sessions`: the list's keys. */
export const SESSION_KEYS = {
  up: { keys: ['up', 'k'], help: CHOOSE, hint: { keys: '↑↓', what: 'choose', priority: 1 }, command: run({ type: 'move', by: -1 }) },
  down: { keys: ['down', 'j'], help: CHOOSE, command: run({ type: 'move', by: 1 }) },
  pageUp: { keys: ['pageup'], help: 'a page of sessions up / down', command: run({ type: 'page', by: -1 }) },
  pageDown: { keys: ['pagedown'], help: 'a page of sessions up / down', command: run({ type: 'page', by: 1 }) },
  first: { keys: ['g', 'home'], help: SESSION_EDGE, command: run({ type: 'edge', to: 'first' }) },
  last: { keys: ['G', 'end'], help: SESSION_EDGE, command: run({ type: 'edge', to: 'last' }) },
  open: { keys: ['enter'], help: 'replay the session', hint: { keys: '⏎', what: 'replay', priority: 1 }, command: run({ type: 'open' }) },
  mark: { keys: ['space'], help: 'mark for a diff (two at most)', hint: { keys: '␣', what: (v) => (v.diff ? 'mark' : undefined), priority: 1 }, command: run({ type: 'mark' }) },
  diff: {
    keys: ['d'],
    help: 'compare the two marked sessions (older as A)',
    hint: { keys: 'd', what: (v) => (v.diff ? `diff${v.marked > 0 ? ` (${v.marked}/2)` : ''}` : undefined), priority: 1 },
    command: run({ type: 'diff' }),
  },
  quit: { keys: ['q', 'escape'], help: SESSION_QUIT, hint: { keys: 'q', what: 'quit', priority: 1 }, command: run({ type: 'quit', interrupt: false }) },
  interrupt: { keys: ['ctrl+c'], help: SESSION_QUIT, command: run({ type: 'quit', interrupt: true }) },
  suspend: { keys: ['ctrl+z'], help: SUSPEND, command: run({ type: 'suspend' }) },
} satisfies Record<string, SessionBinding>;
