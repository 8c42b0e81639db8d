// The bottom line: the keys that matter now on the left, the colour legend on the right; while
// typing a filter, the filter prompt instead.
import { displayWidth, tailToWidth } from '../src/core/display-width.ts';
import { neutralize } from '../src/core/sanitize.ts';
import { FILTER_KEYS, footerHints, type KeyTable, type ShownHint } from '../src/tui/key-table.ts';
import type { NavState } from '../src/tui/screen-nav.ts';
import type { Theme } from '../src/tui/screen-theme.ts';
import { paint } from '../src/tui/term-style.ts';
import { Line } from './Lines.tsx';
import { heatLegend } from '../src/tui/heat-legend.ts';

export interface FooterProps {
  readonly nav: NavState;
  readonly width: number;
  readonly theme: Theme;
  /** Top of the heat scale; undefined hides the legend (fine-tune list, nothing scored yet). */
  readonly max: number | undefined;
  readonly shown: number;
  readonly total: number;
  readonly sortLabel: string;
  /** The screen's keys: their hints. */
  readonly table: KeyTable;
  /** Replaying: where the replay is (the replay's hints say play or pause). */
  readonly replay?: { readonly paused: boolean; readonly ended: boolean } | undefined;
  /** False: no key hints (a cast played back, where keys do nothing). */
  readonly keys?: boolean;
}

function hintWidth({ keys, what }: ShownHint): number {
  return displayWidth(keys) + 1 + displayWidth(what) + 2;
}

/** The hints that fit, dropping the least important first, in their own order. */
function hints(all: readonly ShownHint[], room: number, theme: Theme): string {
  const fits = (list: readonly ShownHint[]) => list.reduce((w, h) => w + hintWidth(h), 0) <= room;
  // Short forms first, then the least important hints go.
  let shown: ShownHint[] = fits(all) ? [...all] : all.map((h) => ({ ...h, what: h.short ?? h.what }));
  while (shown.length > 0 && !fits(shown)) {
    const least = shown.reduce((a, b) => (b.priority > a.priority ? b : a));
    shown = shown.filter((h) => h !== least);
  }
  const used = shown.reduce((w, h) => w + hintWidth(h), 0);
  return shown.map(({ keys, what }) => `${paint(keys, theme.style.key)} ${paint(what, theme.style.faint)}  `).join('') + ' '.repeat(Math.max(0, room - used));
}

export function Footer({ nav, width, theme, max, shown, total, sortLabel, table, replay, keys = true }: FooterProps) {
  const s = theme.style;
  if (nav.editingFilter) {
    const prompt = ' filter: ';
    const ends = footerHints(FILTER_KEYS, undefined).map((h) => `${h.keys} ${h.what}`).join(' · ');
    const tail = `  ${shown}/${total}  ${ends} `;
    const room = Math.max(1, width - displayWidth(prompt) - displayWidth(tail) - 1);
    const typed = neutralize(nav.filter);
    const shownText = displayWidth(typed) > room ? '…' + tailToWidth(typed, room - 1) : typed;
    const line = paint(prompt, s.key) + shownText + paint('▏', s.accent) + ' '.repeat(Math.max(0, room - displayWidth(shownText))) + paint(tail, s.faint);
    return <Line slot="footer" text={line} />;
  }
  const legend = max !== undefined && max > 0 ? heatLegend(max, theme) : undefined;
  const legendText = legend?.text ?? '';
  const legendRoom = legend ? legend.width + 1 : 0;
  const filter = nav.filter !== '' ? `${paint(' /', s.key)}${paint(neutralize(nav.filter), s.accent)} ${paint(`${shown}/${total}`, s.faint)} ` : '';
  const filterWidth = nav.filter !== '' ? 2 + displayWidth(neutralize(nav.filter)) + 1 + `${shown}/${total}`.length + 1 : 0;
  const room = Math.max(0, width - legendRoom - filterWidth - 1);
  return <Line slot="footer" text={`${filter} ${hints(keys ? footerHints(table, { nav, heat: max !== undefined, sortLabel, replay }) : [], room, theme)}${legendText ? legendText + ' ' : ''}`} />;
}
