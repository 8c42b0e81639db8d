// A group search on the screen: the rows of a group marked together while it is ablated, then
// resolving into single memories as it splits; cleared rows with their bound; the search's
// progress in the activity line and its threshold in the header.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../../src/engine/events.ts';
import { mount, rowOf } from '../support/screen-harness.tsx';

const KEYS = ['mem-a', 'mem-b', 'mem-c', 'mem-d', 'mem-e', 'mem-f'];
const RESPONSES = [2, 4, 6, 8, 10, 12];

const started: EngineEvent = {
  type: 'run-started',
  mode: 'full',
  model: 'test-model',
  backend: 'built-in',
  memories: KEYS.map((key, i) => ({ key, entry: 1 + 2 * i })),
  responses: RESPONSES,
  totalCalls: 3,
  search: { threshold: 1 },
};

const wide = { size: { columns: 140, rows: 30 } };

describe('group search on the screen', () => {
  it('marks a group’s rows together while it is ablated, and says the run is a search', async () => {
    const screen = await mount([started, { type: 'baseline-done', scores: RESPONSES.map(() => -20) }, { type: 'group-started', first: 0, count: 4, reach: 6 }], wide);
    const lines = screen.lines();
    assert.match(lines[0]!, /full matrix \(search T=1\.0\)/);
    assert.match(rowOf(lines, 'mem-a'), /^┌ mem-a +×4 /);
    assert.match(rowOf(lines, 'mem-b'), /^│ mem-b +×4 /);
    assert.match(rowOf(lines, 'mem-c'), /^│ mem-c +×4 /);
    assert.match(rowOf(lines, 'mem-d'), /^└ mem-d +×4 /);
    assert.match(rowOf(lines, 'mem-e'), /^· mem-e /);
    assert.match(screen.text(), /search: 0 exact, 0 cleared, 1 group ablated, 0 splits/);
    assert.match(screen.text(), / 0% 0\/6 memories/);
    screen.unmount();
  });

  it('resolves a split group into its halves, then single memories with their values, cleared rows with their bound', async () => {
    const screen = await mount([
      started,
      { type: 'baseline-done', scores: RESPONSES.map(() => -20) },
      { type: 'group-started', first: 0, count: 4, reach: 6 },
      { type: 'group-started', first: 4, count: 2, reach: 6 },
      { type: 'group-done', first: 4, count: 2, max: 0.3, outcome: 'cleared', called: true, bounds: [0.3, 0.1], calls: 0 },
      { type: 'group-done', first: 0, count: 4, max: 9, outcome: 'split', called: true, bounds: [], calls: 2 },
      { type: 'group-started', first: 0, count: 2, reach: 2 },
      { type: 'group-started', first: 2, count: 2, reach: 2 },
    ], wide);
    let lines = screen.lines();
    assert.match(rowOf(lines, 'mem-a'), /^┌ mem-a +×2 /);
    assert.match(rowOf(lines, 'mem-b'), /^└ mem-b +×2 /);
    assert.match(rowOf(lines, 'mem-c'), /^┌ mem-c +×2 /);
    assert.match(rowOf(lines, 'mem-e'), /^✓ mem-e +<0\.300 /);
    assert.match(rowOf(lines, 'mem-f'), /^✓ mem-f +<0\.100 /);
    assert.match(screen.text(), /search: 0 exact, 2 cleared, 2 groups ablated, 1 split .* 33% 2\/6 memories/);
    assert.match(lines[0]!, /0\/5 calls/, 'the split told the screen of its two calls');

    await screen.send(
      { type: 'group-done', first: 2, count: 2, max: 0.2, outcome: 'cleared', called: true, bounds: [0.2, 0.2], calls: 0 },
      { type: 'group-done', first: 0, count: 2, max: 9, outcome: 'split', called: true, bounds: [], calls: 2 },
      { type: 'group-started', first: 0, count: 1, reach: 2 },
      { type: 'group-started', first: 1, count: 1, reach: 1 },
    );
    lines = screen.lines();
    // Single memories being scored look like the exact matrix's rows.
    assert.match(rowOf(lines, 'mem-a'), /^▶ mem-a +… /);
    assert.match(rowOf(lines, 'mem-b'), /^▶ mem-b +… /);
    await screen.send(
      { type: 'group-done', first: 0, count: 1, max: 9, outcome: 'exact', called: true, bounds: [], calls: 0 },
      { type: 'row-done', key: 'mem-a', index: 0, divergences: [9, 2, 0, 0, 0, 0], max: 9, first: 0 },
      { type: 'group-done', first: 1, count: 1, max: 0.5, outcome: 'exact', called: true, bounds: [], calls: 0 },
      { type: 'row-done', key: 'mem-b', index: 1, divergences: [0.5, 0, 0, 0, 0, 0], max: 0.5, first: 0 },
    );
    lines = screen.lines();
    assert.match(rowOf(lines, 'mem-a'), /^✓ mem-a +9\.000 /);
    assert.match(rowOf(lines, 'mem-b'), /^✓ mem-b +0\.500 /);
    assert.match(screen.text(), /search: 2 exact, 4 cleared, 0 groups ablated, 2 splits/);
    assert.match(screen.text(), /100% 6\/6 memories/);
    screen.unmount();
  });

  it('explains a cleared memory in the detail pane', async () => {
    const screen = await mount([
      started,
      { type: 'group-started', first: 0, count: 6, reach: 6 },
      { type: 'group-done', first: 0, count: 6, max: 0.4, outcome: 'cleared', called: true, bounds: [0.4, 0.4, 0.3, 0.2, 0.1, 0], calls: 0 },
    ]);
    await screen.press('\r');
    assert.match(screen.text(), /cell +< 0\.400: cleared with its group \(T=1\.0\), not scored alone/);
    screen.unmount();
  });
});
