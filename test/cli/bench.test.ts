// The benchmark's pieces on tiny inputs, so that `npm run bench` cannot rot. No timing is
// asserted: only that every piece runs and its figures are what they claim to be.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, runNode, testScript } from '../support/helpers.ts';
import { fullMatrixCost } from '../../src/engine/call-schedule.ts';
import type { FullResult } from '../../src/engine/events.ts';
import { engineOnSims, estimateOnSim, idealMs, otherModeTokens, proxyOverhead, referenceSequential, startSim } from '../bench/gpu-bench.ts';
import { builtinFull, cliScaleRun, estimateRun, fitTimes, median, memoryPositions, load, scaleRun, spearman, topRecall } from '../bench/measure.ts';

test('the bench statistics: median, Spearman with ties, top-k recall', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // Ties share their rank: [0, 0, 1] against [1, 2, 3] is Pearson of [1.5, 1.5, 3] and [1, 2, 3].
  assert.ok(Math.abs(spearman([0, 0, 1], [1, 2, 3]) - Math.sqrt(3) / 2) < 1e-12);
  assert.equal(topRecall([5, 4, 3, 2, 1], [1, 2, 3, 4, 5], 2), 0);
  assert.equal(topRecall([5, 4, 3, 2, 1], [9, 8, 0, 0, 0], 2), 1);
});

test('the bench pieces run on the small fixture and the tiny scale context', async () => {
  const context = await load(fixture('small.json'));
  const positions = memoryPositions(context);
  assert.equal(positions.length, 8);
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));

  const [plain, reused] = [await builtinFull(fixture('small.json'), false), await builtinFull(fixture('small.json'), true)];
  assert.deepEqual(reused.result.matrix, plain.result.matrix);
  // Without reuse each ablation is computed whole (N·L less the memories removed); with it, only
  // what follows each memory (the ideal less the memories removed).
  assert.ok(plain.ablationTokensComputed > plain.ideal && plain.ablationTokensComputed < plain.naive);
  assert.ok(reused.ablationTokensComputed <= reused.ideal && reused.ideal < reused.naive);
  assert.ok(reused.ablationTokensComputed < plain.ablationTokensComputed);

  const exact = reused.result.memories.map((m) => m.max);
  const estimate = await estimateRun(fixture('small.json'), 6, 1, exact);
  assert.equal(estimate.calls, 7);
  assert.ok(estimate.spearman >= -1 && estimate.spearman <= 1);
  assert.ok(estimate.recall >= 0 && estimate.recall <= 1);

  const fit = await fitTimes(fixture('small.json'), 6, 2);
  assert.deepEqual([fit.memories, fit.responses, fit.ms.length], [8, 12, 2]);

  for (const kind of ['estimate', 'engine-full'] as const) {
    const report = await scaleRun(kind, 'tiny', 4);
    assert.deepEqual([report.memories, report.responses], [10, 30]);
    assert.equal(report.calls, kind === 'estimate' ? 5 : 11);
    assert.ok(report.tokens > 3000 && report.rssPeak >= report.rssLoaded && report.rssLoaded > 0);
  }
  const cli = await cliScaleRun('tiny', 2);
  assert.equal(cli.calls, 11);
  assert.ok(cli.rssPeak > 20 * 2 ** 20, `a whole process's peak RSS: ${cli.rssPeak}`);
});

test('npm run bench -- --tiny prints the whole table', async () => {
  const output = await runNode([testScript('bench/run.ts'), '--tiny']);
  assert.equal(output.code, 0, output.stderr);
  const rows = output.stdout.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| measure') && !line.startsWith('| ---'));
  for (const n of ['1.', '2.', '3.', '4.', '5.', '6.', '7.']) assert.ok(rows.some((r) => r.startsWith(`| ${n}`)), `row ${n} in\n${output.stdout}`);
  for (const r of rows) assert.doesNotMatch(r, /NaN|undefined|Infinity/, r);
});

test('the start-up bench -- --tiny prints its rows', async () => {
  const output = await runNode([testScript('bench/startup.ts'), '--tiny']);
  assert.equal(output.code, 0, output.stderr);
  const rows = output.stdout.split('\n').filter((line) => /^\| (0\.|↳)/.test(line));
  assert.equal(rows.length, 4, output.stdout);
  for (const r of rows) assert.doesNotMatch(r, /NaN|undefined|Infinity/, r);
});

test('the GPU-cost pieces on the small fixture: tokens as the cost model says', async () => {
  const context = await load(fixture('small.json'));
  const cost = fullMatrixCost(context);
  const sglang = await startSim('sglang');
  const vllm = await startSim('vllm');
  const vllmScore = await startSim('vllm', '--score-cache', 'none');
  try {
    const exact = await engineOnSims(context, [sglang], { wire: 'sglang', concurrency: 8 });
    assert.ok(exact.tokensComputed <= cost.ideal * 1.05 && exact.tokensComputed > cost.ideal * 0.95, `${exact.tokensComputed} vs C* ${cost.ideal}`);
    const onVllm = await engineOnSims(context, [vllm], { wire: 'completions', concurrency: 8 });
    assert.deepEqual((onVllm.result as FullResult).matrix, (exact.result as FullResult).matrix, 'the same matrix on either wire');
    assert.equal(onVllm.tokensReused, 0, 'vLLM reads no cache for prompt logprobs');
    const reference = await referenceSequential(context, vllmScore);
    assert.equal(reference.stats.tokens_computed, onVllm.tokensComputed, 'both compute every prompt whole');
    assert.ok(reference.stats.busy_ms > idealMs(reference.stats, cost.ideal));
    const exactMax = (exact.result as FullResult).memories.map((m) => m.max);
    const estimate = await estimateOnSim(context, sglang, 4, 1, exactMax, 'sglang');
    assert.ok(estimate.tokens > 0 && estimate.tokens < exact.tokensComputed);
    const modes = await otherModeTokens(context, sglang, 'sglang');
    assert.deepEqual(modes.map((m) => m.calls), [2, 12, 2]);
    const overhead = await proxyOverhead(4, 1, 20);
    assert.equal(overhead.calls, 5);
    assert.ok(overhead.rounds[0]!.total >= overhead.rounds[0]!.done && overhead.rounds[0]!.bare >= 20, 'no call is faster than the delay the proxy adds');
  } finally {
    await Promise.all([sglang, vllm, vllmScore].map((s) => s.stop()));
  }
});
