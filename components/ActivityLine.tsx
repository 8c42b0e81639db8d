// The line above the footer: a spinner and the engine's activity while scoring, a progress bar
// and the time left; the outcome once the run is over.
import { displayWidth, fit } from '../src/core/display-width.ts';
import { elapsedMs, etaMs, runEnd, type RunState } from '../src/tui/run-state.ts';
import { neutralize } from '../src/core/sanitize.ts';
import { SPINNER, formatDuration } from '../src/tui/screen-format.ts';
import type { Theme } from '../src/tui/screen-theme.ts';
import { paint } from '../src/tui/term-style.ts';
import { Line } from './Lines.tsx';

export interface ActivityLineProps {
  readonly state: RunState;
  readonly width: number;
  readonly now: number;
  /** Animation frame, advanced by the app's clock. */
  readonly frame: number;
  readonly theme: Theme;
  /** A line for the user beside the run's own (watch: what changed in the file). */
  readonly notice?: string | undefined;
}

function outcome(state: RunState, now: number): { text: string; role: 'good' | 'badStrong' | 'warn' } {
  // The same parts as the line printed after the screen closes (runOutcome), so the numbers agree.
  const end = runEnd(state, now);
  switch (end.phase) {
    case 'done': {
      const failed = end.failedRows > 0 ? `, ${end.failedRows} failed` : '';
      return { text: `✓ done: ${end.done} calls in ${formatDuration(end.elapsedMs)}${failed}`, role: end.failedRows > 0 ? 'warn' : 'good' };
    }
    case 'failed':
      return { text: `✗ scoring failed: ${neutralize(end.failure)}`, role: 'badStrong' };
    default:
      return { text: `■ interrupted at ${end.answered}/${end.total} calls`, role: 'warn' };
  }
}

export function ActivityLine({ state, width, now, frame, theme, notice }: ActivityLineProps) {
  const s = theme.style;
  const prefix = notice ? `${neutralize(notice)} · ` : '';
  if (state.phase !== 'running' && state.phase !== 'waiting') {
    const { text: outcomeText, role } = outcome(state, now);
    const text = notice ? `${outcomeText} · ${neutralize(notice)}` : outcomeText;
    return <Line slot="activity" text={paint(fit(' ' + text, width), s[role])} />;
  }
  const spinner = paint(SPINNER[frame % SPINNER.length]!, s.accent);
  const { total, done } = state.calls;
  // A search does not know its calls ahead: its bar is the memories resolved, its ETA that pace.
  const search = state.search;
  const memories = state.memories.length;
  const fraction = search ? (memories > 0 ? search.resolved / memories : 0) : total > 0 ? Math.min(1, done / total) : 0; // clamped: a retried call must not overrun
  const elapsed = elapsedMs(state, now);
  const eta = search ? (fraction > 0 ? (elapsed * (1 - fraction)) / fraction : undefined) : etaMs(state, now);
  const percent = Math.floor(fraction * 100);
  const counts = search ? ` ${String(percent).padStart(3)}% ${search.resolved}/${memories} memories` : ` ${String(percent).padStart(3)}% ${done}/${total}`;
  const etaText = ` ETA ${eta === undefined ? '–:––' : formatDuration(eta)} `;
  const barWidth = Math.max(0, Math.min(30, Math.floor(width / 5)));
  const activityRoom = width - 3 - barWidth - 1 - displayWidth(counts) - displayWidth(etaText);
  // One counter on the line: the bar's calls. The engine's own ("scoring: 11/40 key", memories
  // started) would sit beside it counting something else.
  const what = neutralize(state.activity || 'scoring…').replace(/^(scoring|estimating): (ablation )?\d+\/\d+ ?/, '$1: $2');
  const activity = prefix + (state.phase === 'waiting' ? 'starting…' : what.replace(/: $/, ''));
  const filled = Math.round(fraction * barWidth);
  // A space always parts the text from the bar.
  const line = ` ${spinner} ${fit(activity, Math.max(0, activityRoom - 1))} ${paint('━'.repeat(filled), s.accent)}${paint('━'.repeat(barWidth - filled), s.faint)} ${counts}${paint(etaText, s.faint)}`;
  return <Line slot="activity" text={line} />;
}
