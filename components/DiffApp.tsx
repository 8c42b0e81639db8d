// The diff screen (`memscope diff A B`): the difference matrix B − A on a diverging scale, one row
// per memory with its max in A, in B and the change; memories and responses found in one run only
// are listed and marked. The main screen's keys move, filter, open the detail pane (both cells'
// numbers and the texts) and quit the same way; `s` orders rows by the largest change, drop or rise.
// It renders what it is given: no I/O.
import { Box } from 'ink';
import { useMemo, useState } from 'react';
import type { ColorDepth } from '../src/screen/color-depth.ts';
import type { ContextTexts } from '../src/context/context-texts.ts';
import { displayWidth, fit } from '../src/core/display-width.ts';
import { neutralize } from '../src/core/sanitize.ts';
import type { FullResult } from '../src/engine/events.ts';
import type { RunDiff } from '../src/engine/run-diff.ts';
import { DIFF_STEPS, DROP_GLYPHS, RISE_GLYPHS, diffGlyph, diffLevel, diffPalette, type DiffPalette } from '../src/screen/diff-palette.ts';
import {
  DIFF_CHANGE_WIDTH,
  DIFF_SORT_LABELS,
  DIFF_VALUE_WIDTH,
  diffLayout,
  diffRows,
  maxAbsChange,
  nextDiffSort,
  orderDiffRows,
  rowChange,
  type DiffRow,
  type DiffSort,
} from '../src/screen/diff-view.ts';
import type { LineOverlay } from '../src/screen/line-overlay.ts';
import { screenLayout } from '../src/screen/matrix-layout.ts';
import { DIFF_KEYS } from '../src/screen/key-table.ts';
import { INITIAL_NAV, selectedIndex, type NavState } from '../src/screen/screen-nav.ts';
import { formatDivergence, formatLogprob } from '../src/screen/screen-format.ts';
import { screenTheme, type Theme } from '../src/screen/screen-theme.ts';
import { paint, paintFit, type Segment } from '../src/screen/term-style.ts';
import { cursorMark } from '../src/screen/cursor-mark.ts';
import { matrixLines, type MatrixViewport } from '../src/screen/matrix-lines.ts';
import { columnLabels, rulerCanvas } from '../src/screen/ruler-canvas.ts';
import { scrollbarChar } from '../src/screen/scrollbar.ts';
import { scrollWindow } from '../src/screen/scroll-window.ts';
import { styleRuns } from '../src/screen/style-runs.ts';
import { LABEL, frame, joinSegments, labelled, windowLines, wrapAtMost, wrapText } from './DetailPane.tsx';
import { Footer } from './Footer.tsx';
import { HelpOverlay } from './HelpOverlay.tsx';
import { Line, Lines, OverlayContext } from './Lines.tsx';
import { TooSmall } from './TooSmall.tsx';
import { useCursorScroll } from './use-cursor-scroll.ts';
import { useScreenKeys } from './use-screen-keys.ts';

/** One of the two runs: where it came from, its result, and its texts (none for a saved result). */
export interface DiffRun {
  readonly path: string;
  readonly model: string | null;
  readonly result: FullResult;
  readonly texts: ContextTexts;
}

export interface DiffAppProps {
  readonly a: DiffRun;
  readonly b: DiffRun;
  readonly diff: RunDiff;
  readonly depth: ColorDepth;
  readonly size: { readonly columns: number; readonly rows: number };
  readonly onQuit?: (interrupt: boolean) => void;
  readonly onRedraw?: () => void;
  readonly overlay?: LineOverlay;
}

const DIFF_READING = [
  'Each cell: B − A, how much a divergence changed between the runs',
  '(nats). Red: the memory matters less to that response in B,',
  'blue: more. Log scale, symmetric around 0; blank: no change.',
  'Rows: A only in run A · B only in run B · ✗ failed, not compared',
];

/** A change with its sign; one that rounds to nothing has none (not "-0.000"). */
function signed(value: number): string {
  const text = formatDivergence(Math.abs(value));
  return /^[0.]+$/.test(text) ? text : `${value < 0 ? '-' : '+'}${text}`;
}

function entryLabel(entryA: number, entryB: number): string {
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
  const text = fit(signed(change), DIFF_CHANGE_WIDTH, 'right');
  const level = diffLevel(change, max);
  return paint(text, level < 0 ? palette.drop : level > 0 ? palette.rise : theme.style.faint);
}

interface MatrixProps extends MatrixViewport {
  readonly rows: readonly DiffRow[];
  readonly diff: RunDiff;
  readonly max: number;
  readonly sort: DiffSort;
  readonly palette: DiffPalette;
}

function cellRun(values: readonly number[], isCursorRow: boolean, props: MatrixProps): string {
  const { layout, left, cursorColumn, max, theme, palette } = props;
  const { cellWidth, visibleColumns } = layout;
  const plain = theme.depth === 'none';
  const blank = ' '.repeat(cellWidth);
  const mark = cursorMark(cellWidth);
  const { put, text } = styleRuns();
  for (let i = 0; i < visibleColumns; i++) {
    const column = left + i;
    const value = values[column]!;
    const here = isCursorRow && column === cursorColumn;
    if (plain) put(here ? theme.style.cursor : '', here ? mark : diffGlyph(value, max).repeat(cellWidth));
    else {
      const level = diffLevel(value, max) + DIFF_STEPS;
      put(here ? palette.mark[level]! : palette.background[level]!, here ? mark : blank);
    }
  }
  return text();
}

function noteRun(row: DiffRow, props: MatrixProps): string {
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

function rowLine(position: number, line: number, lines: number, props: MatrixProps): string {
  const { rows, order, layout, theme, cursorRow, top, diff, max, palette } = props;
  const row = rows[order[position]!]!;
  const isCursor = position === cursorRow;
  const key = paint(fit(neutralize(row.key), layout.keyWidth), isCursor ? theme.style.cursor : '');
  const label = `${markText(row, theme)} ${key} ${valueCell(row.maxA, DIFF_VALUE_WIDTH)} ${valueCell(row.maxB, DIFF_VALUE_WIDTH)} ${changeCell(row, max, theme, palette)}`;
  const cells = row.matrixRow !== undefined ? cellRun(diff.matrix[row.matrixRow]!, isCursor, props) : noteRun(row, props);
  const spare = row.matrixRow !== undefined ? layout.cellArea - layout.visibleColumns * layout.cellWidth : 0;
  return `${label} ${paint('│', theme.style.faint)}${cells}${' '.repeat(Math.max(0, spare))}${scrollbarChar(line, lines, top, order.length, theme)}`;
}

function rulerLine(props: MatrixProps): string {
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

function DiffMatrix(props: MatrixProps) {
  const lines = matrixLines(props, rulerLine(props), props.rows.length, 'no memories in either run', (position, line, shown) => rowLine(position, line, shown, props));
  return <Lines lines={lines} height={props.height} slot="diff-matrix" />;
}

/** The diverging legend: the largest drop, the scale, the largest rise. */
export function diffLegend(max: number, theme: Theme, palette: DiffPalette, swatches = 9): { text: string; width: number } {
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
  return { text: `${low} ${ramp} ${high} ${paint('log', theme.style.faint)}`, width: displayWidth(low) + 1 + rampWidth + 1 + displayWidth(high) + 4 };
}

function responseList(label: string, entries: readonly { entry: number }[]): string {
  return `${label} ${entries.map((r) => r.entry).join(', ')}`;
}

/** The line under the matrix: how responses were matched, those in one run only, the legend. */
function summaryLine(diff: RunDiff, width: number, max: number, theme: Theme, palette: DiffPalette): string {
  const s = theme.style;
  const legend = max > 0 ? diffLegend(max, theme, palette) : undefined;
  const room = Math.max(0, width - (legend ? legend.width + 1 : 0));
  const parts: Segment[] = [[` responses matched by ${diff.matchedBy === 'entry' ? 'entry' : 'text (the conversations differ)'}`, s.faint]];
  if (diff.responsesOnlyA.length > 0) parts.push(['  ', ''], [responseList('only in A: responses', diff.responsesOnlyA), s.warn]);
  if (diff.responsesOnlyB.length > 0) parts.push(['  ', ''], [responseList('only in B: responses', diff.responsesOnlyB), s.warn]);
  if (max === 0 && diff.memories.length > 0) parts.push(['  no cell changed', s.good]);
  return paintFit(parts, room) + (legend ? `${legend.text} ` : '');
}

function runLabel(name: string, run: DiffRun): string {
  const estimated = run.result.estimate !== undefined ? ` ESTIMATE ${run.result.estimate}` : '';
  return `${name} ${neutralize(run.path)} (${neutralize(run.model ?? 'model?')}${estimated})`;
}

function headerLine(a: DiffRun, b: DiffRun, diff: RunDiff, width: number, theme: Theme): string {
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
  const middle = fit(candidates.find((c) => displayWidth(c) <= room) ?? candidates.at(-1)!, room);
  return paint(title, s.barTitle) + paint(middle, s.bar) + paint(right, s.bar);
}

interface DetailInput {
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
export function diffDetail({ a, b, diff, row, column, scroll, width, height, theme }: DetailInput): { lines: string[]; maxScroll: number } {
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
    const va = a.result.matrix[m.a]![response.a]!;
    const vb = b.result.matrix[m.b]![response.b]!;
    body.push(labelled('cell', [['B − A ', ''], [signed(vb - va), s.title], [` · A ${formatDivergence(va)} · B ${formatDivergence(vb)}`, '']], inner, theme));
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
  let maxScroll = 0;
  if (response && row.kind === 'both') {
    const textA = a.texts.response(response.entryA);
    const textB = b.texts.response(response.entryB);
    const text = textA ?? textB;
    if (textB !== undefined && textA !== undefined && textB !== textA) textLines('response B', textB, 1);
    if (text !== undefined) {
      const lines = wrapText(text, textWidth);
      const span = scrollWindow(lines.length, Math.max(1, height - 2 - body.length), scroll);
      maxScroll = span.maxScroll;
      const shown = lines.slice(span.first, span.first + span.count).map((line, i) => [i === 0 ? 'response' : '', line] as const);
      body.push(...windowLines(shown, span.note, textWidth, inner, theme));
    }
  }
  return { lines: frame(title, body, width, height, theme), maxScroll };
}

export function DiffApp({ a, b, diff, depth, size, onQuit, onRedraw, overlay }: DiffAppProps) {
  const [nav, setNav] = useState<NavState>(INITIAL_NAV);
  const [sort, setSort] = useState<DiffSort>('position');
  const theme = screenTheme(depth);
  const palette = diffPalette(depth);
  const screen = screenLayout(size.columns, size.rows, nav.detail);
  const { width } = screen;

  const rows = useMemo(() => diffRows(diff), [diff]);
  const max = useMemo(() => maxAbsChange(diff.matrix), [diff]);
  const order = useMemo(() => orderDiffRows(rows, sort, nav.filter), [rows, sort, nav.filter]);
  const rowIds = useMemo(() => order.map((i) => rows[i]!.key), [order, rows]);
  const longestKey = useMemo(() => rows.reduce((w, r) => Math.max(w, displayWidth(neutralize(r.key))), 0), [rows]);

  const matrixHeight = Math.max(1, screen.bodyHeight);
  const visibleRows = Math.max(1, matrixHeight - 1);
  const columns = diff.responses.length;
  const layout = diffLayout(width, longestKey, columns);
  const cursorRow = selectedIndex(nav, rowIds);
  const cursorColumn = Math.max(0, Math.min(nav.column, columns - 1));
  const { top, left } = useCursorScroll(cursorRow, cursorColumn, visibleRows, layout.visibleColumns, rowIds.length, columns);

  const shownRow = order[cursorRow];
  const selectedRow = shownRow !== undefined ? rows[shownRow] : undefined;
  const detail =
    screen.detailHeight > 0 && !nav.help && !screen.tooSmall
      ? diffDetail({ a, b, diff, row: selectedRow, column: cursorColumn, scroll: nav.detailScroll, width, height: screen.detailHeight, theme })
      : undefined;

  useScreenKeys({
    table: DIFF_KEYS,
    nav,
    setNav,
    context: { rows: rowIds, columns, pageRows: visibleRows, pageColumns: Math.max(1, layout.visibleColumns), maxDetailScroll: detail?.maxScroll ?? 0 },
    onQuit,
    onRedraw,
    // The diff's own row order, kept on the selected row.
    onCommand: (_command, current, context) => {
      setSort(nextDiffSort);
      return { ...current, selected: current.selected ?? context.rows[selectedIndex(current, context.rows)] ?? null };
    },
  });

  if (screen.tooSmall) {
    return (
      <OverlayContext.Provider value={overlay}>
        <TooSmall columns={size.columns} rows={size.rows} width={width} height={screen.height} theme={theme} />
      </OverlayContext.Provider>
    );
  }
  const body = nav.help ? (
    <HelpOverlay width={width} height={screen.bodyHeight + screen.detailHeight} theme={theme} table={DIFF_KEYS} reading={DIFF_READING} />
  ) : (
    <DiffMatrix
      rows={rows}
      order={order}
      diff={diff}
      layout={layout}
      cursorRow={cursorRow}
      cursorColumn={cursorColumn}
      top={top}
      left={left}
      height={matrixHeight}
      max={max}
      sort={sort}
      theme={theme}
      palette={palette}
    />
  );
  return (
    <OverlayContext.Provider value={overlay}>
      <Box flexDirection="column" height={screen.height}>
        <Line slot="diff-header" text={headerLine(a, b, diff, width, theme)} />
        {body}
        {detail ? <Lines lines={detail.lines} height={screen.detailHeight} slot="diff-detail" /> : null}
        <Line slot="diff-summary" text={summaryLine(diff, width, max, theme, palette)} />
        <Footer nav={nav} width={width} theme={theme} max={undefined} shown={rowIds.length} total={rows.length} sortLabel={DIFF_SORT_LABELS[sort]} table={DIFF_KEYS} />
      </Box>
    </OverlayContext.Provider>
  );
}
