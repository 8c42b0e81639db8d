// A matrix row's key as the row label shows it: cut in the middle to its column, and, for a key
// that sits in several places of the context (one memory, removed from all at once), a faint "×N"
// after it, kept whole while the key is cut.
import { displayWidth, fitMiddle } from '../core/display-width.ts';

/** "×2" for a key in two places; '' for one (or none known). */
export function placesMark(places: number): string {
  return places > 1 ? `×${places}` : '';
}

/** Columns the whole label takes: the key, and a space and the mark when there is one. */
export function keyLabelWidth(key: string, places: number): number {
  const mark = placesMark(places);
  return displayWidth(key) + (mark ? 1 + mark.length : 0);
}

/** Narrower than this, the key keeps the column and the mark goes. */
const MIN_KEY = 4;

export interface KeyLabel {
  /** The key, cut in the middle when it does not fit (unpadded). */
  readonly key: string;
  /** The places mark ('' when none, or no room). */
  readonly mark: string;
  /** Blanks after the key and its mark, to fill `width`. */
  readonly padding: number;
}

/** `key` (already neutralised) in `width` columns, with its places mark when the key keeps at least four. */
export function keyLabel(key: string, places: number, width: number): KeyLabel {
  const wanted = placesMark(places);
  const mark = wanted && width - 1 - wanted.length >= MIN_KEY ? wanted : '';
  const room = mark ? width - 1 - mark.length : width;
  const shown = fitMiddle(key, room).trimEnd();
  return { key: shown, mark, padding: Math.max(0, width - displayWidth(shown) - (mark ? 1 + mark.length : 0)) };
}
