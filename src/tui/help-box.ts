// The help overlay's box: every key of the screen, then how to read it when there is room. A
// screen too short for one column of keys gets two side by side; too narrow for that as well, the
// last line says how many keys it could not show, rather than cutting them off unsaid.
import { fit } from '../core/display-width.ts';
import { HELP_KEYS, helpLines, type KeyTable } from './key-table.ts';
import type { Theme } from './screen-theme.ts';
import { paint } from './term-style.ts';

/** Room for a help line's text beside its keys. */
const WHAT_WIDTH = 52;
const GAP = '   ';

/** The box's lines, centred in `width` × `height` (blank lines above it included). */
export function helpBox(width: number, height: number, theme: Theme, table: KeyTable<unknown, never, never>, reading: readonly string[]): string[] {
  const s = theme.style;
  const keys = helpLines(table);
  const keyWidth = Math.max(...keys.map((k) => k.keys.length)) + 2;
  const rows = Math.max(0, height - 2);
  const whatWidth = Math.min(WHAT_WIDTH, Math.max(...keys.map((k) => k.what.length)));
  const twoColumns = keys.length > rows && 2 * (keyWidth + whatWidth) + GAP.length <= width - 4 && Math.ceil(keys.length / 2) <= rows;
  const cell = (i: number, what: number) => {
    const line = keys[i];
    return line === undefined ? ' '.repeat(keyWidth + what) : paint(fit(line.keys, keyWidth), s.key) + fit(line.what, what);
  };
  let inner: number;
  let body: string[];
  if (twoColumns) {
    inner = 2 * (keyWidth + whatWidth) + GAP.length + 2;
    const half = Math.ceil(keys.length / 2);
    body = Array.from({ length: half }, (_, r) => cell(r, whatWidth) + GAP + cell(r + half, whatWidth));
  } else {
    inner = Math.min(width - 4, Math.max(60, keyWidth + WHAT_WIDTH));
    body = keys.map((_, i) => cell(i, inner - keyWidth - 2));
    if (body.length > rows && rows > 0) {
      const shown = rows - 1;
      body = [...body.slice(0, shown), paint(fit(`… ${keys.length - shown} more keys: a taller terminal shows them`, inner - 2), s.faint)];
    }
  }
  // How to read the screen only when it has room for it.
  if (body.length + 2 + reading.length + 1 <= height) body.push(fit('', inner - 2), ...reading.map((line) => paint(fit(line, inner - 2), s.faint)));
  // Else say that it is left out, where one line is free.
  else if (reading.length > 0 && body.length + 2 < height) body.push(paint(fit(`… how to read the screen (${reading.length} lines): a taller terminal shows it`, inner - 2), s.faint));
  const pad = ' '.repeat(Math.max(0, Math.floor((width - inner - 2) / 2)));
  const title = ' keys ';
  const closing = ` ${HELP_KEYS.close.help} `;
  const lines = [
    pad + '╭─' + paint(title, s.title) + '─'.repeat(Math.max(0, inner - title.length - 1)) + '╮',
    ...body.slice(0, rows).map((line) => `${pad}│ ${line} │`),
    pad + '╰' + '─'.repeat(Math.max(0, inner - closing.length - 2)) + paint(closing, s.faint) + '──╯',
  ];
  const top = Math.max(0, Math.floor((height - lines.length) / 2));
  return [...Array.from({ length: top }, () => ''), ...lines];
}
