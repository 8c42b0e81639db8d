// Fine-tune mode: the recent responses ranked by how much less likely they are without any
// memory (the candidates for fine-tuning), with a heat bar and the start of each response.
import { memo } from 'react';
import type { ContextTexts } from '../src/context/context-texts.ts';
import { fit } from '../src/core/display-width.ts';
import { isNoiseCell } from '../src/engine/noise-floor.ts';
import { NOISE_GLYPH } from '../src/tui/heat-legend.ts';
import { heatLevel } from '../src/tui/heat-palette.ts';
import type { RunState } from '../src/tui/run-state.ts';
import { neutralize } from '../src/core/sanitize.ts';
import { bar, formatDivergence } from '../src/tui/screen-format.ts';
import type { Theme } from '../src/tui/screen-theme.ts';
import { paint } from '../src/tui/term-style.ts';
import { Lines } from './Lines.tsx';

export interface FinetuneRow {
  readonly entry: number;
  /** Column of the entry in state.responses. */
  readonly column: number;
  readonly divergence: number | undefined;
  readonly rank: number | undefined;
  /** --noise: the divergence is within its response's noise (measured, not a finding). */
  readonly noise: boolean;
}

/** The rows in shown order: ranked once the result is in, conversation order until then. */
export function finetuneRows(responses: RunState['responses'], result: RunState['result']): FinetuneRow[] {
  const columnOf = new Map(responses.map((entry, column) => [entry, column]));
  if (result?.mode === 'finetune') {
    return result.candidates.map(({ entry, divergence, noise }, i) => ({ entry, column: columnOf.get(entry) ?? 0, divergence, rank: i + 1, noise: isNoiseCell(divergence, noise ?? 0) }));
  }
  return responses.map((entry, column) => ({ entry, column, divergence: undefined, rank: undefined, noise: false }));
}

export interface FinetuneViewProps {
  readonly state: RunState;
  readonly rows: readonly FinetuneRow[];
  readonly texts: ContextTexts;
  readonly cursor: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

export const FinetuneView = memo(function FinetuneView({ state, rows, texts, cursor, top, width, height, theme }: FinetuneViewProps) {
  const s = theme.style;
  const max = rows.reduce((m, r) => Math.max(m, r.divergence ?? 0), 0);
  const barWidth = width >= 80 ? 16 : 8;
  const textWidth = Math.max(0, width - (2 + 5 + 2 + 6 + 2 + barWidth + 1 + 6 + 2) - 1);
  const header = `  ${fit('rank', 5, 'right')}  ${fit('entry', 6, 'right')}  ${fit('divergence w/o memories', barWidth + 1 + 6)}  ${fit('response', textWidth)}`;
  const lines: string[] = [paint(fit(header, width), s.title)];
  if (rows.length === 0) lines.push(paint(fit(state.phase === 'waiting' ? '  waiting for the run to start…' : '  no assistant response in the range', width), s.faint));
  for (let i = top; i < rows.length && lines.length < height; i++) {
    const row = rows[i]!;
    const selected = i === cursor;
    const rank = fit(row.rank === undefined ? '' : String(row.rank), 5, 'right');
    const entry = fit(String(row.entry), 6, 'right');
    let value: string;
    if (row.divergence === undefined) value = paint(fit(state.phase === 'running' ? '┄'.repeat(barWidth) : '', barWidth + 1 + 6), s.accent);
    else if (row.noise) value = `${' '.repeat(barWidth)} ${paint(fit(`${NOISE_GLYPH}${formatDivergence(row.divergence)}`, 6, 'right'), s.zero)}`;
    else {
      const level = heatLevel(row.divergence, max);
      const colour = theme.depth === 'none' ? '' : theme.heat.foreground[level]!;
      value = `${paint(bar(max > 0 ? row.divergence / max : 0, barWidth), colour)} ${fit(formatDivergence(row.divergence), 6, 'right')}`;
    }
    const text = fit(neutralize(texts.response(row.entry) ?? ''), textWidth);
    const label = `${rank}  ${entry}`;
    lines.push(`  ${paint(label, selected ? s.cursor : '')}  ${value}  ${paint(text, s.faint)} `);
  }
  return <Lines lines={lines} height={height} slot="finetune" />;
});
