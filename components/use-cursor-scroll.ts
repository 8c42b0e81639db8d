// A matrix's or a list's scroll offsets: they move only as far as needed to keep the cursor in
// view, so they are remembered from one frame to the next. A list passes no columns.
import { useRef } from 'react';
import { scrollToShow } from '../src/tui/screen-nav.ts';

export interface CursorScroll {
  /** The first row (position) and first column shown. */
  readonly top: number;
  readonly left: number;
}

/** Where the cursor is, how many rows and columns show, and how many there are. */
export function useCursorScroll(cursorRow: number, cursorColumn: number, visibleRows: number, visibleColumns: number, rows: number, columns: number): CursorScroll {
  const scroll = useRef<CursorScroll>({ top: 0, left: 0 });
  const top = scrollToShow(scroll.current.top, cursorRow, visibleRows, rows);
  const left = scrollToShow(scroll.current.left, cursorColumn, visibleColumns, columns);
  scroll.current = { top, left };
  return scroll.current;
}
