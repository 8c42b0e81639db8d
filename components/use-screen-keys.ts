// The keys the main screen and the diff screen share: move, filter, panes, help, Ctrl-L and quit.
// A screen may take a key before them (the diff's own order, a replay's controls).
import { useInput } from 'ink';
import { useRef } from 'react';
import { commandForKey, splitKeys, type KeyPress } from '../src/screen/screen-keys.ts';
import { navigate, type NavContext, type NavState } from '../src/screen/screen-nav.ts';

/** A key the screen handles itself: its next nav state, true when taken with no change, false to pass it on. */
export type OwnKey = (key: string, press: KeyPress, nav: NavState, context: NavContext) => NavState | boolean;

export interface ScreenKeys {
  readonly nav: NavState;
  readonly setNav: (nav: NavState) => void;
  /** What the moves need: this render's rows, columns and page sizes. */
  readonly context: NavContext;
  readonly onQuit?: ((interrupt: boolean) => void) | undefined;
  /** Ctrl-L: the terminal should be painted afresh. */
  readonly onRedraw?: (() => void) | undefined;
  readonly ownKey?: OwnKey | undefined;
}

export function useScreenKeys({ nav, setNav, context, onQuit, onRedraw, ownKey }: ScreenKeys): void {
  // Keys in one chunk apply in order: the ref carries each result to the next key.
  const navRef = useRef(nav);
  navRef.current = nav;
  const latest = useRef({ context, onQuit, onRedraw, ownKey });
  latest.current = { context, onQuit, onRedraw, ownKey };

  useInput((input: string, key: KeyPress) => {
    const { context, onQuit, onRedraw, ownKey } = latest.current;
    for (const [one, press] of splitKeys(input, key)) {
      const current = navRef.current;
      const own = ownKey?.(one, press, current, context) ?? false;
      if (own !== false) {
        if (own !== true) {
          navRef.current = own;
          setNav(own);
        }
        continue;
      }
      const command = commandForKey(one, press, current);
      if (command === null) continue;
      if (command.type === 'quit') {
        onQuit?.(command.interrupt);
        return;
      }
      if (command.type === 'redraw') {
        onRedraw?.();
        continue;
      }
      navRef.current = navigate(current, command, context);
      setNav(navRef.current);
    }
  });
}
