// The screen's own state (cursor, order, filter, panes) and how actions change it: pure, so the
// key handling is tested without a terminal. The cursor follows a row's identity, not its
// position, so rows re-sorting as results arrive never move the selection elsewhere.
import { blockOf, blockRange, blockStart } from './overview.ts';

export const SORT_ORDERS = ['position', 'max', 'key'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export interface NavState {
  /** Id of the selected row (a memory key, or a response's entry in fine-tune mode). */
  readonly selected: string | null;
  /** Selected response column. */
  readonly column: number;
  readonly sort: SortOrder;
  readonly filter: string;
  /** True while the user types the filter after `/`. */
  readonly editingFilter: boolean;
  readonly detail: boolean;
  /** First shown line of the response text in the detail pane. */
  readonly detailScroll: number;
  readonly help: boolean;
  /** The overview (`z`): the whole matrix folded into the screen. */
  readonly overview: boolean;
  /** Where `m` jumped from and to: a second `m` at `to` goes back to `from`. */
  readonly jump: { readonly from: Spot; readonly to: Spot } | null;
}

/** A cursor position: the selected row's id and the column. */
export interface Spot {
  readonly selected: string | null;
  readonly column: number;
}

export const INITIAL_NAV: NavState = {
  selected: null,
  column: 0,
  sort: 'position',
  filter: '',
  editingFilter: false,
  detail: false,
  detailScroll: 0,
  help: false,
  overview: false,
  jump: null,
};

export type NavAction =
  | { readonly type: 'move'; readonly rows?: number; readonly columns?: number }
  | { readonly type: 'page'; readonly rows?: number; readonly columns?: number }
  | { readonly type: 'rows-edge'; readonly to: 'first' | 'last' }
  | { readonly type: 'columns-edge'; readonly to: 'first' | 'last' }
  | { readonly type: 'cycle-sort' }
  | { readonly type: 'filter-start' }
  | { readonly type: 'filter-type'; readonly text: string }
  | { readonly type: 'filter-backspace' }
  | { readonly type: 'filter-accept' }
  | { readonly type: 'filter-clear' }
  | { readonly type: 'toggle-detail' }
  | { readonly type: 'detail-scroll'; readonly by: number }
  | { readonly type: 'toggle-help' }
  | { readonly type: 'overview-open' }
  | { readonly type: 'overview-close' }
  /** In the overview: back to the matrix, on the hottest cell of the cursor's block. */
  | { readonly type: 'overview-zoom' }
  /** `m`: the hottest cell of the cursor's row, or back where the last `m` came from. */
  | { readonly type: 'hottest' };

/** What the reducer needs to know of the screen: the rows in shown order, columns, page sizes. */
export interface NavContext {
  readonly rows: readonly string[];
  readonly columns: number;
  readonly pageRows: number;
  readonly pageColumns: number;
  /** How far the detail pane's response text scrolls. */
  readonly maxDetailScroll: number;
  /** In the overview: how many blocks the rows and columns are folded into (moves go by block). */
  readonly overview?: { readonly rowBlocks: number; readonly columnBlocks: number } | undefined;
  /** The hottest cell among rows [a, b) (positions in `rows`) and columns [c, d), if any has a value. */
  readonly hottest?: ((rows: readonly [number, number], columns: readonly [number, number]) => { readonly position: number; readonly column: number } | undefined) | undefined;
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}

/** Index of the selected row in the shown order (the first row when it is not shown). */
export function selectedIndex(state: NavState, rows: readonly string[]): number {
  if (state.selected === null) return 0;
  const index = rows.indexOf(state.selected);
  return index === -1 ? 0 : index;
}

function selectRow(state: NavState, ctx: NavContext, index: number): NavState {
  if (ctx.rows.length === 0) return state;
  const selected = ctx.rows[clamp(index, 0, ctx.rows.length - 1)]!;
  return selected === state.selected ? state : { ...state, selected, detailScroll: 0 };
}

function selectColumn(state: NavState, ctx: NavContext, column: number): NavState {
  const next = clamp(column, 0, Math.max(0, ctx.columns - 1));
  return next === state.column ? state : { ...state, column: next, detailScroll: 0 };
}

/** In the overview a move goes from block to block, landing on the block's first row or column. */
function moveByBlocks(state: NavState, ctx: NavContext, rows: number, columns: number): NavState {
  const { rowBlocks, columnBlocks } = ctx.overview!;
  const here = selectedIndex(state, ctx.rows);
  const total = ctx.rows.length;
  let next = state;
  if (rows !== 0 && total > 0 && rowBlocks > 0) {
    const block = clamp(blockOf(here, total, rowBlocks) + rows, 0, rowBlocks - 1);
    next = selectRow(next, ctx, blockStart(block, total, rowBlocks));
  }
  if (columns !== 0 && ctx.columns > 0 && columnBlocks > 0) {
    const block = clamp(blockOf(state.column, ctx.columns, columnBlocks) + columns, 0, columnBlocks - 1);
    next = selectColumn(next, ctx, blockStart(block, ctx.columns, columnBlocks));
  }
  return next;
}

/** Selects a row position and a column at once (a jump). */
function selectSpot(state: NavState, ctx: NavContext, position: number, column: number): NavState {
  return selectColumn(selectRow(state, ctx, position), ctx, column);
}

function hereSpot(state: NavState, ctx: NavContext): Spot {
  return { selected: state.selected ?? ctx.rows[selectedIndex(state, ctx.rows)] ?? null, column: state.column };
}

export function navigate(state: NavState, action: NavAction, ctx: NavContext): NavState {
  // Any key but the help's own closes the help, and does what it does.
  if (state.help && action.type !== 'toggle-help') state = { ...state, help: false };
  const here = selectedIndex(state, ctx.rows);
  switch (action.type) {
    case 'move':
      if (state.overview && ctx.overview) return moveByBlocks(state, ctx, action.rows ?? 0, action.columns ?? 0);
      return selectColumn(selectRow(state, ctx, here + (action.rows ?? 0)), ctx, state.column + (action.columns ?? 0));
    case 'page':
      if (state.overview && ctx.overview) return moveByBlocks(state, ctx, (action.rows ?? 0) * Math.max(1, Math.ceil(ctx.overview.rowBlocks / 4)), (action.columns ?? 0) * Math.max(1, Math.ceil(ctx.overview.columnBlocks / 4)));
      return selectColumn(
        selectRow(state, ctx, here + (action.rows ?? 0) * Math.max(1, ctx.pageRows)),
        ctx,
        state.column + (action.columns ?? 0) * Math.max(1, ctx.pageColumns),
      );
    case 'rows-edge':
      return selectRow(state, ctx, action.to === 'first' ? 0 : ctx.rows.length - 1);
    case 'columns-edge':
      return selectColumn(state, ctx, action.to === 'first' ? 0 : ctx.columns - 1);
    case 'cycle-sort': {
      const sort = SORT_ORDERS[(SORT_ORDERS.indexOf(state.sort) + 1) % SORT_ORDERS.length]!;
      // Keep the selection: the row stays selected wherever the new order puts it.
      return { ...state, sort, selected: state.selected ?? ctx.rows[here] ?? null };
    }
    case 'filter-start':
      // A new filter: typing replaces the kept one rather than adding to it.
      return { ...state, editingFilter: true, filter: '', help: false, selected: state.selected ?? ctx.rows[here] ?? null };
    case 'filter-type':
      return { ...state, filter: state.filter + action.text };
    case 'filter-backspace':
      return { ...state, filter: [...state.filter].slice(0, -1).join('') };
    case 'filter-accept':
      return { ...state, editingFilter: false };
    case 'filter-clear':
      return { ...state, filter: '', editingFilter: false };
    case 'toggle-detail':
      return { ...state, detail: !state.detail, detailScroll: 0 };
    case 'detail-scroll':
      return { ...state, detailScroll: clamp(state.detailScroll + action.by, 0, ctx.maxDetailScroll) };
    case 'toggle-help':
      return { ...state, help: !state.help };
    case 'overview-open':
      // Only a screen with a matrix to fold (one that can find its hottest cells) has an overview.
      if (!ctx.hottest) return state;
      return { ...state, overview: true, selected: state.selected ?? ctx.rows[here] ?? null };
    case 'overview-close':
      return { ...state, overview: false };
    case 'overview-zoom': {
      const closed = { ...state, overview: false };
      const grid = ctx.overview;
      if (!grid || ctx.rows.length === 0 || ctx.columns === 0) return closed;
      const rows = blockRange(blockOf(here, ctx.rows.length, grid.rowBlocks), ctx.rows.length, grid.rowBlocks);
      const columns = blockRange(blockOf(state.column, ctx.columns, grid.columnBlocks), ctx.columns, grid.columnBlocks);
      const target = ctx.hottest?.(rows, columns);
      return target ? selectSpot(closed, ctx, target.position, target.column) : closed;
    }
    case 'hottest': {
      const spot = hereSpot(state, ctx);
      const { jump } = state;
      if (jump && jump.to.selected === spot.selected && jump.to.column === spot.column) {
        const back = ctx.rows.indexOf(jump.from.selected ?? '');
        return { ...selectSpot(state, ctx, back === -1 ? here : back, jump.from.column), jump: null };
      }
      const target = ctx.hottest?.([here, here + 1], [0, ctx.columns]);
      if (!target) return state;
      const moved = { ...selectColumn(state, ctx, target.column), selected: spot.selected };
      return { ...moved, jump: { from: spot, to: { selected: spot.selected, column: moved.column } } };
    }
  }
}

/** The first shown line or column that keeps `cursor` on screen, moving as little as possible. */
export function scrollToShow(offset: number, cursor: number, visible: number, total: number): number {
  if (visible <= 0) return 0;
  let next = offset;
  if (cursor < next) next = cursor;
  if (cursor >= next + visible) next = cursor - visible + 1;
  return clamp(next, 0, Math.max(0, total - visible));
}
