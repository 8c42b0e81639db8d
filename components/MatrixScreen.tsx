// The memories × responses modes' screen: the mode's summary lines, then the matrix, or its
// overview folded into the same area, with the cursor on a memory's row and a response's column.
import { useMemo } from 'react';
import { neutralize } from '../src/core/sanitize.ts';
import { keyLabelWidth } from '../src/tui/key-label.ts';
import { matrixLayout } from '../src/tui/matrix-layout.ts';
import { hottestCell, overviewGrid } from '../src/tui/overview.ts';
import { SORT_LABELS, orderRows } from '../src/tui/row-order.ts';
import { selectedIndex } from '../src/tui/screen-nav.ts';
import { MatrixView } from './MatrixView.tsx';
import { ModeSummary, hasSummary } from './ModeSummary.tsx';
import { OverviewView } from './OverviewView.tsx';
import { RunFrame, bodyArea, useRunShell, type ModeScreenProps } from './RunFrame.tsx';
import { useCursorScroll } from './use-cursor-scroll.ts';

export function MatrixScreen(props: ModeScreenProps) {
  const { state, texts } = props;
  const shell = useRunShell(props);
  const { nav, theme, screen } = shell;
  const order = useMemo(() => orderRows(state.memories, nav.sort, nav.filter), [state.memories, nav.sort, nav.filter]);
  const rows = useMemo(() => order.map((i) => state.memories[i]!.key), [order, state.memories]);
  // Sized by the keys as shown (control characters become wider stand-ins).
  // A key in several places has its "×N" mark beside it.
  const longestKey = useMemo(() => state.memories.reduce((w, m) => Math.max(w, keyLabelWidth(neutralize(m.key), texts.places?.(m.key) ?? 1)), 0), [state.memories, texts]);

  const summary = hasSummary(state);
  const area = bodyArea(state, shell, summary ? 1 : 0);
  const columns = state.responses.length;
  // One object while its inputs hold, so the memoised views skip the spinner's ticks.
  const layout = useMemo(() => matrixLayout(screen.width, state.mode, longestKey, columns), [screen.width, state.mode, longestKey, columns]);
  const cursorRow = selectedIndex(nav, rows);
  const cursorColumn = Math.max(0, Math.min(nav.column, columns - 1));

  // The overview folds every row and column into the matrix's area; with colour a line holds two
  // block rows (half blocks).
  const overview = nav.overview && columns > 0 && order.length > 0;
  const perLine = theme.depth === 'none' ? 1 : 2;
  const rowBlocks = Math.min(order.length, area.visibleRows * perLine);
  const columnBlocks = Math.min(columns, layout.cellArea);
  const grid = useMemo(
    () => (overview ? overviewGrid(state.memories, order, columns, rowBlocks, columnBlocks) : undefined),
    [overview, state.memories, order, columns, rowBlocks, columnBlocks],
  );
  const { top, left } = useCursorScroll(cursorRow, cursorColumn, area.visibleRows, layout.visibleColumns, rows.length, columns);

  const view = grid ? (
    <OverviewView state={state} order={order} grid={grid} perLine={perLine} cursorRow={cursorRow} cursorColumn={cursorColumn} layout={layout} height={area.height} theme={theme} />
  ) : (
    <MatrixView state={state} order={order} cursorRow={cursorRow} cursorColumn={cursorColumn} top={top} left={left} layout={layout} height={area.height} theme={theme} sortBy={nav.sort} places={texts.places} />
  );
  return (
    <RunFrame
      props={props}
      shell={shell}
      area={area}
      body={
        <>
          {summary ? <ModeSummary state={state} width={screen.width} theme={theme} /> : null}
          {view}
        </>
      }
      keys={{
        rows,
        columns,
        pageRows: area.visibleRows,
        pageColumns: Math.max(1, layout.visibleColumns),
        overview: grid ? { rowBlocks, columnBlocks } : undefined,
        hottest: (rowRange, cells) => hottestCell(state.memories, order, rowRange, cells),
      }}
      total={state.memories.length}
      sortLabel={SORT_LABELS[nav.sort]}
      legendMax={state.maxDivergence}
      target={{ row: order[cursorRow], column: cursorColumn }}
    />
  );
}
