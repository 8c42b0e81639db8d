// --noise N on a server that batches: the repeats of the baseline must land in other batches than
// each other, so each is sent when it is due, ahead of the calls already queued. Queued behind
// them, every repeat went out last, together: a server computes one batch once, so the repeats
// agreed with each other and N repeats measured no more noise than one (found in a trial with a
// batch-keyed server: at N=2 as many noise cells passed the floor as at N=1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadContext } from '../../src/context/load-context.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import type { FullResult } from '../../src/engine/events.ts';
import { createScorer } from '../../src/run/scoring-run.ts';
import { fixture, startProcess, testScript } from '../support/helpers.ts';

test('--noise 2: the repeats are sent when due, between the ablations, not last and together', async () => {
  const server = await startProcess([testScript('servers/vllm-wire.ts'), '--port', '0']);
  const { context } = await loadContext(fixture('small.json'));
  // One call at a time: the order the server sees is the order the engine sends.
  const scorer = createScorer({ urls: [server.url], latencyMs: 0, backend: 'completions', logprobsField: 'prompt_logprobs', apiKey: undefined, timeoutMs: 20_000, concurrency: 1, retries: 0, retryDelayMs: 0 }, null);
  const engine = new ScoringEngine(context, { scorer, model: null, concurrency: 1, noise: 2 });
  try {
    const result = (await engine.run({ mode: 'full' })) as FullResult;
    const prompts = (await (await fetch(`${server.url.replace(/\/v1$/, '')}/_test/prompts`)).json()) as number[][];
    assert.equal(prompts.length, result.calls);
    assert.equal(result.calls, result.memories.length + 3);
    const baseline = JSON.stringify(prompts[0]);
    const at = prompts.flatMap((p, i) => (JSON.stringify(p) === baseline ? [i] : []));
    assert.equal(at.length, 3, `the baseline and its 2 repeats: ${at.join(' ')}`);
    // 8 ablations after the baseline: the repeats are due after a third and two thirds of them.
    assert.deepEqual(at, [0, 3, 5]);
  } finally {
    await scorer.close();
    await server.stop();
  }
});
