// What every mode's screen shares: the run from the store, the user's nav state, the ticks, and the
// frame around the mode's body (header, failure note, detail pane, activity line, footer, keys).
// A mode's screen (MatrixScreen, FinetuneScreen) brings only its rows and its body.
import { Box } from 'ink';
import { useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { SIMULATED } from '../src/builtin/builtin-label.ts';
import { neutralize } from '../src/core/sanitize.ts';
import { detailView } from '../src/tui/detail-text.ts';
import { REPLAY_KEYS, RUN_KEYS, type KeyTable } from '../src/tui/key-table.ts';
import { screenLayout, type ScreenLayout } from '../src/tui/matrix-layout.ts';
import type { ReplayStatus } from '../src/tui/replay-driver.ts';
import type { RunState } from '../src/tui/run-state.ts';
import { INITIAL_NAV, type NavContext, type NavState } from '../src/tui/screen-nav.ts';
import { screenTheme, type Theme } from '../src/tui/screen-theme.ts';
import { ActivityLine } from './ActivityLine.tsx';
import type { AppProps } from './App.tsx';
import { DetailPane } from './DetailPane.tsx';
import { FailureNote, failureLines } from './FailureNote.tsx';
import type { FinetuneRow } from './FinetuneView.tsx';
import { Footer } from './Footer.tsx';
import { Header, headerText } from './Header.tsx';
import { HelpOverlay } from './HelpOverlay.tsx';
import { OverlayContext } from './Lines.tsx';
import { TooSmall } from './TooSmall.tsx';
import { useScreenKeys } from './use-screen-keys.ts';

export const TICK_MS = 120;

/** A mode's screen gets the App's props and the run's state, read once by the App. */
export interface ModeScreenProps extends AppProps {
  readonly state: RunState;
}

const NO_REPLAY = { subscribe: () => () => undefined, getSnapshot: () => undefined };

function useTicks(active: boolean): number {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setFrame((f) => f + 1), TICK_MS);
    return () => clearInterval(timer);
  }, [active]);
  return frame;
}

export interface RunShell {
  readonly replayStatus: ReplayStatus | undefined;
  readonly nav: NavState;
  readonly setNav: (nav: NavState) => void;
  /** The spinner's tick. */
  readonly frame: number;
  readonly theme: Theme;
  readonly screen: ScreenLayout;
  readonly table: KeyTable;
}

export function useRunShell({ state, replay, depth, size, animate = true }: ModeScreenProps): RunShell {
  const replaySource = replay ?? NO_REPLAY;
  const replayStatus: ReplayStatus | undefined = useSyncExternalStore(replaySource.subscribe, replaySource.getSnapshot);
  const [nav, setNav] = useState<NavState>(INITIAL_NAV);
  const running = state.phase === 'running' || state.phase === 'waiting';
  // A paused replay stands still, spinner included.
  const frame = useTicks(animate && running && !replayStatus?.paused);
  return {
    replayStatus,
    nav,
    setNav,
    frame,
    theme: screenTheme(depth),
    screen: screenLayout(size.columns, size.rows, nav.detail),
    table: replay ? REPLAY_KEYS : RUN_KEYS,
  };
}

export interface BodyArea {
  /** A failed run's error, whole, above the body (the ruler and two rows stay). */
  readonly failure: string[];
  /** The body's lines, the mode's summary lines not counted. */
  readonly height: number;
  /** Its rows under the column labels. */
  readonly visibleRows: number;
}

export function bodyArea(state: RunState, shell: RunShell, summaryLines: number): BodyArea {
  const { width, bodyHeight } = shell.screen;
  const failure = state.phase === 'failed' && state.failure !== null ? failureLines(neutralize(state.failure), width, Math.max(0, Math.min(6, bodyHeight - summaryLines - 3))) : [];
  const height = Math.max(1, bodyHeight - summaryLines - failure.length);
  return { failure, height, visibleRows: Math.max(1, height - 1) };
}

export interface RunFrameProps {
  readonly props: ModeScreenProps;
  readonly shell: RunShell;
  readonly area: BodyArea;
  /** The mode's body: its summary lines, matrix or list. */
  readonly body: ReactNode;
  /** What the moves need: the rows as shown, columns and page sizes, the overview. */
  readonly keys: Omit<NavContext, 'maxDetailScroll'>;
  /** Rows in all, before the filter. */
  readonly total: number;
  readonly sortLabel: string;
  /** The heat legend's top, where cells are heat-coloured. */
  readonly legendMax: number | undefined;
  /** What the detail pane describes: a memory's row and the cursor's column, or a candidate. */
  readonly target: { readonly row?: number | undefined; readonly column: number; readonly candidate?: FinetuneRow | undefined };
}

export function RunFrame({ props, shell, area, body, keys, total, sortLabel, legendMax, target }: RunFrameProps) {
  const { state, texts, file, size, onQuit, onRedraw, onSuspend, now = Date.now, overlay, replay, tag, notice, keys: keysReach = true } = props;
  const { replayStatus, nav, setNav, frame, theme, screen, table } = shell;
  const { width } = screen;
  const detailShown = screen.detailHeight > 0 && !nav.help && !screen.tooSmall;
  const { row, column, candidate } = target;
  const detail = useMemo(
    () =>
      detailShown
        ? detailView({ state, texts, row, column, scroll: nav.detailScroll, width, height: screen.detailHeight, theme, ...(candidate ? { candidate } : {}) })
        : undefined,
    [detailShown, state, texts, row, column, nav.detailScroll, width, screen.detailHeight, theme, candidate],
  );

  useScreenKeys({
    table,
    nav,
    setNav,
    context: { ...keys, maxDetailScroll: detail?.maxScroll ?? 0 },
    onQuit,
    onRedraw,
    onSuspend,
    onCommand: (command) => {
      if (command.type === 'replay') replay?.command(command.command);
    },
  });

  if (screen.tooSmall) {
    return (
      <OverlayContext.Provider value={overlay}>
        <TooSmall columns={size.columns} rows={size.rows} width={width} height={screen.height} theme={theme} />
      </OverlayContext.Provider>
    );
  }
  const at = now();
  const { failure } = area;
  const headerProps = { state, file, width, now: at, replay: replayStatus, tag };
  // A latency added on purpose (the demo) is said in the activity line where the header has no room
  // for it (80 columns), in the same two words.
  const latency = headerText(headerProps).backendSaid ? undefined : SIMULATED;
  const activityNotice = [notice, latency].filter(Boolean).join(' · ') || undefined;
  return (
    <OverlayContext.Provider value={overlay}>
      <Box flexDirection="column" height={screen.height}>
        <Header {...headerProps} theme={theme} />
        {failure.length > 0 && !nav.help ? <FailureNote lines={failure} width={width} theme={theme} /> : null}
        {nav.help ? <HelpOverlay width={width} height={screen.bodyHeight + screen.detailHeight} theme={theme} table={table} /> : body}
        {detail ? <DetailPane view={detail} height={screen.detailHeight} /> : null}
        <ActivityLine state={state} width={width} now={at} frame={frame} theme={theme} notice={activityNotice} />
        <Footer nav={nav} width={width} theme={theme} max={legendMax} shown={keys.rows.length} total={total} sortLabel={sortLabel} table={table} replay={replayStatus} keys={keysReach} noise={state.noise !== null} />
      </Box>
    </OverlayContext.Provider>
  );
}
