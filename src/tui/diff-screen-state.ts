// The diff screen's state and how its keys change it: the main screen's nav state (cursor,
// filter, panes, help) and the diff's own row order; `s` keeps the cursor on its row as the rows
// re-order. Also where the screen's parts go for a terminal size. Pure.
import type { RunDiff } from '../engine/run-diff.ts';
import { diffLayout, nextDiffSort, orderDiffRows, type DiffRow, type DiffSort } from './diff-view.ts';
import { screenLayout } from './matrix-layout.ts';
import { INITIAL_NAV, navigate, selectedIndex, type NavAction, type NavContext, type NavState } from './screen-nav.ts';

export interface DiffScreenState {
  readonly nav: NavState;
  readonly sort: DiffSort;
}

export const INITIAL_DIFF_SCREEN: DiffScreenState = { nav: INITIAL_NAV, sort: 'position' };

export type DiffScreenAction = NavAction | { readonly type: 'diff-sort' };

export function reduceDiffScreen(state: DiffScreenState, action: DiffScreenAction, context: NavContext): DiffScreenState {
  if (action.type !== 'diff-sort') return { ...state, nav: navigate(state.nav, action, context) };
  const { nav } = state;
  // The selected row stays selected: pin it by id before the order changes under it.
  return { sort: nextDiffSort(state.sort), nav: { ...nav, selected: nav.selected ?? context.rows[selectedIndex(nav, context.rows)] ?? null } };
}

/** Where the diff screen's parts go at this size: the matrix, its rows in view, the cursor. */
export function diffFrame(size: { readonly columns: number; readonly rows: number }, state: DiffScreenState, diff: RunDiff, rows: readonly DiffRow[], longestKey: number) {
  const { nav, sort } = state;
  const screen = screenLayout(size.columns, size.rows, nav.detail);
  const order = orderDiffRows(rows, sort, nav.filter);
  const rowIds = order.map((i) => rows[i]!.key);
  const matrixHeight = Math.max(1, screen.bodyHeight);
  const visibleRows = Math.max(1, matrixHeight - 1);
  const columns = diff.responses.length;
  const layout = diffLayout(screen.width, longestKey, columns);
  const cursorRow = selectedIndex(nav, rowIds);
  const cursorColumn = Math.max(0, Math.min(nav.column, columns - 1));
  const shown = order[cursorRow];
  return { screen, order, rowIds, matrixHeight, visibleRows, columns, layout, cursorRow, cursorColumn, selectedRow: shown !== undefined ? rows[shown] : undefined };
}
