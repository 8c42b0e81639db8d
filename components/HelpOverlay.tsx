// `?`: the key bindings and how to read the matrix, over the body of the screen.
import { helpBox } from '../src/tui/help-box.ts';
import type { KeyTable } from '../src/tui/key-table.ts';
import type { Theme } from '../src/tui/screen-theme.ts';
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
  'key (2): one memory in 2 places of the context, removed from both.',
  'Overview (z): a line is named by its first memory; +n counts the',
  'n more memories it folds in.',
];

export function HelpOverlay({ width, height, theme, table, reading = READING }: HelpOverlayProps) {
  return <Lines lines={helpBox(width, height, theme, table, reading)} height={height} slot="help" />;
}
