// One line over the matrix for the modes that have a headline figure: the single memory's score,
// the incremental run's scored / skipped / failed counts.
import { fit } from '../src/core/display-width.ts';
import { sum } from '../src/engine/divergence.ts';
import type { RunState } from '../src/tui/run-state.ts';
import { neutralize } from '../src/core/sanitize.ts';
import { formatDivergence } from '../src/tui/screen-format.ts';
import type { Theme } from '../src/tui/screen-theme.ts';
import { paint, paintFit } from '../src/tui/term-style.ts';
import { Line } from './Lines.tsx';

export function hasSummary(state: RunState): boolean {
  return state.mode === 'single' || state.mode === 'incremental';
}

export function ModeSummary({ state, width, theme }: { state: RunState; width: number; theme: Theme }) {
  const s = theme.style;
  if (state.mode === 'single') {
    const row = state.memories[0];
    if (row === undefined) return <Line slot="summary" text={paint(fit(' nothing to score', width), s.warn)} />;
    const score = row.divergences ? formatDivergence(sum(row.divergences)) : '…';
    const count = row.divergences ? row.divergences.length : state.responses.length;
    const over = `${count} response${count === 1 ? '' : 's'}`;
    return <Line slot="summary" text={paintFit([[' score ', s.faint], [score, s.title], [`  sum of divergence over the ${over} after `, s.faint], [neutralize(row.key), s.accent]], width)} />;
  }
  const pending = state.memories.filter((m) => m.status === 'pending' || m.status === 'scoring').length;
  return (
    <Line
      slot="summary"
      text={paintFit(
        [
          [' scored ', s.faint],
          [String(state.scored), s.good],
          ['  to score ', s.faint],
          [String(pending), s.accent],
          ['  skipped ', s.faint],
          [String(state.skipped), s.warn],
          ['  failed ', s.faint],
          [String(state.failedRows), state.failedRows > 0 ? s.badStrong : s.faint],
          ['   weights: EWMA of each memory’s max divergence', s.faint],
        ],
        width,
      )}
    />
  );
}
