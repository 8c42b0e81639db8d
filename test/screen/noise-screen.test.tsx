// The noise floor on the screen: the header gives the run's floor (times the factor), cells within
// their response's floor are drawn as noise (~), the legend says what ~ means; without a
// noise-floor event nothing of it shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../../src/engine/events.ts';
import { NOISE_FACTOR } from '../../src/engine/noise-floor.ts';
import { mount, rowOf } from '../support/screen-harness.tsx';

const EVENTS: EngineEvent[] = [
  { type: 'run-started', mode: 'full', model: 'm', backend: 'http://127.0.0.1:1/v1', memories: [{ key: 'alpha', entry: 0 }, { key: 'beta', entry: 1 }], responses: [2, 3], totalCalls: 4 },
  { type: 'baseline-done', scores: [-10, -12] },
  // alpha: 5 and 0.5, both above 3 × the floor; beta: 2, then 0.1 on response 1 (within 3 × 0.05).
  // (The cursor starts on alpha's first cell.)
  { type: 'row-done', key: 'alpha', index: 0, divergences: [5, 0.5], max: 5, first: 0 },
  { type: 'row-done', key: 'beta', index: 1, divergences: [2, 0.1], max: 2, first: 0 },
];
const NOISE: EngineEvent = { type: 'noise-floor', repeats: 1, factor: NOISE_FACTOR, floors: [0.1, 0.05] };

describe('the noise floor on the screen', () => {
  it('marks cells within the floor, and says the run\'s floor in the header and the legend', async () => {
    const screen = await mount([...EVENTS, NOISE], { size: { columns: 120, rows: 20 } });
    try {
      const lines = screen.lines();
      assert.match(lines[0]!, new RegExp(`noise ≤${(NOISE_FACTOR * 0.1).toFixed(2).replace('.', '\\.')}`));
      const alpha = rowOf(lines, 'alpha');
      const beta = rowOf(lines, 'beta');
      assert.ok(beta.includes('~'), beta);
      assert.ok(!alpha.includes('~'), alpha);
      assert.match(screen.text(), /~ noise/);
    } finally {
      screen.unmount();
    }
  });

  it('the detail pane says a cell is within the noise, and by what limit; a cell above it is a divergence', async () => {
    const screen = await mount([...EVENTS, NOISE], { size: { columns: 120, rows: 30 } });
    try {
      // beta's second cell: 0.1, within 3 × 0.05.
      await screen.pressKeys('down', 'right', 'enter');
      assert.match(screen.text(), /divergence 0\.100 · within the noise \(≤ 0\.150: 3 × floor 0\.050\)/);
      await screen.pressKeys('up');
      assert.doesNotMatch(screen.text(), /within the noise/);
    } finally {
      screen.unmount();
    }
  });

  it('a memory moved only by noise shows ~ for its max and sorts below every divergence above the noise', async () => {
    const started = { ...EVENTS[0]!, memories: [{ key: 'alpha', entry: 0 }, { key: 'beta', entry: 1 }, { key: 'gamma', entry: 1 }, { key: 'delta', entry: 1 }], totalCalls: 6 } as EngineEvent;
    // gamma: 0.25 and 0.1, within 3 × 0.1 and 3 × 0.05; delta: 0.2 on response 1, above 0.15.
    const gamma: EngineEvent = { type: 'row-done', key: 'gamma', index: 2, divergences: [0.25, 0.1], max: 0.25, first: 0 };
    const delta: EngineEvent = { type: 'row-done', key: 'delta', index: 3, divergences: [0, 0.2], max: 0.2, first: 0 };
    const screen = await mount([started, ...EVENTS.slice(1), gamma, delta, NOISE], { size: { columns: 120, rows: 20 } });
    try {
      assert.match(rowOf(screen.lines(), 'gamma'), /gamma\s+~\s/);
      assert.match(rowOf(screen.lines(), 'delta'), /delta\s+0\.200/);
      await screen.pressKeys('sort');
      const order = screen.lines().flatMap((l) => /alpha|beta|gamma|delta/.exec(l)?.[0] ?? []);
      // By raw max gamma (0.25) would come before delta (0.2).
      assert.deepEqual(order, ['alpha', 'beta', 'delta', 'gamma']);
    } finally {
      screen.unmount();
    }
  });

  it('fine-tune: a candidate within its response\'s noise shows ~ and no bar', async () => {
    const events: EngineEvent[] = [
      { type: 'run-started', mode: 'finetune', model: 'm', backend: 'b', memories: [], responses: [2, 3], totalCalls: 3 },
      { type: 'run-done', result: { mode: 'finetune', candidates: [{ entry: 2, divergence: 5, noise: 0.1 }, { entry: 3, divergence: 0.2, noise: 0.1 }], calls: 3 } },
    ];
    const screen = await mount(events, { size: { columns: 120, rows: 20 } });
    try {
      const lines = screen.lines();
      assert.match(lines.find((l) => /^\s+2\s+3\s/.test(l))!, /^\s+2\s+3\s+~0\.200\s/);
      assert.match(lines.find((l) => /^\s+1\s+2\s/.test(l))!, /█+\s+5\.000/);
    } finally {
      screen.unmount();
    }
  });

  it('a floor of 0 (repeats identical to the baseline) is said in the header, and nothing is noise', async () => {
    const screen = await mount([...EVENTS, { type: 'noise-floor', repeats: 1, factor: NOISE_FACTOR, floors: [0, 0] }], { size: { columns: 120, rows: 20 } });
    try {
      assert.match(screen.lines()[0]!, /noise 0 \(repeats identical\)/);
      assert.ok(!rowOf(screen.lines(), 'beta').includes('~'));
    } finally {
      screen.unmount();
    }
  });

  it('shows nothing of it without a floor', async () => {
    const screen = await mount(EVENTS, { size: { columns: 120, rows: 20 } });
    try {
      assert.doesNotMatch(screen.lines()[0]!, /noise/);
      assert.ok(!rowOf(screen.lines(), 'beta').includes('~'));
      assert.doesNotMatch(screen.text(), /~ noise/);
    } finally {
      screen.unmount();
    }
  });

  it('a search says where the floor raised its threshold: T→factor × the widest floor', async () => {
    const search: EngineEvent[] = [{ ...(EVENTS[0] as Extract<EngineEvent, { type: 'run-started' }>), search: { threshold: 0.2 } }, EVENTS[1]!];
    const raised = await mount([...search, NOISE], { size: { columns: 120, rows: 20 } });
    const below = await mount([...search, { ...NOISE, floors: [0.05, 0.01] }], { size: { columns: 120, rows: 20 } });
    try {
      assert.match(raised.lines()[0]!, new RegExp(`search T=0\\.2→${(NOISE_FACTOR * 0.1).toFixed(2).replace('.', '\\.')}`));
      // A floor whose limit stays under T raises nothing.
      assert.match(below.lines()[0]!, /search T=0\.2\)/);
    } finally {
      raised.unmount();
      below.unmount();
    }
  });
});
