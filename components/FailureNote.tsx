// A failed run's error in full, wrapped over as many lines as it needs (up to a few), above the
// matrix: the activity line has room for its start only.
import { fit } from '../src/core/display-width.ts';
import type { Theme } from '../src/tui/screen-theme.ts';
import { paint } from '../src/tui/term-style.ts';
import { wrapAtMost } from '../src/tui/detail-text.ts';
import { Lines } from './Lines.tsx';

/** The note's lines: the error wrapped to the width, at most `max` (the last cut with '…'). */
export function failureLines(failure: string, width: number, max: number): string[] {
  return wrapAtMost(`✗ scoring failed: ${failure}`, Math.max(1, width - 2), max);
}

export function FailureNote({ lines, width, theme }: { lines: readonly string[]; width: number; theme: Theme }) {
  return <Lines lines={lines.map((line) => paint(fit(' ' + line, width), theme.style.badStrong))} height={lines.length} slot="failure" />;
}
