// The diff screen's detail pane: both cells' numbers, the memory's maxima, both baselines, and the texts.
import { isNoiseChange, type RunDiff } from '../engine/run-diff.ts';
import { neutralize } from '../core/sanitize.ts';
import { LABEL, frame, joinSegments, labelled, scrolledPane, wrapAtMost, wrapText, type DetailView, type ScrolledLines } from './detail-text.ts';
import { entryLabel, signed, type DiffRun } from './diff-lines.ts';
import type { DiffRow } from './diff-view.ts';
import { formatDivergence, formatLogprob } from './screen-format.ts';
import type { Theme } from './screen-theme.ts';
import type { Segment } from './term-style.ts';

export interface DiffDetailInput {
  readonly a: DiffRun;
  readonly b: DiffRun;
  readonly diff: RunDiff;
  readonly row: DiffRow | undefined;
  readonly column: number;
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

/** The detail pane: both cells' numbers, the memory's maxima, both baselines, and the texts. */
export function diffDetail({ a, b, diff, row, column, scroll, width, height, theme }: DiffDetailInput): DetailView {
  const s = theme.style;
  const inner = Math.max(0, width - 4);
  const textWidth = Math.max(1, inner - LABEL);
  const body: string[] = [];
  const response = diff.responses[column];
  const textLines = (label: string, text: string, most: number) => {
    wrapAtMost(text, textWidth, most).forEach((line, i) => body.push(labelled(i === 0 ? label : '', line, inner, theme)));
  };
  if (row === undefined) return { lines: frame('nothing selected', [], width, height, theme), maxScroll: 0 };
  const where = response ? ` × response ${entryLabel(response.entryA, response.entryB)}` : '';
  const title = `${neutralize(row.key)}${row.kind === 'both' ? where : row.kind === 'only-a' ? ' · only in A' : row.kind === 'only-b' ? ' · only in B' : ' · failed in a run'}`;
  if (row.kind === 'both' && response) {
    const m = diff.memories[row.matrixRow!]!;
    const valueA = a.result.matrix[m.a]![response.a]!;
    const valueB = b.result.matrix[m.b]![response.b]!;
    const band = diff.noise[column]!;
    const noise: Segment[] = band > 0 ? [[isNoiseChange(valueB - valueA, band) ? ` · within the noise (±${formatDivergence(band)}): no change` : ` · noise ±${formatDivergence(band)}`, s.faint]] : [];
    body.push(labelled('cell', [['B − A ', ''], [signed(valueB - valueA), s.title], [` · A ${formatDivergence(valueA)} · B ${formatDivergence(valueB)}`, ''], ...noise], inner, theme));
    body.push(labelled('max', joinSegments([[[`A ${formatDivergence(m.maxA)}`, '']], [[`B ${formatDivergence(m.maxB)}`, '']], [[`change ${signed(m.maxB - m.maxA)}`, '']]], [' · ', s.faint]), inner, theme));
    const ba = a.result.responses[response.a]!.baseline;
    const bb = b.result.responses[response.b]!.baseline;
    body.push(labelled('baseline', `logprob A ${formatLogprob(ba)} · B ${formatLogprob(bb)}`, inner, theme));
  } else if (row.kind === 'failed') {
    const f = diff.failed.find((x) => x.key === row.key);
    body.push(labelled('failed', [[`in ${[f?.a ? 'A' : '', f?.b ? 'B' : ''].filter(Boolean).join(' and ')}: not compared`, s.badStrong]], inner, theme));
  } else {
    const max = row.kind === 'only-a' ? row.maxA : row.maxB;
    body.push(labelled('max', [[max === undefined ? 'failed' : formatDivergence(max), s.title], [`  in ${row.kind === 'only-a' ? 'A' : 'B'}; the other run has no memory of this key`, s.faint]], inner, theme));
  }
  const memoryA = row.kind === 'only-b' ? undefined : a.texts.memory(row.key);
  const memoryB = row.kind === 'only-a' ? undefined : b.texts.memory(row.key);
  if (memoryA !== undefined) textLines(memoryB !== undefined && memoryB !== memoryA ? 'memory A' : 'memory', memoryA, 2);
  if (memoryB !== undefined && memoryB !== memoryA) textLines(memoryA !== undefined ? 'memory B' : 'memory', memoryB, 2);
  if (memoryA === undefined && memoryB === undefined) body.push(labelled('memory', [['(text not known: a saved result has no context)', s.faint]], inner, theme));
  let scrolled: ScrolledLines = [];
  if (response && row.kind === 'both') {
    const textA = a.texts.response(response.entryA);
    const textB = b.texts.response(response.entryB);
    const text = textA ?? textB;
    if (textB !== undefined && textA !== undefined && textB !== textA) textLines('response B', textB, 1);
    if (text !== undefined) scrolled = wrapText(text, textWidth).map((line, i) => [i === 0 ? 'response' : '', line] as const);
  }
  return scrolledPane(title, body, scrolled, { scroll, width, height, theme });
}

