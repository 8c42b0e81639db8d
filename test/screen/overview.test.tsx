// The overview (`z`), the jump to a row's hottest cell (`m`) and cells under the threshold read as
// background: the folding itself, then the screen as the keys drive it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import type { EngineEvent } from '../../src/engine/events.ts';
import { NO_VALUE, blockOf, blockRange, blockStart, hottestCell, overviewGrid } from '../../src/tui/overview.ts';
import { INITIAL_RUN_STATE, reduceRun } from '../../src/tui/run-state.ts';
import { matrixLayout } from '../../src/tui/matrix-layout.ts';
import { mount } from '../support/screen-harness.tsx';
import { syntheticRun } from '../support/synthetic-run.ts';

function stateOf(events: readonly EngineEvent[]) {
  return events.reduce((state, event) => reduceRun(state, event, 0), INITIAL_RUN_STATE);
}

/** The detail pane's title: which memory and which response the cursor is on. */
function detailTitle(text: string): string {
  const match = /╭─ (.+?) ─/.exec(text);
  assert.ok(match, `no detail pane in:\n${text}`);
  return match[1]!;
}

describe('overview folding', () => {
  it('cuts items into near-equal blocks that blockOf inverts', () => {
    for (const [total, blocks] of [
      [600, 166],
      [200, 112],
      [7, 7],
      [5, 2],
    ] as const) {
      let covered = 0;
      for (let b = 0; b < blocks; b++) {
        const [from, to] = blockRange(b, total, blocks);
        assert.ok(to > from, 'no empty block');
        for (let i = from; i < to; i++) assert.equal(blockOf(i, total, blocks), b);
        covered += to - from;
      }
      assert.equal(covered, total);
      assert.equal(blockStart(blocks, total, blocks), total);
    }
  });

  it('shows in each block the max of the cells it covers', () => {
    const run = syntheticRun(9, 50, 3);
    const state = stateOf([run.started, run.baseline, ...Array.from({ length: 8 }, (_, i) => run.row(i))]);
    const order = state.memories.map((_, i) => i);
    const grid = overviewGrid(state.memories, order, 50, 4, 7);
    for (let br = 0; br < 4; br++) {
      for (let bc = 0; bc < 7; bc++) {
        const [r0, r1] = blockRange(br, 9, 4);
        const [c0, c1] = blockRange(bc, 50, 7);
        let max = NO_VALUE;
        for (let r = r0; r < r1; r++) {
          const d = state.memories[r]!.divergences;
          if (d) for (let c = c0; c < c1; c++) max = Math.max(max, d[c]!);
        }
        assert.equal(grid.values[br * 7 + bc], max, `block ${br},${bc}`);
      }
    }
    // Row 8 was never scored: its block holds only what the scored rows beside it have.
    const hottest = hottestCell(state.memories, order, [0, 1], [0, 50])!;
    assert.equal(hottest.value, state.memories[0]!.max);
  });
});

describe('overview on the screen', () => {
  const run = syntheticRun(40, 300, 5);
  const events = [run.started, run.baseline, ...Array.from({ length: 40 }, (_, i) => run.row(i))];

  it('z folds every row and column into the screen, marks the cursor block, and Enter zooms into its hottest cell', async () => {
    const screen = await mount(events, { size: { columns: 100, rows: 30 }, depth: 'truecolor' });
    try {
      assert.doesNotMatch(screen.text(), /overview/);
      await screen.pressKeys('overview');
      const lines = screen.lines();
      assert.match(lines[1]!, /overview 40×300/);
      // 40 rows in 20 lines of half blocks, each line naming its first memory.
      const gridLines = lines.filter((l) => /│[▀▄· ]+\s*$/.test(l) && /\+1/.test(l));
      assert.equal(gridLines.length, 20, lines.join('\n'));
      assert.match(screen.raw(), /38;2;255;255;255m▀|38;2;[0-9;]+;48;2;255;255;255m▀/, 'the cursor block is drawn white');
      // Two blocks right and one down, then zoom: the cursor lands on that block's hottest cell.
      await screen.pressKeys('right', 'right', 'down', 'down');
      await screen.pressKeys('enter');
      assert.doesNotMatch(screen.lines()[1]!, /overview/);
      await screen.pressKeys('enter');
      const title = detailTitle(screen.text());
      const state = screen.store.getSnapshot();
      const order = state.memories.map((_, i) => i);
      const layout = matrixLayout(100, 'full', Math.max(...run.keys.map((k) => k.length)), 300);
      const columnBlocks = Math.min(300, layout.cellArea);
      // 26 matrix lines hold all 40 rows: a block is one row; the third column of blocks.
      const expected = hottestCell(state.memories, order, blockRange(2, 40, 40), blockRange(2, 300, columnBlocks))!;
      assert.ok(blockRange(2, 300, columnBlocks)[1] - blockRange(2, 300, columnBlocks)[0] > 1, 'a block covers several columns');
      assert.equal(title, `${run.keys[2]} (entry ${Math.floor((2 * run.entries.at(-1)!) / 40)}) × response at entry ${run.entries[expected.column]}`);
    } finally {
      screen.unmount();
    }
  });

  it('without colour: one block row a line, glyphs for the heat, the cursor block in inverse', async () => {
    const screen = await mount(events, { size: { columns: 100, rows: 20 }, depth: 'none' });
    try {
      await screen.pressKeys('overview');
      const lines = screen.lines();
      assert.match(lines[1]!, /overview 40×300/);
      // Each line's "+n" (the memories it folds in besides the named one) has a heading over it.
      const heading = lines[1]!.search(/\+n /);
      assert.ok(heading > 0, lines[1]);
      assert.ok(lines.slice(2).some((l) => l.slice(heading).startsWith('+')), 'the +n counts sit under the heading');

      // 20 rows: header, ruler, 16 grid lines, activity, footer (and nothing half-blocked).
      const grid = lines.filter((l) => /\+\d +│[ ░▒▓█]+\s*$/.test(l));
      assert.equal(grid.length, 16, lines.join('\n'));
      assert.doesNotMatch(screen.text(), /[▀▄]/);
      assert.match(screen.raw(), /\u001b\[7m[ ░▒▓█]\u001b\[(?:0|27)m/, 'the cursor block in inverse');
      assert.match(lines.at(-1)!, /⏎ zoom +Esc back/);
    } finally {
      screen.unmount();
    }
  });

  it('the help says what a line’s +n means', async () => {
    const screen = await mount(events, { size: { columns: 120, rows: 50 }, depth: 'none' });
    try {
      await screen.pressKeys('help');
      assert.match(screen.lines().join(' ').replace(/[│ ]+/g, ' '), /\+n counts the n more memories it folds in/, screen.lines().join('\n'));
    } finally {
      screen.unmount();
    }
  });

  it('m jumps to the row’s hottest cell and a second m goes back', async () => {
    const screen = await mount(events, { size: { columns: 100, rows: 30 } });
    try {
      await screen.pressKeys('down', 'right', 'right', 'enter');
      assert.equal(detailTitle(screen.text()), `${run.keys[1]} (entry ${Math.floor((1 * run.entries.at(-1)!) / 40)}) × response at entry ${run.entries[2]}`);
      await screen.pressKeys('hottest');
      const cells = screen.store.getSnapshot().memories[1]!.divergences!;
      const hottest = cells.indexOf(Math.max(...cells));
      assert.match(detailTitle(screen.text()), new RegExp(`× response at entry ${run.entries[hottest]}$`));
      assert.match(screen.lines()[1]!, new RegExp(`${run.entries[hottest]}`), 'the matrix scrolled to show it');
      await screen.pressKeys('hottest');
      assert.match(detailTitle(screen.text()), new RegExp(`× response at entry ${run.entries[2]}$`));
    } finally {
      screen.unmount();
    }
  });
});

describe('cells under the threshold', () => {
  it('read as background with a faint dot, not the scale’s darkest colour', async () => {
    const screen = await mount(
      [
        { type: 'run-started', mode: 'full', model: 'm', backend: 'built-in', memories: [{ key: 'a', entry: 0 }], responses: [1, 3, 5], totalCalls: 2 },
        { type: 'row-done', key: 'a', index: 0, divergences: [0, 0.005, 40], max: 40, first: 0 },
      ],
      { size: { columns: 80, rows: 20 }, depth: 'truecolor' },
    );
    try {
      await screen.pressKeys('right', 'right');
      const row = screen.raw().split('\n').find((l) => /^✓ a /.test(stripVTControlCharacters(l)))!;
      const cells = row.slice(row.indexOf('│'));
      // Two dots in the zero style, then the hot cell on its heat colour.
      assert.match(cells, /\u001b\[38;2;72;72;72m· {3}· {3}\u001b\[0m\u001b\[[0-9;]*48;2;/);
      assert.doesNotMatch(cells.split('·')[0]!, /48;2;68;1;84/, 'no viridis purple under the zeros');
      assert.match(screen.text(), /· <0\.01 {2}0\.01 .* 40\.00 log/);
    } finally {
      screen.unmount();
    }
  });
});
