// A matrix row's key as the row label shows it: cut in the middle to its column, and, for a key
// that sits in several places of the context (one memory, removed from all at once), a faint "(N)"
// after it where the whole key and the mark fit: a key cut short would lose more than the mark says.
import { displayWidth, fitMiddle } from '../core/display-width.ts';

/** "(2)" for a key in two places; '' for one (or none known). Not "×N": a search group being
 *  ablated shows its size so in the value column. */
export function placesMark(places: number): string {
  return places > 1 ? `(${places})` : '';
}

/** Columns the whole label takes: the key, and a space and the mark when there is one. */
export function keyLabelWidth(key: string, places: number): number {
  const mark = placesMark(places);
  return displayWidth(key) + (mark ? 1 + mark.length : 0);
}

export interface KeyLabel {
  /** The key, cut in the middle when it does not fit (unpadded). */
  readonly key: string;
  /** The places mark ('' when none, or no room). */
  readonly mark: string;
  /** Blanks after the key and its mark, to fill `width`. */
  readonly padding: number;
}

/** `key` (already neutralised) in `width` columns, with its places mark when both fit whole. */
export function keyLabel(key: string, places: number, width: number): KeyLabel {
  const wanted = placesMark(places);
  const mark = wanted && keyLabelWidth(key, places) <= width ? wanted : '';
  const shown = mark ? key : fitMiddle(key, width).trimEnd();
  return { key: shown, mark, padding: Math.max(0, width - displayWidth(shown) - (mark ? 1 + mark.length : 0)) };
}
