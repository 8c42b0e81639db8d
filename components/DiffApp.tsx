// The diff screen (`memscope diff A B`): the lines src/tui/diff-lines.ts lays out, the state
// src/tui/diff-screen-state.ts keeps, the keys of DIFF_KEYS. It renders what it is given: no I/O.
import { Box } from 'ink';
import { useMemo, useRef, useState } from 'react';
import type { ColorDepth, TerminalBackground } from '../src/tui/color-depth.ts';
import { displayWidth } from '../src/core/display-width.ts';
import { neutralize } from '../src/core/sanitize.ts';
import type { RunDiff } from '../src/engine/run-diff.ts';
import { diffPalette } from '../src/tui/diff-palette.ts';
import { diffDetail } from '../src/tui/diff-detail.ts';
import { DIFF_READING, diffMatrixLines, headerLine, summaryLine, type DiffRun } from '../src/tui/diff-lines.ts';
import { diffFrame, INITIAL_DIFF_SCREEN, reduceDiffScreen, type DiffScreenState } from '../src/tui/diff-screen-state.ts';
import { DIFF_SORT_LABELS, diffRows, maxAbsChange } from '../src/tui/diff-view.ts';
import { DIFF_KEYS } from '../src/tui/key-table.ts';
import type { LineOverlay } from '../src/tui/line-overlay.ts';
import type { NavState } from '../src/tui/screen-nav.ts';
import { screenTheme } from '../src/tui/screen-theme.ts';
import { Footer } from './Footer.tsx';
import { HelpOverlay } from './HelpOverlay.tsx';
import { Line, Lines, OverlayContext } from './Lines.tsx';
import { TooSmall } from './TooSmall.tsx';
import { useCursorScroll } from './use-cursor-scroll.ts';
import { useScreenKeys } from './use-screen-keys.ts';

export interface DiffAppProps {
  readonly a: DiffRun;
  readonly b: DiffRun;
  readonly diff: RunDiff;
  readonly depth: ColorDepth;
  /** The terminal's background: a change stands out from it by its size. */
  readonly background?: TerminalBackground;
  readonly size: { readonly columns: number; readonly rows: number };
  readonly onQuit?: (interrupt: boolean) => void;
  readonly onRedraw?: () => void;
  readonly onSuspend?: () => void;
  readonly overlay?: LineOverlay;
}

export function DiffApp({ a, b, diff, depth, background = 'dark', size, onQuit, onRedraw, onSuspend, overlay }: DiffAppProps) {
  const [state, setState] = useState<DiffScreenState>(INITIAL_DIFF_SCREEN);
  const { nav, sort } = state;
  const sortRef = useRef(sort);
  sortRef.current = sort;
  const theme = screenTheme(depth);
  const palette = diffPalette(depth, background);
  const rows = useMemo(() => diffRows(diff), [diff]);
  const max = useMemo(() => maxAbsChange(diff), [diff]);
  const longestKey = useMemo(() => rows.reduce((w, r) => Math.max(w, displayWidth(neutralize(r.key))), 0), [rows]);
  const { screen, order, rowIds, matrixHeight, visibleRows, columns, layout, cursorRow, cursorColumn, selectedRow } = diffFrame(size, state, diff, rows, longestKey);
  const { width } = screen;
  const { top, left } = useCursorScroll(cursorRow, cursorColumn, visibleRows, layout.visibleColumns, rowIds.length, columns);
  const detail =
    screen.detailHeight > 0 && !nav.help && !screen.tooSmall
      ? diffDetail({ a, b, diff, row: selectedRow, column: cursorColumn, scroll: nav.detailScroll, width, height: screen.detailHeight, theme })
      : undefined;

  useScreenKeys({
    table: DIFF_KEYS,
    nav,
    setNav: (next: NavState) => setState((current) => ({ ...current, nav: next })),
    context: { rows: rowIds, columns, pageRows: visibleRows, pageColumns: Math.max(1, layout.visibleColumns), maxDetailScroll: detail?.maxScroll ?? 0 },
    onQuit,
    onRedraw,
    onSuspend,
    onCommand: (command, current, context) => {
      if (command.type !== 'diff-sort') return;
      // Keys in one chunk apply in order: the ref carries each order to the next key.
      const next = reduceDiffScreen({ nav: current, sort: sortRef.current }, command, context);
      sortRef.current = next.sort;
      setState((now) => ({ ...now, sort: next.sort }));
      return next.nav;
    },
  });

  if (screen.tooSmall) {
    return (
      <OverlayContext.Provider value={overlay}>
        <TooSmall columns={size.columns} rows={size.rows} width={width} height={screen.height} theme={theme} />
      </OverlayContext.Provider>
    );
  }
  const body = nav.help ? (
    <HelpOverlay width={width} height={screen.bodyHeight + screen.detailHeight} theme={theme} table={DIFF_KEYS} reading={DIFF_READING} />
  ) : (
    <Lines
      lines={diffMatrixLines({ rows, order, diff, layout, cursorRow, cursorColumn, top, left, height: matrixHeight, max, sort, theme, palette })}
      height={matrixHeight}
      slot="diff-matrix"
    />
  );
  return (
    <OverlayContext.Provider value={overlay}>
      <Box flexDirection="column" height={screen.height}>
        <Line slot="diff-header" text={headerLine(a, b, diff, width, theme)} />
        {body}
        {detail ? <Lines lines={detail.lines} height={screen.detailHeight} slot="diff-detail" /> : null}
        <Line slot="diff-summary" text={summaryLine(diff, width, max, theme, palette)} />
        <Footer nav={nav} width={width} theme={theme} max={undefined} shown={rowIds.length} total={rows.length} sortLabel={DIFF_SORT_LABELS[sort]} table={DIFF_KEYS} />
      </Box>
    </OverlayContext.Provider>
  );
}
