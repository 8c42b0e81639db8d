// The screen's own state (cursor, order, filter, panes) and how actions change it: pure, so the
// key handling is tested without a terminal. The cursor follows a row's identity, not its
// position, so rows re-sorting as results arrive never move the selection elsewhere.

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
  | { readonly type: 'toggle-help' };

/** What the reducer needs to know of the screen: the rows in shown order, columns, page sizes. */
export interface NavContext {
  readonly rows: readonly string[];
  readonly columns: number;
  readonly pageRows: number;
  readonly pageColumns: number;
  /** How far the detail pane's response text scrolls. */
  readonly maxDetailScroll: number;
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

export function navigate(state: NavState, action: NavAction, ctx: NavContext): NavState {
  const here = selectedIndex(state, ctx.rows);
  switch (action.type) {
    case 'move':
      return selectColumn(selectRow(state, ctx, here + (action.rows ?? 0)), ctx, state.column + (action.columns ?? 0));
    case 'page':
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
      return { ...state, editingFilter: true, help: false, selected: state.selected ?? ctx.rows[here] ?? null };
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
