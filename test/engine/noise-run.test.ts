// --noise N in a run, against the jittery fakes (real processes on 127.0.0.1): the baseline is
// scored again, the repeat reaches the server (past the SGLang client's store of known prefixes),
// every response gets a floor, and no score within the noise is written into memory_scores;
// without --noise, and on a deterministic server, nothing changes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadContext } from '../../src/context/load-context.ts';
import { isAssistant } from '../../src/context/context.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import type { EngineEvent, FullResult, RunResult } from '../../src/engine/events.ts';
import { NOISE_FACTOR } from '../../src/engine/noise-floor.ts';
import { createScorer } from '../../src/run/scoring-run.ts';
import { fixture, startProcess, testScript } from '../support/helpers.ts';

async function run(script: string, backend: 'completions' | 'sglang', serverArgs: string[], noise: number, mode: 'full' | 'single' = 'full') {
  const server = await startProcess([testScript(script), '--port', '0', ...serverArgs]);
  const { context } = await loadContext(fixture('small.json'));
  const scorer = createScorer({ urls: [server.url], latencyMs: 0, backend, logprobsField: 'prompt_logprobs', apiKey: undefined, timeoutMs: 20_000, concurrency: 2, retries: 0, retryDelayMs: 0 }, null);
  const engine = new ScoringEngine(context, { scorer, model: null, concurrency: 2, noise });
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  try {
    const key = context.sections.conversation.find((n) => n.kind === 'memory')!;
    const result: RunResult = await engine.run(mode === 'full' ? { mode: 'full' } : { mode: 'single', key: (key as { key: string }).key });
    const stats = (await (await fetch(`${server.url.replace(/\/v1$/, '')}/_test/stats`)).json()) as { calls: number };
    return { result, events, context, serverCalls: stats.calls };
  } finally {
    await scorer.close();
    await server.stop();
  }
}

describe('--noise in a run', () => {
  for (const [script, backend] of [
    ['servers/vllm-wire.ts', 'completions'],
    ['servers/sglang-wire.ts', 'sglang'],
  ] as const) {
    test(`${backend}: one repeat of the baseline reaches the server; cells within the floor are not written`, async () => {
      const { result, events, context, serverCalls } = await run(script, backend, ['--jitter', '3'], 1);
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
      // The jitter is large enough here that some cells are noise, and the test sees them.
      assert.ok(noisy > 0);
      // Each memory's max is its largest cell above the noise, not a noise cell.
      full.memories.forEach((m, i) => {
        const above = full.matrix[i]!.filter((cell, j) => !(cell > 0.01 && cell <= NOISE_FACTOR * floors[j]!));
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
