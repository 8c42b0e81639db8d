// The order and filter of the matrix rows: by scoring position, by max divergence (largest
// first), or by key; filtered by a case-insensitive key substring.
import type { MemoryRow } from './run-state.ts';
import type { SortOrder } from './screen-nav.ts';

export const SORT_LABELS: Record<SortOrder, string> = { position: 'position', max: 'max divergence', key: 'key' };

/** Indices into `rows` in shown order. */
export function orderRows(rows: readonly MemoryRow[], sort: SortOrder, filter: string): number[] {
  const shown = rowsMatching(rows, filter);
  switch (sort) {
    case 'position':
      return shown;
    case 'max':
      // Scored rows first, largest first; unscored rows keep their place after them.
      return shown.sort((a, b) => rank(rows[b]!) - rank(rows[a]!) || rows[b]!.max - rows[a]!.max || a - b);
    case 'key':
      return shown.sort((a, b) => compareKeys(rows[a]!.key, rows[b]!.key) || a - b);
  }
}

/** Indices of the rows whose key holds `filter`, case-insensitively; all of them for ''. (The diff screen's too.) */
export function rowsMatching(rows: readonly { readonly key: string }[], filter: string): number[] {
  const needle = filter.toLowerCase();
  const shown: number[] = [];
  for (let i = 0; i < rows.length; i++) if (needle === '' || rows[i]!.key.toLowerCase().includes(needle)) shown.push(i);
  return shown;
}

function rank(row: MemoryRow): number {
  return row.status === 'done' ? 1 : 0;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** The key order: ignoring case and accents, numbers by value ("k2" before "k10"). (The diff screen's too.) */
export function compareKeys(a: string, b: string): number {
  return collator.compare(a, b);
}
