// What the engine tells the screen beyond the headless output: where a windowed row's
// divergences start among the run's responses, and the baselines behind them.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { isAssistant } from '../../src/context/context.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import type { EngineEvent } from '../../src/engine/events.ts';
import { loadContext } from '../../src/context/load-context.ts';
import { WeightStore } from '../../src/engine/weight-store.ts';
import { fixture } from '../support/helpers.ts';

const SMALL = fixture('small.json');

async function record(run: (engine: ScoringEngine) => Promise<unknown>) {
  const { context } = await loadContext(SMALL);
  const engine = new ScoringEngine(context, { scorer: new BuiltinScorer(), model: 'memscope-builtin', concurrency: 2 });
  const events: EngineEvent[] = [];
  engine.subscribe((event) => events.push(event));
  await run(engine);
  return { events, entries: context.sections.conversation };
}

describe('engine events for the screen', () => {
  it('incremental: each row starts at the first response after its memory, with its own baseline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memscope-engine-'));
    try {
      const store = await WeightStore.open(join(dir, 'weights.json'));
      const { events, entries } = await record((engine) => engine.run({ mode: 'incremental', store, maxAgeSeconds: 3600, window: 3, alpha: 0.3, now: 1_000_000 }));
      const started = events.find((e) => e.type === 'run-started')!;
      assert.equal(started.type, 'run-started');
      const rows = events.filter((e) => e.type === 'row-done');
      assert.ok(rows.length > 0, 'some memories are scored');
      for (const row of rows) {
        const memory = started.memories.find((m) => m.key === row.key)!;
        const firstAfter = entries.findIndex((node, i) => i > memory.entry && isAssistant(node));
        assert.equal(started.responses[row.first], firstAfter, row.key);
        assert.ok(row.divergences.length <= 3, 'no more than the window');
        assert.equal(row.baseline?.length, row.divergences.length);
        for (const logprob of row.baseline) assert.ok(logprob <= 0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('full and single: rows start at the first response; the baseline comes once for all rows', async () => {
    const full = await record((engine) => engine.run({ mode: 'full' }));
    const started = full.events.find((e) => e.type === 'run-started')!;
    assert.equal(started.type, 'run-started');
    const baseline = full.events.filter((e) => e.type === 'baseline-done');
    assert.equal(baseline.length, 1);
    assert.equal(baseline[0]!.type === 'baseline-done' && baseline[0]!.scores.length, started.responses.length);
    for (const row of full.events.filter((e) => e.type === 'row-done')) {
      assert.equal(row.first, 0);
      assert.equal(row.divergences.length, started.responses.length);
      assert.equal(row.baseline, undefined);
    }
    const single = await record((engine) => engine.run({ mode: 'single', key: 'incident-101' }));
    const singleStart = single.events.find((e) => e.type === 'run-started')!;
    const singleBaseline = single.events.find((e) => e.type === 'baseline-done');
    assert.ok(singleStart.type === 'run-started' && singleBaseline?.type === 'baseline-done');
    assert.equal(singleBaseline.scores.length, singleStart.responses.length);
  });
});
