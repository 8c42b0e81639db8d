// The bottom line: the keys that matter now on the left, the colour legend on the right; while
// typing a filter, the filter prompt instead.
import { displayWidth, tailToWidth } from '../src/core/display-width.ts';
import { neutralize } from '../src/core/sanitize.ts';
import type { NavState } from '../src/screen/screen-nav.ts';
import type { Theme } from '../src/screen/screen-theme.ts';
import { paint } from '../src/screen/term-style.ts';
import { Line } from './Lines.tsx';
import { legend, legendWidth } from './Legend.ts';

export interface FooterProps {
  readonly nav: NavState;
  readonly width: number;
  readonly theme: Theme;
  /** Top of the heat scale; undefined hides the legend (fine-tune list, nothing scored yet). */
  readonly max: number | undefined;
  readonly shown: number;
  readonly total: number;
  readonly sortLabel: string;
  /** Replaying: the replay's keys come first. */
  readonly replay?: { readonly paused: boolean; readonly ended: boolean } | undefined;
  /** False: no key hints (a cast played back, where keys do nothing). */
  readonly keys?: boolean;
}

/** A key hint: the key, what it does, how much it matters when room is short (1 = most), a short form. */
type Hint = readonly [key: string, what: string, priority: number, short?: string];

function hintWidth([key, what]: Hint): number {
  return displayWidth(key) + 1 + displayWidth(what) + 2;
}

/** The hints that fit, dropping the least important first, in their own order. */
function hints(all: readonly Hint[], room: number, theme: Theme): string {
  const fits = (list: readonly Hint[]) => list.reduce((w, h) => w + hintWidth(h), 0) <= room;
  // Short forms first, then the least important hints go.
  let shown: Hint[] = fits(all) ? [...all] : all.map(([key, what, priority, short]) => [key, short ?? what, priority] as const);
  while (shown.length > 0 && shown.reduce((w, h) => w + hintWidth(h), 0) > room) {
    const least = shown.reduce((a, b) => (b[2] > a[2] ? b : a));
    shown = shown.filter((h) => h !== least);
  }
  const used = shown.reduce((w, h) => w + hintWidth(h), 0);
  return shown.map(([key, what]) => `${paint(key, theme.style.key)} ${paint(what, theme.style.faint)}  `).join('') + ' '.repeat(Math.max(0, room - used));
}

export function Footer({ nav, width, theme, max, shown, total, sortLabel, replay, keys = true }: FooterProps) {
  const s = theme.style;
  if (nav.editingFilter) {
    const prompt = ' filter: ';
    const tail = `  ${shown}/${total}  Enter keep · Esc clear `;
    const room = Math.max(1, width - displayWidth(prompt) - displayWidth(tail) - 1);
    const typed = neutralize(nav.filter);
    const shownText = displayWidth(typed) > room ? '…' + tailToWidth(typed, room - 1) : typed;
    const line = paint(prompt, s.key) + shownText + paint('▏', s.accent) + ' '.repeat(Math.max(0, room - displayWidth(shownText))) + paint(tail, s.faint);
    return <Line slot="footer" text={line} />;
  }
  const legendText = max !== undefined && max > 0 ? legend(max, theme) : '';
  const legendRoom = legendText ? legendWidth(max!, theme) + 1 : 0;
  const filter = nav.filter !== '' ? `${paint(' /', s.key)}${paint(neutralize(nav.filter), s.accent)} ${paint(`${shown}/${total}`, s.faint)} ` : '';
  const filterWidth = nav.filter !== '' ? 2 + displayWidth(neutralize(nav.filter)) + 1 + `${shown}/${total}`.length + 1 : 0;
  const room = Math.max(0, width - legendRoom - filterWidth - 1);
  const pairs: Hint[] = [
    ...(replay
      ? [
          ['␣', replay.ended ? 'again' : replay.paused ? 'play' : 'pause', 1] as const,
          ['.', 'step', 3] as const,
          ['<>', 'seek', 3] as const,
          ['+-', 'speed', 4] as const,
        ]
      : []),
    ['↑↓←→', 'move', 6],
    ['⏎', nav.overview ? 'zoom' : nav.detail ? 'close' : 'detail', 3],
    // The overview and the hottest cell belong to a heat matrix (the one with a legend).
    ...(max === undefined ? [] : [nav.overview ? (['Esc', 'back', 4] as const) : (['z', 'overview', 4, 'all'] as const), ['m', 'hottest', 5] as const]),
    ...(nav.detail ? [['[ ]', 'scroll', 5] as const] : []),
    ['/', 'filter', 4],
    ['s', `sort: ${sortLabel}`, 5, 'sort'],
    ['?', 'help', 2],
    ['q', 'quit', 1],
  ];
  return <Line slot="footer" text={`${filter} ${hints(keys ? pairs : [], room, theme)}${legendText ? legendText + ' ' : ''}`} />;
}
