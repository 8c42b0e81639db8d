// `memscope sessions`: the recorded sessions, newest first, kept up to date as files appear and
// runs end. Up/down choose, Enter opens one in replay, Space marks two and d compares them
// (older as A, newer as B), q quits. It reads a list and renders.
import { useInput } from 'ink';
import { useRef, useState, useSyncExternalStore } from 'react';
import type { ColorDepth } from '../src/tui/color-depth.ts';
import { fit, fitTail } from '../src/core/display-width.ts';
import { neutralize } from '../src/core/sanitize.ts';
import { screenTheme } from '../src/tui/screen-theme.ts';
import { splitKeys, type KeyPress } from '../src/tui/key-press.ts';
import { commandIn, footerHints, SESSION_KEYS } from '../src/tui/key-table.ts';
import type { SessionSummary, SummaryState } from '../src/sessions/session-summary.ts';
import { SESSION_COLUMNS, sessionRow } from '../src/sessions/session-list.ts';
import { paint } from '../src/tui/term-style.ts';
import { formatSize } from '../src/sessions/session-retention.ts';
import { wrapAtMost } from '../src/tui/detail-text.ts';
import { Lines } from './Lines.tsx';
import { useCursorScroll } from './use-cursor-scroll.ts';

export interface SessionSource {
  // Properties, not methods: React calls them unbound.
  readonly subscribe: (listener: () => void) => () => void;
  readonly getSnapshot: () => readonly SessionSummary[];
}

export interface SessionListProps {
  readonly source: SessionSource;
  readonly dir: string;
  readonly depth: ColorDepth;
  readonly size: { readonly columns: number; readonly rows: number };
  readonly onOpen: (path: string) => void;
  /** Two marked sessions to compare: A (the older run), then B. */
  readonly onDiff?: (a: string, b: string) => void;
  readonly onQuit: (interrupt: boolean) => void;
  /** Ctrl-Z: give the terminal back and stop until `fg`. */
  readonly onSuspend?: () => void;
  /** A line for the user, e.g. why the last session could not be opened. */
  readonly notice?: string | undefined;
  /** Sessions marked before (a diff that could not be shown keeps its marks). */
  readonly marks?: readonly string[];
}

const STATE_ROLE: Record<SummaryState, 'good' | 'accent' | 'warn' | 'badStrong'> = {
  done: 'good',
  running: 'accent',
  cut: 'warn',
  interrupted: 'warn',
  failed: 'badStrong',
};

/** The mark column (A, B or ●) and the space that keeps it off the timestamp. */
const MARK_GAP = '  ';

/** Widths of the fixed columns; the context path takes what is left. */
const WIDTHS = [21, 0, 12, 9, 10, 12];

export function SessionList({ source, dir, depth, size, onOpen, onDiff, onQuit, onSuspend, notice, marks: initialMarks = [] }: SessionListProps) {
  const sessions = useSyncExternalStore(source.subscribe, source.getSnapshot);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  // Marked for a diff, in the order marked; a third mark lets the first go.
  const [marked, setMarked] = useState<readonly string[]>(initialMarks);
  const [hint, setHint] = useState<string | undefined>(undefined);
  const theme = screenTheme(depth);
  const s = theme.style;
  const width = size.columns;
  const message = hint ?? notice;
  // A message (why sessions could not be compared) is shown whole, on lines of its own above the keys.
  const messageLines = message ? wrapAtMost(message, width - 2, 3).map((line) => paint(fit(` ${line}`, width), s.warn)) : [];
  const listHeight = Math.max(1, size.rows - 4 - messageLines.length);
  // The cursor stays on its session as newer ones arrive above it.
  const found = selected === undefined ? -1 : sessions.findIndex((x) => x.path === selected);
  const cursor = sessions.length === 0 ? 0 : Math.max(0, found);
  const { top: scrollTop } = useCursorScroll(cursor, 0, listHeight, 0, sessions.length, 0);
  const state = useRef({ cursor, sessions, marked });
  state.current = { cursor, sessions, marked };

  useInput((chunk: string, pressed: KeyPress) => {
    for (const [input, key] of splitKeys(chunk, pressed)) if (onKey(input, key)) return;
  });
  /** One key; true when the list is done with keys (a session opened, or quit). */
  function onKey(input: string, key: KeyPress): boolean {
    const { cursor: at, sessions: list, marked: marks } = state.current;
    const move = (to: number) => {
      const next = Math.max(0, Math.min(list.length - 1, to));
      const session = list[next];
      if (session) setSelected(session.path);
      state.current = { ...state.current, cursor: next };
    };
    const command = commandIn(SESSION_KEYS, input, key, undefined);
    switch (command?.type) {
      case 'quit':
        onQuit(command.interrupt);
        return true;
      case 'suspend':
        onSuspend?.();
        break;
      case 'move':
        move(at + command.by);
        break;
      case 'page':
        move(at + command.by * listHeight);
        break;
      case 'edge':
        move(command.to === 'first' ? 0 : list.length - 1);
        break;
      case 'open':
        if (!list[at]) break;
        onOpen(list[at].path);
        return true;
      case 'mark': {
        if (!list[at] || !onDiff) break;
        const path = list[at].path;
        const next = marks.includes(path) ? marks.filter((p) => p !== path) : [...marks, path].slice(-2);
        state.current = { ...state.current, marked: next };
        setMarked(next);
        setHint(undefined);
        move(at + 1);
        break;
      }
      case 'diff': {
        if (!onDiff) break;
        const chosen = marks.map((path) => list.find((x) => x.path === path)).filter((x) => x !== undefined);
        if (chosen.length < 2) {
          setHint('mark two sessions with Space, then d compares them');
          return false;
        }
        const [a, b] = [...chosen].sort(olderFirst);
        onDiff(a!.path, b!.path);
        return true;
      }
    }
    return false;
  }

  const contextWidth = Math.max(8, width - WIDTHS.reduce((a, b) => a + b, 0) - MARK_GAP.length);
  const widths = WIDTHS.map((w) => w || contextWidth);
  // The context path keeps its tail: the file name tells sessions apart.
  const cells = (values: readonly string[]) => values.map((v, i) => (i === 1 ? fitTail(neutralize(v), widths[i]! - 1) : fit(neutralize(v), widths[i]! - 1, i >= 3 && i <= 4 ? 'right' : 'left')) + ' ').join('');
  const title = ` memscope sessions · ${neutralize(dir)} `;
  const lines: string[] = [
    paint(fit(`${title}· ${sessions.length} recorded · ${formatSize(sessions.reduce((sum, x) => sum + x.size, 0))}`, width), s.barTitle),
    paint(fit(MARK_GAP + cells(SESSION_COLUMNS), width), s.title),
  ];
  if (sessions.length === 0) lines.push(paint(fit(' no sessions yet: every run on the screen is recorded here', width), s.faint));
  sessions.slice(scrollTop, scrollTop + listHeight).forEach((session, i) => {
    const row = sessionRow(session);
    // The first column marks a session chosen for a diff: A for the older, B for the newer.
    const mark = markLabel(session, marked, sessions) + MARK_GAP.slice(1);
    const text = paint(mark, s.key) + cells(row.slice(0, 5)) + paint(fit(row[5]!, widths[5]!), s[STATE_ROLE[session.state]]);
    lines.push(scrollTop + i === cursor ? paint(fit(mark + cells(row), width), s.cursor) : text);
  });
  const body = <Lines lines={lines} height={size.rows - 1 - messageLines.length} slot="sessions" />;
  const hints = footerHints(SESSION_KEYS, { diff: onDiff !== undefined, marked: marked.length });
  const footer = ' ' + hints.map((h) => `${paint(h.keys, s.key)} ${paint(h.what, s.faint)}`).join('  ');
  return (
    <>
      {body}
      <Lines lines={[...messageLines, footer]} height={1 + messageLines.length} slot="sessions-footer" />
    </>
  );
}

/** The diff's order: the older run first (A); of two started together, the path first in order. */
function olderFirst(x: SessionSummary, y: SessionSummary): number {
  return x.created.localeCompare(y.created) || x.path.localeCompare(y.path);
}

/** A marked session's letter in the diff to come (the older run is A), else a blank. */
function markLabel(session: SessionSummary, marked: readonly string[], sessions: readonly SessionSummary[]): string {
  if (!marked.includes(session.path)) return ' ';
  if (marked.length < 2) return '●';
  const other = sessions.find((x) => x.path !== session.path && marked.includes(x.path));
  if (!other) return '●';
  return olderFirst(session, other) < 0 ? 'A' : 'B';
}
