// --noise N in a run, against the jittery fakes (real processes on 127.0.0.1): the baseline is
// scored again, the repeat reaches the server (past the SGLang client's store of known prefixes),
// every response gets a floor, and no score within the noise is written into memory_scores;
// without --noise, and on a deterministic server, nothing changes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chatToContext, type ChatContext } from '../../src/context/chat-format.ts';
import { loadContext } from '../../src/context/load-context.ts';
import { sparseContext } from '../support/sparse-context.ts';
import { isAssistant } from '../../src/context/context.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import type { EngineEvent, FullResult, RunResult } from '../../src/engine/events.ts';
import { NOISE_FACTOR } from '../../src/engine/noise-floor.ts';
import { resultText } from '../../src/export/headless.ts';
import { createScorer } from '../../src/run/scoring-run.ts';
import { join } from 'node:path';
import type { ModeOptions } from '../../src/engine/mode-table.ts';
import { WeightStore } from '../../src/engine/weight-store.ts';
import { fixture, startProcess, tempDir, testScript } from '../support/helpers.ts';

type Mode = 'full' | 'single' | 'finetune' | 'incremental' | { search: number };

async function modeOptions(mode: Mode, key: string, dir: string): Promise<ModeOptions> {
  if (typeof mode === 'object') return { mode: 'search', threshold: mode.search };
  switch (mode) {
    case 'full':
      return { mode: 'full' };
    case 'single':
      return { mode: 'single', key };
    case 'finetune':
      return { mode: 'finetune', count: 100 };
    case 'incremental':
      return { mode: 'incremental', store: await WeightStore.open(join(dir, 'weights.json')), maxAgeSeconds: 0, window: 50, alpha: 0.3 };
  }
}

async function run(script: string, backend: 'completions' | 'sglang', serverArgs: string[], noise: number, mode: Mode = 'full', chat?: ChatContext, concurrency = 2) {
  const server = await startProcess([testScript(script), '--port', '0', ...serverArgs]);
  const dir = await tempDir();
  const context = chat === undefined ? (await loadContext(fixture('small.json'))).context : chatToContext(chat);
  const scorer = createScorer({ urls: [server.url], latencyMs: 0, backend, logprobsField: 'prompt_logprobs', apiKey: undefined, timeoutMs: 20_000, concurrency, retries: 0, retryDelayMs: 0 }, null);
  const engine = new ScoringEngine(context, { scorer, model: null, concurrency, noise });
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  try {
    const key = context.sections.conversation.find((n) => n.kind === 'memory')!;
    const result: RunResult = await engine.run(await modeOptions(mode, (key as { key: string }).key, dir.path));
    const stats = (await (await fetch(`${server.url.replace(/\/v1$/, '')}/_test/stats`)).json()) as { calls: number };
    return { result, events, context, serverCalls: stats.calls };
  } finally {
    await scorer.close();
    await server.stop();
    await dir.remove();
  }
}

describe('--noise in a run', () => {
  for (const [script, backend] of [
    ['servers/vllm-wire.ts', 'completions'],
    ['servers/sglang-wire.ts', 'sglang'],
  ] as const) {
    test(`${backend}: one repeat of the baseline reaches the server; cells within the floor are not written`, async () => {
      const { result, events, context, serverCalls } = await run(script, backend, ['--jitter', '3', '--jitter-amplitude', '0.06'], 1);
      const full = result as FullResult;
      assert.equal(full.calls, full.memories.length + 2);
      assert.equal(serverCalls, full.memories.length + 2);
      const floors = full.responses.map((r) => r.noise!);
      assert.ok(floors.every((f) => f > 0), `floors ${floors.join(' ')}`);
      const noiseEvent = events.find((e) => e.type === 'noise-floor');
      assert.deepEqual(noiseEvent, { type: 'noise-floor', repeats: 1, factor: NOISE_FACTOR, floors });
      // The event comes before run-done.
      assert.ok(events.findIndex((e) => e.type === 'noise-floor') < events.findIndex((e) => e.type === 'run-done'));
      let noisy = 0;
      full.responses.forEach(({ entry }, j) => {
        const node = context.sections.conversation[entry]!;
        assert.ok(isAssistant(node));
        full.memories.forEach(({ key }, i) => {
          const cell = full.matrix[i]![j]!;
          const written = node.memoryScores.get(key);
          if (cell > 0.01 && cell <= NOISE_FACTOR * floors[j]!) {
            noisy++;
            assert.equal(written, undefined, `${key} on ${entry}: ${cell} is within ${NOISE_FACTOR} × ${floors[j]}`);
          } else if (cell > 0.01) assert.equal(written, cell);
        });
      });
      // The jitter is large enough here that some cells are noise, and the test sees them (at the
      // default ±0.03 that held for some seeds and call orders only; at ±0.06 for seeds 1-6).
      assert.ok(noisy > 0);
      // Each memory's max is its largest cell above the noise, not a noise cell.
      full.memories.forEach((m, i) => {
        const above = full.matrix[i]!.filter((cell, j) => !(floors[j]! > 0 && cell <= NOISE_FACTOR * floors[j]!));
        assert.equal(m.max, Math.max(0, ...above), m.key);
      });
    });
  }

  test('single mode: the score carries the summed floor of its window', async () => {
    const { result } = await run('servers/vllm-wire.ts', 'completions', ['--jitter', '3'], 2, 'single');
    assert.equal(result.mode, 'single');
    if (result.mode !== 'single') return;
    assert.ok(result.noise! > 0);
    assert.equal(result.calls, 4);
  });

  /** The noise-floor event's floor of each response entry. */
  const floorsOf = (events: EngineEvent[]) => {
    const started = events.find((e) => e.type === 'run-started')!;
    const noise = events.find((e) => e.type === 'noise-floor')!;
    if (started.type !== 'run-started' || noise.type !== 'noise-floor') throw new Error('events');
    return { responses: started.responses, floors: noise.floors, of: (entry: number) => noise.floors[started.responses.indexOf(entry)]! };
  };

  test('fine-tune: each candidate carries its response\'s floor', async () => {
    const { result, events } = await run('servers/vllm-wire.ts', 'completions', ['--jitter', '3'], 1, 'finetune');
    assert.equal(result.mode, 'finetune');
    if (result.mode !== 'finetune') return;
    const { of } = floorsOf(events);
    assert.ok(result.candidates.length > 0);
    for (const candidate of result.candidates) {
      assert.ok(candidate.noise! > 0);
      assert.equal(candidate.noise, of(candidate.entry));
    }
    assert.equal(result.calls, 3);
  });

  test('incremental: each score carries the largest floor of its window (its score is the largest divergence there)', async () => {
    // Memories that move their responses by less than the jitter, and some that restate them.
    const { chat } = sparseContext(32, 8, 7);
    // One call at a time: the fake's jitter is keyed by arrival, so the cells are the same every run.
    const { result, events } = await run('servers/vllm-wire.ts', 'completions', ['--jitter', '5'], 1, 'incremental', chat, 1);
    assert.equal(result.mode, 'incremental');
    if (result.mode !== 'incremental') return;
    const { floors } = floorsOf(events);
    assert.ok(result.scored.length > 0);
    for (const scored of result.scored) {
      const row = events.find((e) => e.type === 'row-done' && e.key === scored.key);
      if (row?.type !== 'row-done') throw new Error(`no row for ${scored.key}`);
      // The window's responses: the columns from the row's first, as many as it has divergences.
      const window = floors.slice(row.first, row.first + row.divergences.length);
      assert.equal(scored.noise, Math.max(...window));
      assert.ok(scored.noise > 0);
      // The score, and so the weight (a fresh store: the first score), is the largest divergence above the noise.
      const above = row.divergences.filter((d, k) => !(window[k]! > 0 && d <= NOISE_FACTOR * window[k]!));
      assert.equal(scored.score, Math.max(0, ...above), scored.key);
      assert.equal(scored.weight, scored.score);
    }
    // Some memory's largest divergence was noise: its score (and weight) is not that noise.
    assert.ok(result.scored.some((scored) => {
      const row = events.find((e) => e.type === 'row-done' && e.key === scored.key);
      return row?.type === 'row-done' && Math.max(...row.divergences) > scored.score;
    }));
  });

  test('--search: the threshold is raised to the noise limit; the search splits on nothing within it', async () => {
    // 32 memories, every 8th restated by a response (tens of nats), the rest moving responses by
    // far less than 1; T far below the jitter: without a floor every group that moves a response by T/2 splits.
    const { chat, matters } = sparseContext(32, 8, 7);
    const quiet = await run('servers/vllm-wire.ts', 'completions', ['--jitter', '5'], 0, { search: 0.05 }, chat);
    const noisy = await run('servers/vllm-wire.ts', 'completions', ['--jitter', '5'], 1, { search: 0.05 }, chat);
    const plain = quiet.result as FullResult;
    const raised = noisy.result as FullResult;
    const floors = raised.responses.map((r) => r.noise!);
    assert.equal(plain.search!.raised, undefined);
    assert.equal(raised.search!.raised, NOISE_FACTOR * Math.max(...floors));
    assert.ok(raised.search!.raised > 0.05);
    // Every split came from a movement above the raised threshold × the split fraction at some response.
    for (const event of noisy.events) {
      if (event.type !== 'group-done' || event.outcome !== 'split') continue;
      assert.ok(event.max >= 0.5 * Math.max(0.05, NOISE_FACTOR * Math.min(...floors)), `a split on ${event.max}`);
    }
    assert.ok(raised.search!.calls < plain.search!.calls, `search calls: ${raised.search!.calls} with the floor, ${plain.search!.calls} without`);
    assert.match(resultText(raised), new RegExp(`group search T=0\\.05, raised by the noise floor to ${raised.search!.raised.toFixed(3).replace('.', '\\.')} at the noisiest response`));
    // The memories a response restates are still found, exactly.
    for (const i of matters) assert.equal(raised.memories[i]!.exact, true, `memory ${i} matters`);
  });

  test('without --noise, or on a deterministic server, the result is as before', async () => {
    const plain = await run('servers/vllm-wire.ts', 'completions', [], 0);
    assert.equal((plain.result as FullResult).responses.some((r) => 'noise' in r), false);
    assert.equal(plain.events.some((e) => e.type === 'noise-floor'), false);
    const steady = await run('servers/vllm-wire.ts', 'completions', [], 1);
    const full = steady.result as FullResult;
    assert.ok(full.responses.every((r) => r.noise === 0));
    assert.deepEqual(full.matrix, (plain.result as FullResult).matrix);
    // Every score written as without --noise.
    const scores = (ctx: typeof plain.context) => ctx.sections.conversation.map((n) => (isAssistant(n) ? [...n.memoryScores] : []));
    assert.deepEqual(scores(steady.context), scores(plain.context));
  });
});
