// The live store: batched notifications for React, fed by a real engine run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadContext } from '../../src/context/load-context.ts';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import type { FullResult } from '../../src/engine/events.ts';
import { RunStore } from '../../src/tui/run-store.ts';
import { fixture } from '../support/helpers.ts';

const SMALL = fixture('small.json');

function nextNotification(store: RunStore): Promise<void> {
  return new Promise((resolve) => {
    const off = store.subscribe(() => {
      off();
      resolve();
    });
  });
}

describe('RunStore', () => {
  it('applies a burst of events at once but tells subscribers once', async () => {
    const store = new RunStore({ batchMs: 5 });
    let notified = 0;
    store.subscribe(() => notified++);
    const before = store.getSnapshot();
    const notification = nextNotification(store);
    store.dispatch({ type: 'run-started', mode: 'full', model: null, backend: 'b', memories: [{ key: 'k', entry: 0 }], responses: [1], totalCalls: 1000 });
    for (let i = 0; i < 1000; i++) {
      store.dispatch({ type: 'call-started', call: i, label: 'k' });
      store.dispatch({ type: 'call-done', call: i, ok: true });
    }
    assert.equal(store.getSnapshot(), before, 'React sees nothing until the batch is published');
    await notification;
    assert.equal(notified, 1);
    assert.equal(store.getSnapshot().calls.done, 1000);
    assert.equal(store.events, 2001);
    store.close();
  });

  it('flush publishes at once, and only when something changed', () => {
    const store = new RunStore();
    let notified = 0;
    store.subscribe(() => notified++);
    store.flush();
    assert.equal(notified, 0);
    store.dispatch({ type: 'activity', text: 'x' });
    store.flush();
    assert.equal(notified, 1);
    assert.equal(store.getSnapshot().activity, 'x');
    store.close();
  });

  it('follows a real run of the small fixture to the same numbers as the engine’s result', async () => {
    const { context } = await loadContext(SMALL);
    const engine = new ScoringEngine(context, { scorer: new BuiltinScorer(), model: 'memscope-builtin', concurrency: 2 });
    const store = new RunStore();
    store.attach(engine);
    const result = (await engine.run({ mode: 'full' })) as FullResult;
    store.flush();
    const state = store.getSnapshot();
    assert.equal(state.phase, 'done');
    assert.equal(state.calls.done, result.calls);
    assert.equal(state.calls.total, result.calls);
    assert.deepEqual(
      state.memories.map((m) => [m.key, m.status, m.max]),
      result.memories.map((m) => [m.key, 'done', m.max]),
    );
    assert.deepEqual(state.memories.map((m) => m.divergences), result.matrix);
    assert.deepEqual(state.baseline, result.responses.map((r) => r.baseline));
    assert.equal(state.maxDivergence, Math.max(...result.memories.map((m) => m.max)));
    store.close();
  });
});
