// The run reducer: every event's effect on what the screen shows, and that it never mutates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../../src/engine/events.ts';
import { INITIAL_RUN_STATE, baselineAt, callRate, cellValue, etaMs, rankAt, reduceRun, type RunState } from '../../src/tui/run-state.ts';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Applies events one by one at 1 s intervals, freezing every state so a mutation throws. */
function replay(events: EngineEvent[], from: RunState = INITIAL_RUN_STATE): RunState {
  let state = deepFreeze(from);
  events.forEach((event, i) => (state = deepFreeze(reduceRun(state, event, 1000 * (i + 1)))));
  return state;
}

const start: EngineEvent = {
  type: 'run-started',
  mode: 'full',
  model: 'm',
  backend: 'built-in',
  memories: [
    { key: 'a', entry: 1 },
    { key: 'b', entry: 4 },
    { key: 'c', entry: 7 },
  ],
  responses: [2, 5, 8],
  totalCalls: 4,
};

describe('reduceRun', () => {
  it('starts a run with pending rows, the response columns and the call total', () => {
    const state = replay([start]);
    assert.equal(state.phase, 'running');
    assert.equal(state.mode, 'full');
    assert.deepEqual(state.memories.map((m) => [m.key, m.entry, m.status]), [['a', 1, 'pending'], ['b', 4, 'pending'], ['c', 7, 'pending']]);
    assert.deepEqual(state.responses, [2, 5, 8]);
    assert.equal(state.calls.total, 4);
    assert.equal(state.startedAt, 1000);
  });

  it('marks the row being scored, then fills it in, raising the top of the heat scale', () => {
    let state = replay([start, { type: 'row-started', key: 'b', index: 1 }]);
    assert.equal(state.memories[1]!.status, 'scoring');
    state = replay([{ type: 'row-done', key: 'b', index: 1, divergences: [0, 4, 1], max: 4, first: 0 }], state);
    assert.equal(state.memories[1]!.status, 'done');
    assert.equal(state.memories[1]!.max, 4);
    assert.equal(cellValue(state.memories[1]!, 1), 4);
    assert.equal(state.maxDivergence, 4);
    state = replay([{ type: 'row-done', key: 'a', index: 0, divergences: [2, 0, 0], max: 2, first: 0 }], state);
    assert.equal(state.maxDivergence, 4, 'the top only rises');
  });

  it('keeps a failed row’s reason and counts it', () => {
    const state = replay([start, { type: 'row-failed', key: 'c', index: 2, reason: 'HTTP 500' }]);
    assert.equal(state.memories[2]!.status, 'failed');
    assert.equal(state.memories[2]!.reason, 'HTTP 500');
    assert.equal(state.failedRows, 1);
  });

  it('counts calls started, done and failed; the rate runs from the start', () => {
    const state = replay([
      start,
      { type: 'call-started', call: 0, label: 'baseline' },
      { type: 'call-done', call: 0, ok: true },
      { type: 'call-started', call: 1, label: 'a' },
      { type: 'call-done', call: 1, ok: false },
    ]);
    assert.deepEqual(state.calls, { total: 4, started: 2, done: 2, failed: 1 });
    assert.equal(state.firstDoneAt, 3000);
    // Started at 1 s; 2 calls done by 5 s → 0.5 calls/s, 2 left → 4 s to go.
    assert.equal(callRate(state, 5000), 0.5);
    assert.equal(etaMs(state, 5000), 4000);
  });

  it('places windowed rows at their first column and keeps their own baseline', () => {
    const state = replay([
      { ...start, mode: 'incremental', responses: [2, 5, 8, 11] },
      { type: 'row-done', key: 'b', index: 1, divergences: [3, 0], max: 3, first: 1, baseline: [-7, -9] },
      { type: 'baseline-done', scores: [-1, -2, -3, -4] },
    ]);
    const row = state.memories[1]!;
    assert.equal(cellValue(row, 0), undefined);
    assert.equal(cellValue(row, 1), 3);
    assert.equal(cellValue(row, 2), 0);
    assert.equal(cellValue(row, 3), undefined);
    assert.equal(baselineAt(state, row, 1), -7);
    assert.equal(baselineAt(state, state.memories[0], 1), -2, 'rows without their own use the run’s');
  });

  it('adds memories named only as skipped, and weights from memory-scored', () => {
    const state = replay([
      { ...start, mode: 'incremental' },
      { type: 'memory-skipped', key: 'zz', reason: 'fresh' },
      { type: 'memory-skipped', key: 'a', reason: 'late' },
      { type: 'row-done', key: 'b', index: 1, divergences: [1], max: 1, first: 0 },
      { type: 'memory-scored', key: 'b', score: 1, weight: 0.7 },
    ]);
    assert.deepEqual(state.memories.map((m) => [m.key, m.status, m.reason]), [
      ['a', 'skipped', 'late'],
      ['b', 'done', null],
      ['c', 'pending', null],
      ['zz', 'skipped', 'fresh'],
    ]);
    assert.equal(state.rowOf.get('zz'), 3);
    assert.equal(state.memories[1]!.weight, 0.7);
    assert.equal(state.skipped, 2);
    assert.equal(state.scored, 1);
  });

  it('ends with the result, a failure or an interruption', () => {
    const result = { mode: 'single' as const, key: 'a', score: 1, calls: 2 };
    const done = replay([start, { type: 'activity', text: 'scoring: 1/3 a' }, { type: 'run-done', result }]);
    assert.equal(done.phase, 'done');
    assert.equal(done.result, result);
    assert.equal(done.activity, '');
    assert.equal(done.endedAt, 3000);
    assert.equal(etaMs(done, 9000), undefined);
    assert.equal(replay([start, { type: 'run-failed', reason: 'baseline failed' }]).failure, 'baseline failed');
    assert.equal(replay([start, { type: 'run-interrupted' }]).phase, 'interrupted');
  });

  it('settles rows left over when a run ends: skipped without responses, cancelled after a stop or a failure', () => {
    const result = { mode: 'full' as const, model: null, memories: [], responses: [], matrix: [], calls: 0 };
    const empty = replay([{ ...start, responses: [], totalCalls: 0 }, { type: 'run-done', result }]);
    assert.deepEqual(empty.memories.map((m) => m.status), ['skipped', 'skipped', 'skipped']);
    assert.match(empty.memories[0]!.reason!, /no assistant response/);
    const stopped = replay([start, { type: 'row-started', key: 'a', index: 0 }, { type: 'row-done', key: 'b', index: 1, divergences: [0, 0, 0], max: 0, first: 0 }, { type: 'run-interrupted' }]);
    assert.deepEqual(stopped.memories.map((m) => m.status), ['cancelled', 'done', 'cancelled']);
    assert.equal(stopped.memories[0]!.reason, 'the run was interrupted before it was scored');
    const failed = replay([start, { type: 'run-failed', reason: 'connection refused' }]);
    assert.deepEqual(failed.memories.map((m) => [m.status, m.reason]), Array.from({ length: 3 }, () => ['cancelled', 'the run failed before it was scored']));
  });

  it('ignores events about rows it does not know', () => {
    const before = replay([start]);
    const after = reduceRun(before, { type: 'row-started', key: 'nope', index: 9 }, 5);
    assert.equal(after, before);
  });
});

describe('rankAt', () => {
  it('ranks a memory among the rows with a value for the response; ties share a rank', () => {
    const state = replay([
      start,
      { type: 'row-done', key: 'a', index: 0, divergences: [5, 0, 0], max: 5, first: 0 },
      { type: 'row-done', key: 'b', index: 1, divergences: [9, 0, 1], max: 9, first: 0 },
      { type: 'row-done', key: 'c', index: 2, divergences: [5, 0, 0], max: 5, first: 0 },
    ]);
    assert.deepEqual(rankAt(state, 1, 0), { rank: 1, of: 3, tied: 0 });
    assert.deepEqual(rankAt(state, 0, 0), { rank: 2, of: 3, tied: 1 });
    assert.deepEqual(rankAt(state, 2, 2), { rank: 2, of: 3, tied: 1 });
    const partial = replay([start, { type: 'row-done', key: 'a', index: 0, divergences: [5, 0, 0], max: 5, first: 0 }]);
    assert.deepEqual(rankAt(partial, 0, 0), { rank: 1, of: 1, tied: 0 }, 'only scored rows count');
    assert.equal(rankAt(partial, 1, 0), undefined);
  });
});
