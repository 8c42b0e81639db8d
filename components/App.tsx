// The live debug screen: header, the mode's view (matrix or fine-tune list), the detail pane,
// the activity line and the footer. It reads the run from a store and owns only what the user
// changes (cursor, order, filter, panes); it does no I/O and never scores.
import { Box } from 'ink';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { ColorDepth } from '../src/tui/color-depth.ts';
import type { ContextTexts } from '../src/context/context-texts.ts';
import { keyLabelWidth } from '../src/tui/key-label.ts';
import { neutralize } from '../src/core/sanitize.ts';
import type { LineOverlay } from '../src/tui/line-overlay.ts';
import { matrixLayout, screenLayout } from '../src/tui/matrix-layout.ts';
import { SORT_LABELS, orderRows } from '../src/tui/row-order.ts';
import type { ReplayCommand, ReplayStatus } from '../src/tui/replay-driver.ts';
import type { RunState } from '../src/tui/run-state.ts';
import { REPLAY_KEYS, RUN_KEYS } from '../src/tui/key-table.ts';
import { INITIAL_NAV, selectedIndex, type NavState } from '../src/tui/screen-nav.ts';
import { screenTheme } from '../src/tui/screen-theme.ts';
import { SIMULATED, isSimulated } from '../src/builtin/builtin-label.ts';
import { ActivityLine } from './ActivityLine.tsx';
import { DetailPane } from './DetailPane.tsx';
import { detailView } from '../src/tui/detail-text.ts';
import { FinetuneView, finetuneRows } from './FinetuneView.tsx';
import { Footer } from './Footer.tsx';
import { Header, headerText } from './Header.tsx';
import { HelpOverlay } from './HelpOverlay.tsx';
import { OverlayContext } from './Lines.tsx';
import { MatrixView } from './MatrixView.tsx';
import { FailureNote, failureLines } from './FailureNote.tsx';
import { OverviewView } from './OverviewView.tsx';
import { hottestCell, overviewGrid } from '../src/tui/overview.ts';
import { ModeSummary, hasSummary } from './ModeSummary.tsx';
import { TooSmall } from './TooSmall.tsx';
import { useCursorScroll } from './use-cursor-scroll.ts';
import { useScreenKeys } from './use-screen-keys.ts';

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

const NO_REPLAY = { subscribe: () => () => undefined, getSnapshot: () => undefined };

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

export const TICK_MS = 120;

function useTicks(active: boolean): number {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setFrame((f) => f + 1), TICK_MS);
    return () => clearInterval(timer);
  }, [active]);
  return frame;
}

export function App({ store, texts, file, depth, size, onQuit, onRedraw, onSuspend, now = Date.now, animate = true, overlay, replay, tag, notice, keys = true }: AppProps) {
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const replaySource = replay ?? NO_REPLAY;
  const replayStatus: ReplayStatus | undefined = useSyncExternalStore(replaySource.subscribe, replaySource.getSnapshot);
  const [nav, setNav] = useState<NavState>(INITIAL_NAV);
  const running = state.phase === 'running' || state.phase === 'waiting';
  // A paused replay stands still, spinner included.
  const frame = useTicks(animate && running && !replayStatus?.paused);
  const theme = screenTheme(depth);
  const screen = screenLayout(size.columns, size.rows, nav.detail);
  const { width } = screen;
  const finetune = state.mode === 'finetune';

  const order = useMemo(() => orderRows(state.memories, nav.sort, nav.filter), [state.memories, nav.sort, nav.filter]);
  const { responses, result } = state;
  const candidates = useMemo(() => (finetune ? finetuneRows(responses, result) : []), [finetune, responses, result]);
  const candidateRows = useMemo(() => {
    const shown = nav.filter === '' ? candidates : candidates.filter((r) => String(r.entry).includes(nav.filter));
    return nav.sort === 'key' ? [...shown].sort((a, b) => a.entry - b.entry) : shown;
  }, [candidates, nav.filter, nav.sort]);
  const rowIds = useMemo(
    () => (finetune ? candidateRows.map((r) => String(r.entry)) : order.map((i) => state.memories[i]!.key)),
    [finetune, candidateRows, order, state.memories],
  );
  // Sized by the keys as shown (control characters become wider stand-ins).
  // A key in several places has its "×N" mark beside it.
  const longestKey = useMemo(() => state.memories.reduce((w, m) => Math.max(w, keyLabelWidth(neutralize(m.key), texts.places?.(m.key) ?? 1)), 0), [state.memories, texts]);

  const summary = !finetune && hasSummary(state) ? 1 : 0;
  const bodyHeight = screen.bodyHeight;
  // A failed run's error, whole, above the matrix (the ruler and two rows stay).
  const failure = state.phase === 'failed' && state.failure !== null ? failureLines(neutralize(state.failure), width, Math.max(0, Math.min(6, bodyHeight - summary - 3))) : [];
  const matrixHeight = Math.max(1, bodyHeight - summary - failure.length);
  const visibleRows = Math.max(1, matrixHeight - 1);
  const columns = finetune ? 0 : state.responses.length;
  // One object while its inputs hold, so the memoised views skip the spinner's ticks.
  const layout = useMemo(() => matrixLayout(width, state.mode, longestKey, columns), [width, state.mode, longestKey, columns]);
  const cursorRow = selectedIndex(nav, rowIds);
  const cursorColumn = Math.max(0, Math.min(nav.column, columns - 1));

  // The overview folds every row and column into the matrix's area; with colour a line holds two
  // block rows (half blocks).
  const overview = nav.overview && !finetune && columns > 0 && order.length > 0;
  const perLine = theme.depth === 'none' ? 1 : 2;
  const rowBlocks = Math.min(order.length, visibleRows * perLine);
  const columnBlocks = Math.min(columns, layout.cellArea);
  const grid = useMemo(
    () => (overview ? overviewGrid(state.memories, order, columns, rowBlocks, columnBlocks) : undefined),
    [overview, state.memories, order, columns, rowBlocks, columnBlocks],
  );

  const { top, left } = useCursorScroll(cursorRow, cursorColumn, visibleRows, layout.visibleColumns, rowIds.length, columns);

  const candidate = finetune ? candidateRows[cursorRow] : undefined;
  const detailRow = finetune ? undefined : order[cursorRow];
  const detailShown = screen.detailHeight > 0 && !nav.help && !screen.tooSmall;
  const detail = useMemo(
    () =>
      detailShown
        ? detailView({
            state,
            texts,
            row: detailRow,
            column: cursorColumn,
            scroll: nav.detailScroll,
            width,
            height: screen.detailHeight,
            theme,
            ...(candidate ? { candidate } : {}),
          })
        : undefined,
    [detailShown, state, texts, detailRow, cursorColumn, nav.detailScroll, width, screen.detailHeight, theme, candidate],
  );

  const table = replay ? REPLAY_KEYS : RUN_KEYS;
  useScreenKeys({
    table,
    nav,
    setNav,
    context: {
      rows: rowIds,
      columns,
      pageRows: visibleRows,
      pageColumns: Math.max(1, layout.visibleColumns),
      maxDetailScroll: detail?.maxScroll ?? 0,
      overview: overview ? { rowBlocks, columnBlocks } : undefined,
      hottest: finetune ? undefined : (rows, cells) => hottestCell(state.memories, order, rows, cells),
    },
    onQuit,
    onRedraw,
    onSuspend,
    onCommand: (command) => {
      if (command.type === 'replay') replay?.command(command.command);
    },
  });

  const at = now();
  const headerProps = { state, file, width, now: at, replay: replayStatus, tag };
  const header = <Header {...headerProps} theme={theme} />;
  // A latency added on purpose (the demo) is said where the header cannot say it, in two words
  // (at 80 columns the activity line has little room).
  const latency = !headerText(headerProps).backendShown && isSimulated(state.backend ?? '') ? SIMULATED : undefined;
  const activityNotice = [notice, latency].filter(Boolean).join(' · ') || undefined;
  if (screen.tooSmall) {
    return (
      <OverlayContext.Provider value={overlay}>
        <TooSmall columns={size.columns} rows={size.rows} width={width} height={screen.height} theme={theme} />
      </OverlayContext.Provider>
    );
  }

  const sortLabel = finetune ? (nav.sort === 'key' ? 'entry' : 'rank') : SORT_LABELS[nav.sort];
  let body;
  if (nav.help) {
    body = <HelpOverlay width={width} height={bodyHeight + screen.detailHeight} theme={theme} table={table} />;
  } else if (finetune) {
    body = <FinetuneView state={state} rows={candidateRows} texts={texts} cursor={cursorRow} top={top} width={width} height={bodyHeight - failure.length} theme={theme} />;
  } else if (grid) {
    body = (
      <>
        {summary ? <ModeSummary state={state} width={width} theme={theme} /> : null}
        <OverviewView state={state} order={order} grid={grid} perLine={perLine} cursorRow={cursorRow} cursorColumn={cursorColumn} layout={layout} height={matrixHeight} theme={theme} />
      </>
    );
  } else {
    body = (
      <>
        {summary ? <ModeSummary state={state} width={width} theme={theme} /> : null}
        <MatrixView
          state={state}
          order={order}
          cursorRow={cursorRow}
          cursorColumn={cursorColumn}
          top={top}
          left={left}
          layout={layout}
          height={matrixHeight}
          theme={theme}
          sortBy={nav.sort}
          places={texts.places}
        />
      </>
    );
  }
  const shown = rowIds.length;
  const total = finetune ? candidates.length : state.memories.length;
  const legendMax = finetune ? undefined : state.maxDivergence;
  return (
    <OverlayContext.Provider value={overlay}>
      <Box flexDirection="column" height={screen.height}>
        {header}
        {failure.length > 0 && !nav.help ? <FailureNote lines={failure} width={width} theme={theme} /> : null}
        {body}
        {detail ? <DetailPane view={detail} height={screen.detailHeight} /> : null}
        <ActivityLine state={state} width={width} now={at} frame={frame} theme={theme} notice={activityNotice} />
        <Footer nav={nav} width={width} theme={theme} max={legendMax} shown={shown} total={total} sortLabel={sortLabel} table={table} replay={replayStatus} keys={keys} noise={state.noise !== null} />
      </Box>
    </OverlayContext.Provider>
  );
}

