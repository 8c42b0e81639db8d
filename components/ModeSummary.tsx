// One line over the matrix for the modes that have a headline figure: the single memory's score,
// the incremental run's scored / skipped / failed counts.
import { Text } from 'ink';
import { fit } from '../src/display-width.ts';
import { sum } from '../src/divergence.ts';
import type { RunState } from '../src/run-state.ts';
import { neutralize } from '../src/sanitize.ts';
import { formatDivergence } from '../src/screen-format.ts';
import type { Theme } from '../src/screen-theme.ts';
import { paint, paintFit } from '../src/term-style.ts';

export function hasSummary(state: RunState): boolean {
  return state.mode === 'single' || state.mode === 'incremental';
}

export function ModeSummary({ state, width, theme }: { state: RunState; width: number; theme: Theme }) {
  const s = theme.style;
  if (state.mode === 'single') {
    const row = state.memories[0];
    if (row === undefined) return <Text>{paint(fit(' nothing to score', width), s.warn)}</Text>;
    const score = row.divergences ? formatDivergence(sum(row.divergences)) : '…';
    const over = row.divergences ? `${row.divergences.length} responses` : `${state.responses.length} responses`;
    return (
      <Text wrap="truncate-end">
        {paintFit([[' score ', s.faint], [score, s.title], [`  sum of divergence over the ${over} after `, s.faint], [neutralize(row.key), s.accent]], width)}
      </Text>
    );
  }
  const pending = state.memories.filter((m) => m.status === 'pending' || m.status === 'scoring').length;
  return (
    <Text wrap="truncate-end">
      {paintFit(
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
    </Text>
  );
}
