// The live debug screen: it reads the run from a store and shows it on its mode's screen (the
// matrix, or fine-tune's list), framed by RunFrame. The screens own only what the user changes
// (cursor, order, filter, panes); they do no I/O and never score.
import { useSyncExternalStore, type ReactNode } from 'react';
import type { ContextTexts } from '../src/context/context-texts.ts';
import type { ReplayCommand, ReplayStatus } from '../src/tui/replay-driver.ts';
import type { ColorDepth } from '../src/tui/color-depth.ts';
import type { LineOverlay } from '../src/tui/line-overlay.ts';
import type { Mode } from '../src/engine/events.ts';
import type { RunState } from '../src/tui/run-state.ts';
import { FinetuneScreen } from './FinetuneScreen.tsx';
import { MatrixScreen } from './MatrixScreen.tsx';
import type { ModeScreenProps } from './RunFrame.tsx';

export { TICK_MS } from './RunFrame.tsx';

export interface ScreenSize {
  readonly columns: number;
  readonly rows: number;
}

export interface RunSource {
  // Properties, not methods: React calls them unbound.
  readonly subscribe: (listener: () => void) => () => void;
  readonly getSnapshot: () => RunState;
}

/** A replay the screen shows and steers: its status, and the replay keys' commands. */
export interface ReplayControl {
  readonly subscribe: (listener: () => void) => () => void;
  readonly getSnapshot: () => ReplayStatus;
  command(command: ReplayCommand): void;
}

export interface AppProps {
  readonly store: RunSource;
  readonly texts: ContextTexts;
  /** The input file, as the user named it. */
  readonly file: string;
  readonly depth: ColorDepth;
  /** The size to lay out for; the caller renders again with the new one on a resize. */
  readonly size: ScreenSize;
  readonly onQuit?: (interrupt: boolean) => void;
  /** Ctrl-L: the terminal should be painted afresh (something else wrote on it). */
  readonly onRedraw?: () => void;
  /** Ctrl-Z: give the terminal back and stop until `fg`. */
  readonly onSuspend?: () => void;
  readonly now?: () => number;
  /** Spinner and clock ticks; tests turn them off for stable frames. */
  readonly animate?: boolean;
  /** Takes the matrix lines past Ink's per-character work; the frame's writer composes them in. */
  readonly overlay?: LineOverlay;
  readonly replay?: ReplayControl | undefined;
  /** A word before the mode in the header, e.g. "watch". */
  readonly tag?: string | undefined;
  /** A line for the user in the activity line (watch: what changed). */
  readonly notice?: string | undefined;
  /** False where no key reaches the screen (a cast in a player): the footer lists no keys. */
  readonly keys?: boolean;
}

/** Each mode's screen; a new mode picks the one that shows its result. Before the run says its
 * mode, the matrix's (its waiting line). */
const MODE_SCREENS: Record<Mode, (props: ModeScreenProps) => ReactNode> = {
  full: MatrixScreen,
  single: MatrixScreen,
  incremental: MatrixScreen,
  finetune: FinetuneScreen,
};

export function App(props: AppProps) {
  const state = useSyncExternalStore(props.store.subscribe, props.store.getSnapshot);
  const Screen = MODE_SCREENS[state.mode ?? 'full'];
  // Another screen is another component type, so React starts it afresh: one mode's cursor and
  // filter mean nothing to another's rows.
  return <Screen {...props} state={state} />;
}
