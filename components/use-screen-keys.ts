// A screen's keys: each key report looked up in the screen's key table; moves, filter, panes and
// help change the nav state here, quit and redraw go to the caller, and the screen's own commands
// (a replay's, the diff's row order) to `onCommand`.
import { useInput } from 'ink';
import { useRef } from 'react';
import { splitKeys } from '../src/tui/key-press.ts';
import { commandForKey, type KeyTable, type ScreenCommand } from '../src/tui/key-table.ts';
import { navigate, type NavAction, type NavContext, type NavState } from '../src/tui/screen-nav.ts';

/** A command that is not a move: the screen's own (a replay's, the diff's order). */
export type OwnCommand = Exclude<ScreenCommand, NavAction | { type: 'quit' } | { type: 'redraw' } | { type: 'suspend' }>;

export interface ScreenKeys {
  /** The screen's keys. */
  readonly table: KeyTable;
  readonly nav: NavState;
  readonly setNav: (nav: NavState) => void;
  /** What the moves need: this render's rows, columns and page sizes. */
  readonly context: NavContext;
  readonly onQuit?: ((interrupt: boolean) => void) | undefined;
  /** Ctrl-L: the terminal should be painted afresh. */
  readonly onRedraw?: (() => void) | undefined;
  /** Ctrl-Z: the terminal is given back and the process stops until `fg`. */
  readonly onSuspend?: (() => void) | undefined;
  /** The screen's own commands; returns the next nav state when they change it. */
  readonly onCommand?: ((command: OwnCommand, nav: NavState, context: NavContext) => NavState | void) | undefined;
}

export function useScreenKeys({ table, nav, setNav, context, onQuit, onRedraw, onSuspend, onCommand }: ScreenKeys): void {
  // Keys in one chunk apply in order: the ref carries each result to the next key.
  const navRef = useRef(nav);
  navRef.current = nav;
  const latest = useRef({ table, context, onQuit, onRedraw, onSuspend, onCommand });
  latest.current = { table, context, onQuit, onRedraw, onSuspend, onCommand };

  useInput((chunk: string, report) => {
    const { table, context, onQuit, onRedraw, onSuspend, onCommand } = latest.current;
    for (const [input, key] of splitKeys(chunk, report)) {
      const current = navRef.current;
      const command = commandForKey(table, input, key, current);
      if (command === null) continue;
      if (command.type === 'quit') {
        onQuit?.(command.interrupt);
        return;
      }
      if (command.type === 'redraw') {
        onRedraw?.();
        continue;
      }
      if (command.type === 'suspend') {
        onSuspend?.();
        continue;
      }
      const next = command.type === 'replay' || command.type === 'diff-sort' ? onCommand?.(command, current, context) : navigate(current, command, context);
      if (next) {
        navRef.current = next;
        setNav(next);
      }
    }
  });
}
