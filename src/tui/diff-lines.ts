// The diff screen's lines (`memscope diff A B`): the difference matrix B − A on a diverging scale,
// one row per memory with its max in A, in B and the change; its ruler, header, summary line,
// legend and help notes. Pure text: components/DiffApp.tsx only renders them.
import type { ContextTexts } from '../context/context-texts.ts';
import { displayWidth, fit, fitMiddle } from '../core/display-width.ts';
import { neutralize } from '../core/sanitize.ts';
import { SCORE_THRESHOLD } from '../engine/divergence.ts';
import type { FullResult } from '../engine/events.ts';
import { isNoiseChange, type RunDiff } from '../engine/run-diff.ts';
import { cursorMark } from './cursor-mark.ts';
import { DIFF_STEPS, DROP_GLYPHS, RISE_GLYPHS, diffGlyph, diffLevel, type DiffPalette } from './diff-palette.ts';
import { DIFF_CHANGE_WIDTH, DIFF_VALUE_WIDTH, rowChange, type DiffRow, type DiffSort } from './diff-view.ts';
import { matrixLines, type MatrixViewport } from './matrix-lines.ts';
import { columnLabels, rulerCanvas } from './ruler-canvas.ts';
import { NOISE_GLYPH, noiseNote } from './heat-legend.ts';
import { formatDivergence } from './screen-format.ts';
import type { Theme } from './screen-theme.ts';
import { scrollbarChar } from './scrollbar.ts';
import { styleRuns } from './style-runs.ts';
import { paint, paintFit, type Segment } from './term-style.ts';

/** One of the two runs: where it came from, its result, and its texts (none for a saved result). */
export interface DiffRun {
  readonly path: string;
  readonly model: string | null;
  readonly result: FullResult;
  readonly texts: ContextTexts;
}

export const DIFF_READING = [
  'Each cell: B − A, how much a divergence changed between the runs',
  '(nats). Red: the memory matters less to that response in B,',
  'blue: more. Log scale, symmetric around 0; blank: no change.',
  'Rows: A only in run A · B only in run B · ✗ failed, not compared',
  `${NOISE_GLYPH}: within the noise (both runs' noise limits, --noise): no change.`,
];

/** A change with its sign; one that rounds to nothing has none (not "-0.000"). */
export function signed(value: number): string {
  const text = formatDivergence(Math.abs(value));
  return /^[0.]+$/.test(text) ? text : `${value < 0 ? '-' : '+'}${text}`;
}

export function entryLabel(entryA: number, entryB: number): string {
  return entryA === entryB ? String(entryA) : `a${entryA} b${entryB}`;
}

const MARK: Record<DiffRow['kind'], string> = { both: ' ', failed: '✗', 'only-a': 'A', 'only-b': 'B' };

function markText(row: DiffRow, theme: Theme): string {
  const s = theme.style;
  return paint(MARK[row.kind], row.kind === 'failed' ? s.badStrong : row.kind === 'both' ? '' : s.warn);
}

function valueCell(value: number | undefined, width: number): string {
  return fit(value === undefined ? '—' : formatDivergence(value), width, 'right');
}

function changeCell(row: DiffRow, max: number, theme: Theme, palette: DiffPalette): string {
  const change = rowChange(row);
  if (change === undefined) return ' '.repeat(DIFF_CHANGE_WIDTH);
  if (row.withinNoise) return paint(fit(`${NOISE_GLYPH}${signed(change)}`, DIFF_CHANGE_WIDTH, 'right'), theme.style.faint);
  const text = fit(signed(change), DIFF_CHANGE_WIDTH, 'right');
  const level = diffLevel(change, max);
  return paint(text, level < 0 ? palette.drop : level > 0 ? palette.rise : theme.style.faint);
}

export interface DiffMatrixInput extends MatrixViewport {
  readonly rows: readonly DiffRow[];
  readonly diff: RunDiff;
  readonly max: number;
  readonly sort: DiffSort;
  readonly palette: DiffPalette;
}

function cellRun(values: readonly number[], isCursorRow: boolean, props: DiffMatrixInput): string {
  const { layout, left, cursorColumn, max, theme, palette, diff } = props;
  const { cellWidth, visibleColumns } = layout;
  const plain = theme.depth === 'none';
  const blank = ' '.repeat(cellWidth);
  const mark = cursorMark(cellWidth);
  const { put, text } = styleRuns();
  for (let i = 0; i < visibleColumns; i++) {
    const column = left + i;
    const value = values[column]!;
    const here = isCursorRow && column === cursorColumn;
    // A change within the two runs' noise: not a change, drawn apart from the scale.
    if (Math.abs(value) > SCORE_THRESHOLD && isNoiseChange(value, diff.noise[column]!)) put(here ? theme.style.cursor : theme.style.zero, here ? mark : NOISE_GLYPH.padEnd(cellWidth));
    else if (plain) put(here ? theme.style.cursor : '', here ? mark : diffGlyph(value, max).repeat(cellWidth));
    else {
      const level = diffLevel(value, max) + DIFF_STEPS;
      put(here ? palette.mark[level]! : palette.background[level]!, here ? mark : blank);
    }
  }
  return text();
}

function noteRun(row: DiffRow, props: DiffMatrixInput): string {
  const { layout, theme } = props;
  const s = theme.style;
  const text =
    row.kind === 'failed'
      ? 'failed in a run: not compared'
      : row.kind === 'only-a'
        ? 'only in A: not in run B'
        : 'only in B: not in run A';
  return paint(fit(text, layout.cellArea), row.kind === 'failed' ? s.bad : s.warn);
}

function rowLine(position: number, line: number, lines: number, props: DiffMatrixInput): string {
  const { rows, order, layout, theme, cursorRow, top, diff, max, palette } = props;
  const row = rows[order[position]!]!;
  const isCursor = position === cursorRow;
  const key = paint(fitMiddle(neutralize(row.key), layout.keyWidth), isCursor ? theme.style.cursor : '');
  const label = `${markText(row, theme)} ${key} ${valueCell(row.maxA, DIFF_VALUE_WIDTH)} ${valueCell(row.maxB, DIFF_VALUE_WIDTH)} ${changeCell(row, max, theme, palette)}`;
  const cells = row.matrixRow !== undefined ? cellRun(diff.matrix[row.matrixRow]!, isCursor, props) : noteRun(row, props);
  const spare = row.matrixRow !== undefined ? layout.cellArea - layout.visibleColumns * layout.cellWidth : 0;
  return `${label} ${paint('│', theme.style.faint)}${cells}${' '.repeat(Math.max(0, spare))}${scrollbarChar(line, lines, top, order.length, theme)}`;
}

function rulerLine(props: DiffMatrixInput): string {
  const { diff, order, layout, theme, left, cursorColumn, cursorRow, sort } = props;
  const s = theme.style;
  const count = order.length > 0 ? ` ${cursorRow + 1}/${order.length}` : '';
  const arrow = (on: boolean) => (on ? '↓' : '');
  const titles =
    // The memory title may run into the max A column's padding: "memory 10/10 max A".
    '  ' +
    fit(`${arrow(sort === 'key')}memory${count}`, layout.keyWidth + 2) +
    fit('max A', DIFF_VALUE_WIDTH - 1, 'right') +
    ' ' +
    fit('max B', DIFF_VALUE_WIDTH, 'right') +
    ' ' +
    fit(`${sort === 'change' ? '↕' : sort === 'drop' ? '↑' : sort === 'rise' ? '↓' : ''}change`, DIFF_CHANGE_WIDTH, 'right');
  const canvas = rulerCanvas(layout.cellArea, s.faint);
  const digits = String(diff.responses.at(-1)?.entryA ?? 0).length;
  columnLabels(canvas, {
    left,
    visibleColumns: layout.visibleColumns,
    columns: diff.responses.length,
    cellWidth: layout.cellWidth,
    step: Math.max(1, Math.ceil((digits + 1) / layout.cellWidth)),
    gap: 1,
    cursorColumn,
    label: (column) => String(diff.responses[column]!.entryA),
    cursorLabel: (column) => entryLabel(diff.responses[column]!.entryA, diff.responses[column]!.entryB),
    style: { label: s.faint, cursor: s.cursor, arrow: s.accent },
  });
  return `${paint(titles, s.title)} ${paint('│', s.faint)}${canvas.text()} `;
}

/** The matrix's lines: the ruler, then the rows in view. */
export function diffMatrixLines(input: DiffMatrixInput): string[] {
  return matrixLines(input, rulerLine(input), input.rows.length, 'no memories in either run', (position, line, shown) => rowLine(position, line, shown, input));
}

/** The diverging legend: what is noise (when measured), the largest drop, the scale, the largest rise. */
export function diffLegend(max: number, theme: Theme, palette: DiffPalette, swatches = 9, noise = false): { text: string; width: number } {
  const low = `-${formatDivergence(max)}`;
  const high = `+${formatDivergence(max)}`;
  let ramp = '';
  if (theme.depth === 'none') ramp = `${DROP_GLYPHS[1]}${DROP_GLYPHS[0]} ${RISE_GLYPHS[0]}${RISE_GLYPHS[1]}`;
  else {
    const half = (swatches - 1) / 2;
    for (let i = 0; i < swatches; i++) {
      const level = Math.round(((i - half) / half) * DIFF_STEPS);
      ramp += level === 0 ? ' ' : paint(' ', palette.background[level + DIFF_STEPS]!);
    }
  }
  const rampWidth = theme.depth === 'none' ? 5 : swatches;
  const [noiseText, noiseWidth] = noiseNote(theme, noise);
  return { text: `${noiseText}${low} ${ramp} ${high} ${paint('log', theme.style.faint)}`, width: noiseWidth + displayWidth(low) + 1 + rampWidth + 1 + displayWidth(high) + 4 };
}

function responseList(label: string, entries: readonly { entry: number }[]): string {
  return `${label} ${entries.map((r) => r.entry).join(', ')}`;
}

/** The line under the matrix: how responses were matched, those in one run only, the legend. */
export function summaryLine(diff: RunDiff, width: number, max: number, theme: Theme, palette: DiffPalette): string {
  const s = theme.style;
  const legend = max > 0 ? diffLegend(max, theme, palette, undefined, diff.noise.some((band) => band > 0)) : undefined;
  const room = Math.max(0, width - (legend ? legend.width + 1 : 0));
  const parts: Segment[] =
    diff.unmatchedConversations !== undefined
      ? [[` responses matched by entry, but the conversations appear to differ (${diff.unmatchedConversations}): results carry no texts; diff the sessions to match by text`, s.warn]]
      : [[` responses matched by ${diff.matchedBy === 'entry' ? 'entry' : 'text (the conversations differ)'}`, s.faint]];
  if (diff.responsesOnlyA.length > 0) parts.push(['  ', ''], [responseList('only in A: responses', diff.responsesOnlyA), s.warn]);
  if (diff.responsesOnlyB.length > 0) parts.push(['  ', ''], [responseList('only in B: responses', diff.responsesOnlyB), s.warn]);
  if (max === 0 && diff.memories.length > 0) parts.push([diff.noise.some((band) => band > 0) ? '  no cell changed beyond the noise' : '  no cell changed', s.good]);
  return paintFit(parts, room) + (legend ? `${legend.text} ` : '');
}

function runLabel(name: string, run: DiffRun): string {
  const estimated = run.result.estimate !== undefined ? ` ESTIMATE ${run.result.estimate}` : '';
  return `${name} ${neutralize(run.path)} (${neutralize(run.model ?? 'model?')}${estimated})`;
}

/** Both runs' file names in `room` columns, each cut in the middle to its share: B is never pushed off. */
function bothNames(nameA: string, nameB: string, room: number): string {
  const frame = (x: string, y: string) => ` B − A · A ${x} → B ${y}`;
  const names = Math.max(0, room - displayWidth(frame('', '')));
  // Each gets half; a short name leaves the rest to the other.
  const half = Math.floor(names / 2);
  const widthA = Math.min(displayWidth(nameA), Math.max(half, names - displayWidth(nameB)));
  return frame(fitMiddle(nameA, widthA), fitMiddle(nameB, names - widthA).trimEnd());
}

export function headerLine(a: DiffRun, b: DiffRun, diff: RunDiff, width: number, theme: Theme): string {
  const s = theme.style;
  const title = ' memscope diff ';
  const right = ` ${diff.memories.length}×${diff.responses.length} compared `;
  const room = Math.max(0, width - displayWidth(title) - displayWidth(right));
  // The paths matter most: shorten them to their names, then leave out the models, until it fits.
  const base = (run: DiffRun) => ({ ...run, path: run.path.split('/').at(-1) ?? run.path });
  const candidates = [
    ` B − A · ${runLabel('A', a)} → ${runLabel('B', b)}`,
    ` B − A · ${runLabel('A', base(a))} → ${runLabel('B', base(b))}`,
    ` B − A · A ${neutralize(base(a).path)} → B ${neutralize(base(b).path)}`,
  ];
  const middle = fit(candidates.find((c) => displayWidth(c) <= room) ?? bothNames(neutralize(base(a).path), neutralize(base(b).path), room), room);
  return paint(title, s.barTitle) + paint(middle, s.bar) + paint(right, s.bar);
}

