// The overview (`z`): every memory row and response column folded into the matrix's area, each
// character showing the largest divergence of the block it covers. With colour a character holds
// two blocks, one above the other (▀: the top block's colour over the bottom one's); the cursor's
// block is drawn white. Cells under the AST's threshold read as background, like the matrix.
import { memo } from 'react';
import { fit, fitMiddle } from '../src/core/display-width.ts';
import { neutralize } from '../src/core/sanitize.ts';
import { SCORE_THRESHOLD } from '../src/engine/divergence.ts';
import { HEAT_LEVELS, heatGlyph, heatLevel, levelColour } from '../src/tui/heat-palette.ts';
import { VALUE_WIDTH, type MatrixLayout } from '../src/tui/matrix-layout.ts';
import { NO_VALUE, blockOf, blockRange, type OverviewGrid } from '../src/tui/overview.ts';
import type { RunState } from '../src/tui/run-state.ts';
import { formatDivergence } from '../src/tui/screen-format.ts';
import type { Theme } from '../src/tui/screen-theme.ts';
import { paint, sgr, type Colour } from '../src/tui/term-style.ts';
import { columnLabels, rulerCanvas } from '../src/tui/ruler-canvas.ts';
import { styleRuns } from '../src/tui/style-runs.ts';
import { Lines } from './Lines.tsx';

export interface OverviewViewProps {
  readonly state: RunState;
  readonly order: readonly number[];
  readonly grid: OverviewGrid;
  /** Block rows per line: 2 with colour (half blocks), 1 without. */
  readonly perLine: 1 | 2;
  readonly cursorRow: number;
  readonly cursorColumn: number;
  readonly layout: MatrixLayout;
  readonly height: number;
  readonly theme: Theme;
}

const CURSOR_COLOUR: Colour = { rgb: [255, 255, 255], ansi: 'brightWhite' };
/** Colour indices: a heat level, or one of these. */
const BACKGROUND = -1;
const CURSOR = -2;

/** The colour index a block shows: background for nothing scored or under the threshold. */
function blockColour(value: number, max: number): number {
  return value > SCORE_THRESHOLD ? heatLevel(value, max) : BACKGROUND;
}

const levelColours = Array.from({ length: HEAT_LEVELS }, (_, level) => levelColour(level));
const colourOf = (index: number): Colour => (index === CURSOR ? CURSOR_COLOUR : levelColours[index]!);
const cellStyles = new Map<string, string>();

/** One character for a top and a bottom block (either may be background). */
function halfCell(top: number, bottom: number, anyZero: boolean, theme: Theme): [style: string, text: string] {
  if (top === BACKGROUND && bottom === BACKGROUND) return anyZero ? [theme.style.zero, '·'] : ['', ' '];
  const id = `${theme.depth}|${top}|${bottom}`;
  let style = cellStyles.get(id);
  if (style === undefined) {
    style = top !== BACKGROUND && bottom !== BACKGROUND ? sgr({ fg: colourOf(top), bg: colourOf(bottom) }, theme.depth) : sgr({ fg: colourOf(top !== BACKGROUND ? top : bottom) }, theme.depth);
    cellStyles.set(id, style);
  }
  return [style, top !== BACKGROUND ? '▀' : '▄'];
}

function gridLine(line: number, props: OverviewViewProps, cursorBlock: readonly [number, number]): string {
  const { grid, perLine, theme, state } = props;
  const max = state.maxDivergence;
  const runs = styleRuns();
  const at = (blockRow: number, column: number) => (blockRow < grid.rowBlocks ? grid.values[blockRow * grid.columnBlocks + column]! : NO_VALUE);
  for (let column = 0; column < grid.columnBlocks; column++) {
    if (perLine === 1) {
      const value = at(line, column);
      const cursor = cursorBlock[0] === line && cursorBlock[1] === column;
      // Without colour, as in the matrix: under the threshold is blank.
      const glyph = value > SCORE_THRESHOLD ? heatGlyph(value, max) : ' ';
      runs.put(cursor ? theme.style.cursor : '', glyph);
      continue;
    }
    const topRow = line * 2;
    const top = at(topRow, column);
    const bottom = at(topRow + 1, column);
    const cursorHere = cursorBlock[1] === column;
    const topColour = cursorHere && cursorBlock[0] === topRow ? CURSOR : blockColour(top, max);
    const bottomColour = cursorHere && cursorBlock[0] === topRow + 1 ? CURSOR : blockColour(bottom, max);
    const anyZero = (top !== NO_VALUE && top <= SCORE_THRESHOLD) || (bottom !== NO_VALUE && bottom <= SCORE_THRESHOLD);
    const [style, text] = halfCell(topColour, bottomColour, anyZero, theme);
    runs.put(style, text);
  }
  return runs.text();
}

/** The row label of a line: its first memory, how many more it folds in, their largest max. */
function labelFor(line: number, props: OverviewViewProps, cursorLine: number): string {
  const { state, order, grid, perLine, layout, theme } = props;
  const first = blockRange(line * perLine, order.length, grid.rowBlocks)[0];
  const end = blockRange(Math.min(grid.rowBlocks - 1, line * perLine + perLine - 1), order.length, grid.rowBlocks)[1];
  let max = 0;
  let anyDone = false;
  for (let p = first; p < end; p++) {
    const row = state.memories[order[p]!]!;
    if (row.status === 'done') {
      anyDone = true;
      max = Math.max(max, row.max);
    }
  }
  const key = fitMiddle(neutralize(state.memories[order[first]!]?.key ?? ''), layout.keyWidth);
  const more = end - first > 1 ? `+${end - first - 1}` : '';
  const value = anyDone ? fit(formatDivergence(max), VALUE_WIDTH, 'right') : ' '.repeat(VALUE_WIDTH);
  const barPart = layout.barWidth ? ' ' + paint(fit(more, layout.barWidth), theme.style.faint) : '';
  const weightPart = layout.weightWidth ? ' '.repeat(layout.weightWidth + 1) : '';
  return `  ${paint(key, line === cursorLine ? theme.style.cursor : '')} ${value}${barPart}${weightPart} ${paint('│', theme.style.faint)}`;
}

/** The heading of the "+n" column, as long as it has room for. */
function foldedHeading(width: number): string {
  return ['+n more', '+n'].find((text) => text.length <= width) ?? '';
}

/** Entries over the block columns, the cursor's block range highlighted. */
function rulerLine(props: OverviewViewProps, cursorBlockColumn: number): string {
  const { state, order, grid, layout, theme } = props;
  const s = theme.style;
  const columns = state.responses.length;
  const title = `overview ${order.length}×${columns}`;
  // Over the rows' "+n" (the memories a line folds in besides the one named), a heading that says so.
  const gap = layout.labelWidth - layout.keyWidth - VALUE_WIDTH - 4;
  const heading = layout.barWidth ? ' ' + fit(foldedHeading(layout.barWidth), gap - 1) : ' '.repeat(gap);
  const label = `  ${paint(fit(title, layout.keyWidth + 1 + VALUE_WIDTH), s.title)}${paint(heading, s.faint)}${paint('│', s.faint)}`;
  // A block column's label is the first entry it holds, eight blanks or more from the next; the
  // cursor's shows the block's range of entries. Nothing scrolls, so there are no arrows.
  const canvas = rulerCanvas(layout.cellArea, '');
  const entries = (column: number) => blockRange(column, columns, grid.columnBlocks);
  if (columns > 0) {
    columnLabels(canvas, {
      left: 0,
      visibleColumns: grid.columnBlocks,
      columns: grid.columnBlocks,
      cellWidth: 1,
      step: 1,
      gap: 8,
      cursorColumn: cursorBlockColumn,
      label: (column) => String(state.responses[entries(column)[0]]),
      cursorLabel: (column) => {
        const [from, to] = entries(column);
        return to - from > 1 ? `${state.responses[from]}–${state.responses[to - 1]}` : String(state.responses[from]);
      },
      style: { label: '', cursor: s.cursor, arrow: '' },
    });
  }
  return `${label}${canvas.text()} `;
}

export const OverviewView = memo(function OverviewView(props: OverviewViewProps) {
  const { order, grid, perLine, cursorRow, cursorColumn, height, state } = props;
  const blockRow = blockOf(cursorRow, order.length, grid.rowBlocks);
  const blockColumn = blockOf(cursorColumn, state.responses.length, grid.columnBlocks);
  const cursorLine = Math.floor(blockRow / perLine);
  const lines = [rulerLine(props, blockColumn)];
  const count = Math.min(Math.max(0, height - 1), Math.ceil(grid.rowBlocks / perLine));
  for (let line = 0; line < count; line++) lines.push(labelFor(line, props, cursorLine) + gridLine(line, props, [blockRow, blockColumn]));
  return <Lines lines={lines} height={height} slot="matrix" />;
});
