// A pane's text that scrolls: which lines show in the room there is, and the note that says so.

export interface ScrollWindow {
  /** The first line shown, and how many show. */
  readonly first: number;
  readonly count: number;
  /** The largest useful scroll. */
  readonly maxScroll: number;
  /** Where not all lines fit: which show, and the keys that scroll ('' where all fit). */
  readonly note: string;
}

export function scrollWindow(total: number, room: number, scroll: number): ScrollWindow {
  const maxScroll = Math.max(0, total - room);
  const first = Math.max(0, Math.min(scroll, maxScroll));
  const count = Math.max(0, Math.min(room, total - first));
  const note = total > room ? ` lines ${first + 1}–${first + count} of ${total} · [ ] scroll` : '';
  return { first, count, maxScroll, note };
}
