// `?`: the key bindings and how to read the matrix, over the body of the screen.
import { fit } from '../src/core/display-width.ts';
import { HELP_KEYS, helpLines, type KeyTable } from '../src/tui/key-table.ts';
import type { Theme } from '../src/tui/screen-theme.ts';
import { paint } from '../src/tui/term-style.ts';
import { Lines } from './Lines.tsx';

export interface HelpOverlayProps {
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
  /** The screen's keys, listed in table order. */
  readonly table: KeyTable;
  /** How to read the screen (the run screen's by default). */
  readonly reading?: readonly string[];
}

const READING = [
  'Each cell: how much less likely a response is without the memory',
  '(divergence, nats), on a log scale up to the largest so far.',
  'A · cell is under 0.01: the memory does not matter to it.',
  '· pending  ▶ scoring  ✓ done  ✗ failed  – skipped  ○ cancelled',
];

export function HelpOverlay({ width, height, theme, table, reading = READING }: HelpOverlayProps) {
  const s = theme.style;
  const keys = helpLines(table);
  const keyWidth = Math.max(...keys.map((k) => k.keys.length)) + 2;
  const inner = Math.min(width - 4, Math.max(60, keyWidth + 52));
  // Every key always; how to read the screen only when it has room for it.
  const body: string[] = keys.map(({ keys, what }) => paint(fit(keys, keyWidth), s.key) + fit(what, inner - keyWidth - 2));
  if (body.length + 2 + reading.length + 1 <= height) body.push(fit('', inner - 2), ...reading.map((line) => paint(fit(line, inner - 2), s.faint)));
  const pad = ' '.repeat(Math.max(0, Math.floor((width - inner - 2) / 2)));
  const title = ' keys ';
  const closing = ` ${HELP_KEYS.close.help} `;
  const lines: string[] = [
    pad + '╭─' + paint(title, s.title) + '─'.repeat(Math.max(0, inner - title.length - 1)) + '╮',
    ...body.slice(0, Math.max(0, height - 2)).map((line) => `${pad}│ ${line} │`),
    pad + '╰' + '─'.repeat(Math.max(0, inner - closing.length - 2)) + paint(closing, s.faint) + '──╯',
  ];
  const top = Math.max(0, Math.floor((height - lines.length) / 2));
  return <Lines lines={[...Array.from({ length: top }, () => ''), ...lines]} height={height} slot="help" />;
}
