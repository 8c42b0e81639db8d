// The matrix: one line per memory (status, key, max divergence with a bar, cells), one cell per
// response; only the rows and columns in view are drawn. Each line is one styled string (cells of
// one colour share an escape sequence) handed to the line overlay, which keeps a 200×60 frame of
// a 500 × 2000 matrix within a few milliseconds.
import { memo } from 'react';
import { fit, sliceColumns } from '../src/core/display-width.ts';
import { keyLabel } from '../src/tui/key-label.ts';
import { SCORE_THRESHOLD } from '../src/engine/divergence.ts';
import { heatGlyph, heatLevel } from '../src/tui/heat-palette.ts';
import { NOISE_GLYPH } from '../src/tui/heat-legend.ts';
import { isNoiseCell } from '../src/engine/noise-floor.ts';
import type { MatrixLayout } from '../src/tui/matrix-layout.ts';
import { VALUE_WIDTH } from '../src/tui/matrix-layout.ts';
import { cellValue, type MemoryRow, type RunState } from '../src/tui/run-state.ts';
import { neutralize } from '../src/core/sanitize.ts';
import type { SortOrder } from '../src/tui/screen-nav.ts';
import { bar, formatDivergence } from '../src/tui/screen-format.ts';
import type { Theme } from '../src/tui/screen-theme.ts';
import { paint } from '../src/tui/term-style.ts';
import { cursorMark } from '../src/tui/cursor-mark.ts';
import { matrixLines, type MatrixViewport } from '../src/tui/matrix-lines.ts';
import { columnLabels, rulerCanvas } from '../src/tui/ruler-canvas.ts';
import { scrollbarChar } from '../src/tui/scrollbar.ts';
import { styleRuns } from '../src/tui/style-runs.ts';
import { Lines } from './Lines.tsx';

/** `order` holds row indices into state.memories. */
export interface MatrixViewProps extends MatrixViewport {
  readonly state: RunState;
  readonly layout: MatrixLayout;
  readonly sortBy: SortOrder;
  /** How many places of the context hold a key (none known: one). */
  readonly places?: ((key: string) => number) | undefined;
}

const STATUS_GLYPH = { pending: '·', scoring: '▶', done: '✓', failed: '✗', skipped: '–', cancelled: '○' } as const;

/**
 * A search group's rows are marked together while it is ablated: ┌ on its first row, │ between,
 * └ on its last (in position order they join up; sorted otherwise, each still shows it).
 */
function groupGlyph(row: MemoryRow, index: number): string | undefined {
  const group = row.group;
  if (group === null || group.count < 2) return undefined;
  if (index === group.first) return '┌';
  return index === group.first + group.count - 1 ? '└' : '│';
}

function statusMark(row: MemoryRow, index: number, theme: Theme): string {
  const s = theme.style;
  const grouped = groupGlyph(row, index);
  if (grouped !== undefined) return paint(grouped, s.accent);
  const style = { pending: s.faint, scoring: s.accent, done: s.good, failed: s.badStrong, skipped: s.warn, cancelled: s.warn }[row.status];
  return paint(STATUS_GLYPH[row.status], style);
}

function valueText(row: MemoryRow, theme: Theme): string {
  const s = theme.style;
  switch (row.status) {
    case 'done':
      // Cleared by the search with its group: below its bound, not measured alone.
      if (row.exact === false && row.bound !== null) return paint(fit(`<${formatDivergence(row.bound)}`, VALUE_WIDTH, 'right'), s.faint);
      // Only noise moved it (--noise): no divergence to give.
      if (row.noiseOnly) return paint(fit(NOISE_GLYPH, VALUE_WIDTH, 'right'), s.zero);
      return fit(formatDivergence(row.max), VALUE_WIDTH, 'right');
    case 'scoring':
      // A search group shows its size on each of its rows.
      if (row.group !== null && row.group.count > 1) return paint(fit(`×${row.group.count}`, VALUE_WIDTH, 'right'), s.accent);
      return paint(fit('…', VALUE_WIDTH, 'right'), s.accent);
    case 'failed':
      return paint(fit('failed', VALUE_WIDTH, 'right'), s.bad);
    case 'skipped':
      return paint(fit('skip', VALUE_WIDTH, 'right'), s.warn);
    case 'cancelled':
      return paint(fit('–', VALUE_WIDTH, 'right'), s.warn);
    case 'pending':
      return ' '.repeat(VALUE_WIDTH);
  }
}

function barText(row: MemoryRow, state: RunState, width: number, theme: Theme): string {
  if (width === 0) return '';
  if (row.status !== 'done') return ' '.repeat(width);
  const level = heatLevel(row.max, state.maxDivergence);
  const fraction = state.maxDivergence > 0 ? row.max / state.maxDivergence : 0;
  const text = bar(fraction, width);
  // The bar's colour is the row's hottest cell; in plain mode the glyphs carry the length alone.
  return paint(text, theme.depth === 'none' ? '' : theme.heat.foreground[level]!);
}

/** Cells of a row that has values (or will have): heat colours, pending dots, the cursor mark. */
function cellRun(row: MemoryRow, state: RunState, props: MatrixViewProps, isCursorRow: boolean): string {
  const { layout, left, theme, cursorColumn } = props;
  const { cellWidth, visibleColumns } = layout;
  const heat = theme.heat;
  const plain = theme.depth === 'none';
  const max = state.maxDivergence;
  const blank = ' '.repeat(cellWidth);
  const pendingText = '·'.padEnd(cellWidth);
  const zeroText = plain ? blank : '·'.padEnd(cellWidth);
  const scoringText = '┄'.repeat(cellWidth);
  const markText = cursorMark(cellWidth);
  const { put, text } = styleRuns();
  for (let i = 0; i < visibleColumns; i++) {
    const column = left + i;
    const cursorHere = isCursorRow && column === cursorColumn;
    const value = cellValue(row, column);
    if (value !== undefined && state.noise !== null && isNoiseCell(value, state.noise.floors[column] ?? 0)) {
      // Within the run's noise floor (--noise): not a finding, drawn apart from the scale.
      put(cursorHere ? theme.style.cursor : theme.style.zero, cursorHere ? markText : NOISE_GLYPH.padEnd(cellWidth));
    } else if (value !== undefined && !(value > SCORE_THRESHOLD)) {
      // Under the AST's threshold: background with a faint dot, not the scale's darkest colour.
      put(cursorHere ? theme.style.cursor : theme.style.zero, cursorHere ? markText : zeroText);
    } else if (value !== undefined) {
      if (plain) {
        if (cursorHere) put(theme.style.cursor, markText);
        else put('', heatGlyph(value, max).repeat(cellWidth));
      } else {
        const level = heatLevel(value, max);
        put(cursorHere ? heat.mark[level]! : heat.background[level]!, cursorHere ? markText : blank);
      }
    } else if (cursorHere) {
      put(theme.style.cursor, markText);
    } else if (row.status === 'scoring') {
      put(theme.style.accent, scoringText);
    } else if (row.status === 'pending') {
      put(theme.style.faint, pendingText);
    } else {
      // Done rows outside their window (incremental mode) have no value there.
      put('', blank);
    }
  }
  return text();
}

/** Failed and skipped rows show their reason across the cell area. */
function reasonRun(row: MemoryRow, props: MatrixViewProps, isCursorRow: boolean): string {
  const { layout, left, theme, cursorColumn } = props;
  const width = layout.cellArea;
  const label = row.status === 'failed' ? 'failed: ' : row.status === 'cancelled' ? 'cancelled: ' : 'skipped: ';
  const text = fit(label + neutralize(row.reason ?? ''), width);
  const style = row.status === 'failed' ? theme.style.bad : theme.style.warn;
  const at = (cursorColumn - left) * layout.cellWidth;
  if (!isCursorRow || at < 0 || at >= width) return paint(text, style);
  const end = at + layout.cellWidth;
  return paint(sliceColumns(text, 0, at), style) + paint(sliceColumns(text, at, end), theme.style.cursor) + paint(sliceColumns(text, end, width), style);
}

function rowLine(position: number, line: number, lines: number, props: MatrixViewProps): string {
  const { state, order, layout, theme, cursorRow, top } = props;
  const row = state.memories[order[position]!]!;
  const isCursor = position === cursorRow;
  const { key, mark, padding } = keyLabel(neutralize(row.key), props.places?.(row.key) ?? 1, layout.keyWidth);
  const markText = mark ? ' ' + paint(mark, theme.style.faint) : '';
  // Without a mark the cursor's inverse video runs over the key's whole column, as it always has.
  const keyText = mark ? paint(key, isCursor ? theme.style.cursor : '') + markText + ' '.repeat(padding) : paint(key + ' '.repeat(padding), isCursor ? theme.style.cursor : '');
  const label = `${statusMark(row, order[position]!, theme)} ${keyText} ${valueText(row, theme)}`;
  const barPart = layout.barWidth ? ' ' + barText(row, state, layout.barWidth, theme) : '';
  const weightPart = layout.weightWidth ? ' ' + (row.weight === null ? ' '.repeat(layout.weightWidth) : fit(formatDivergence(row.weight), layout.weightWidth, 'right')) : '';
  const reason = row.status === 'failed' || row.status === 'skipped' || row.status === 'cancelled';
  const cells = reason ? reasonRun(row, props, isCursor) : cellRun(row, state, props, isCursor);
  const spare = reason ? 0 : layout.cellArea - layout.visibleColumns * layout.cellWidth;
  return `${label}${barPart}${weightPart} ${paint('│', theme.style.faint)}${cells}${' '.repeat(spare)}${scrollbarChar(line, lines, top, order.length, theme)}`;
}

/** The header line: column titles over the labels, entry indices over the cells. */
function rulerLine(props: MatrixViewProps): string {
  const { state, order, layout, theme, left, cursorColumn, cursorRow, sortBy } = props;
  const s = theme.style;
  const count = order.length > 0 ? ` ${cursorRow + 1}/${order.length}` : '';
  const valueName = `${sortBy === 'max' ? '↓' : ''}${state.mode === 'incremental' ? 'score' : 'max'}`;
  // The memory title may run into the value column's padding: "memory 500/500  ↓max".
  const titleRoom = layout.keyWidth + 1 + VALUE_WIDTH - valueName.length - 1;
  const keyTitle = fit(`memory${sortBy === 'key' ? '↓' : ''}${count}`, titleRoom);
  const valueTitle = ' ' + valueName;
  const barTitle = layout.barWidth ? ' '.repeat(layout.barWidth + 1) : '';
  const weightTitle = layout.weightWidth ? ' ' + fit('weight', layout.weightWidth, 'right') : '';
  const label = `  ${paint(keyTitle, s.title)}${paint(valueTitle, s.title)}${barTitle}${paint(weightTitle, s.title)} ${paint('│', s.faint)}`;

  const canvas = rulerCanvas(layout.cellArea, s.faint);
  const digits = String(state.responses.at(-1) ?? 0).length;
  columnLabels(canvas, {
    left,
    visibleColumns: layout.visibleColumns,
    columns: state.responses.length,
    cellWidth: layout.cellWidth,
    step: Math.max(1, Math.ceil((digits + 1) / layout.cellWidth)),
    gap: 1,
    cursorColumn,
    label: (column) => String(state.responses[column]),
    cursorLabel: (column) => String(state.responses[column]),
    style: { label: s.faint, cursor: s.cursor, arrow: s.accent },
  });
  return `${label}${canvas.text()} `;
}

function emptyMessage(state: RunState): string {
  if (state.phase === 'waiting') return 'waiting for the run to start…';
  if (state.mode === 'incremental') return 'no memory to score in this run';
  return 'no memories in this context: nothing to score';
}

export const MatrixView = memo(function MatrixView(props: MatrixViewProps) {
  const { state } = props;
  const lines = matrixLines(props, rulerLine(props), state.memories.length, emptyMessage(state), (position, line, shown) => rowLine(position, line, shown, props));
  return <Lines lines={lines} height={props.height} slot="matrix" />;
});
