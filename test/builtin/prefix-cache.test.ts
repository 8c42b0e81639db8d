// The built-in model's count tables and prefix reuse: bit-identical to the plain model scoring
// every prompt from scratch, whatever order prompts come in, and the work counted honestly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelState, assistantSpans, scoreResponses, tokenLogprobs } from '../../src/builtin/builtin-model.ts';
import { spanMask, spanTotals } from '../../src/scoring/scorer.ts';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import { memoryRefs } from '../../src/engine/conversation.ts';
import type { FullResult } from '../../src/engine/events.ts';
import { loadContext } from '../../src/context/load-context.ts';
import { commonPrefix } from '../../src/core/common-prefix.ts';
import { PrefixCache } from '../../src/builtin/prefix-cache.ts';
import { NO_FILTER, buildPrompt, fullRange } from '../../src/scoring/prompt.ts';
import { builtinTemplate } from '../../src/context/template.ts';
import { BUILTIN_VOCAB_SIZE } from '../../src/context/tokenizer.ts';
import { fixture } from '../support/helpers.ts';
import { referenceLogprobs } from '../support/reference-model.ts';

const V = BUILTIN_VOCAB_SIZE;

function sameBits(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: token ${i}: ${actual[i]} !== ${expected[i]}`);
  }
}

/** A seeded stream of small token ids: with a tiny vocabulary every n-gram level is exercised. */
function randomTokens(seed: number, length: number, vocab: number): Uint32Array {
  let x = seed >>> 0 || 1;
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) % vocab;
  }
  return out;
}

async function fullMatrixPrompts(name: string): Promise<{ baseline: Uint32Array; ablations: Uint32Array[] }> {
  const { context } = await loadContext(fixture(name));
  const range = fullRange(context);
  return {
    baseline: buildPrompt(context, range, NO_FILTER),
    ablations: memoryRefs(context.sections.conversation).map(({ key }) => buildPrompt(context, range, { kind: 'skip-key', key })),
  };
}

test('the count-table model gives exactly the plain model\'s logprobs', async () => {
  const { baseline } = await fullMatrixPrompts('medium.json');
  sameBits(await tokenLogprobs(baseline, { vocab: V }), referenceLogprobs(baseline, V), 'medium baseline');
  for (const vocab of [2, 7, 64]) {
    const tokens = randomTokens(vocab, 5000, vocab);
    sameBits(await tokenLogprobs(tokens, { vocab }), referenceLogprobs(tokens, vocab), `random, V=${vocab}`);
  }
});

test('a state that rewinds and replays holds the same counts as one built straight', () => {
  const tokens = randomTokens(11, 3000, 16);
  const straight = new ModelState(16);
  straight.replay(tokens, 0, 1000);
  const moved = new ModelState(16);
  moved.replay(tokens, 0, 3000);
  moved.rewind(tokens, 1000, 3000);
  const a = new Float64Array(3000);
  const b = new Float64Array(3000);
  straight.forward(tokens, 1000, 3000, a);
  moved.forward(tokens, 1000, 3000, b);
  sameBits(b, a, 'after rewind');
});

test('prefix reuse is bit-identical to scoring from scratch, in any order of prompts', async () => {
  const { baseline, ablations } = await fullMatrixPrompts('medium.json');
  const orders: [string, Uint32Array[]][] = [
    ['memory order', [baseline, ...ablations]],
    ['reversed', [...ablations].reverse().concat([baseline])],
    ['interleaved with an unrelated prompt', ablations.flatMap((p, i) => (i % 5 === 0 ? [randomTokens(i + 1, 700, 200), p] : [p]))],
    ['repeated and truncated', [baseline, baseline, baseline.subarray(0, 1234), ablations[3]!.subarray(0, 4000), ablations[3]!, baseline.subarray(0, 1)]],
  ];
  for (const [what, prompts] of orders) {
    const cache = new PrefixCache(V, { yieldEvery: 1500 });
    for (const [i, prompt] of prompts.entries()) {
      const scratch = await tokenLogprobs(prompt, { vocab: V });
      sameBits(await cache.logprobs(prompt, async () => {}), scratch, `${what}, prompt ${i}`);
    }
  }
});

test('scoring only the responses\' tokens gives the same response totals, with or without reuse', async () => {
  const header = builtinTemplate.open('assistant');
  const { baseline, ablations } = await fullMatrixPrompts('medium.json');
  const cache = new PrefixCache(V);
  for (const prompt of [baseline, ...ablations.slice(0, 12), baseline.subarray(0, 3000), ablations[5]!]) {
    const spans = assistantSpans(prompt, header);
    const full = await tokenLogprobs(prompt, { vocab: V });
    const reused = await cache.logprobs(prompt, undefined, spanMask(prompt.length, spans));
    for (const { start, end } of spans) sameBits(reused.subarray(start, end), full.subarray(start, end), `span ${start}..${end}`);
    assert.deepEqual(spanTotals(reused, spans), spanTotals(full, spans));
    assert.deepEqual(await scoreResponses(prompt, { vocab: V, assistantHeader: header }), spanTotals(full, spans));
  }
});

test('a full matrix computes only the tokens after each memory', async () => {
  const { baseline, ablations } = await fullMatrixPrompts('large.json');
  const cache = new PrefixCache(V);
  await cache.logprobs(baseline);
  let expected = baseline.length;
  let received = baseline.length;
  for (const prompt of ablations) {
    await cache.logprobs(prompt);
    expected += prompt.length - commonPrefix(prompt, baseline);
    received += prompt.length;
  }
  const stats = cache.stats();
  assert.equal(stats.calls, ablations.length + 1);
  assert.equal(stats.tokensReceived, received);
  assert.equal(stats.tokensComputed, expected, 'each ablation resumes at its memory');
  assert.ok(stats.tokensComputed < 0.7 * received, `${stats.tokensComputed} of ${received}`);
  // The state that stays on the baseline only moves forward: one pass over it.
  assert.ok(stats.tokensReplayed <= baseline.length, `replayed ${stats.tokensReplayed}`);
});

test('an interrupted prompt leaves the cache consistent', async () => {
  const tokens = randomTokens(5, 20_000, 50);
  const cache = new PrefixCache(50, { yieldEvery: 1000 });
  await cache.logprobs(tokens.subarray(0, 5000));
  let pauses = 0;
  await assert.rejects(
    cache.logprobs(tokens, () => (++pauses === 4 ? Promise.reject(new Error('stop')) : Promise.resolve())),
    /stop/,
  );
  for (const prompt of [tokens, tokens.subarray(0, 7000), tokens.subarray(0, 3000)]) {
    sameBits(await cache.logprobs(prompt), await tokenLogprobs(prompt, { vocab: 50 }), `${prompt.length} tokens`);
  }
});

test('the engine gets the same matrix with and without prefix reuse, calls in flight at once', async () => {
  const results: FullResult[] = [];
  const scorers: BuiltinScorer[] = [];
  for (const prefixReuse of [false, true]) {
    const { context } = await loadContext(fixture('medium.json'));
    const scorer = new BuiltinScorer({ prefixReuse });
    scorers.push(scorer);
    results.push((await new ScoringEngine(context, { scorer, model: 'm', concurrency: 4 }).run({ mode: 'full' })) as FullResult);
  }
  assert.deepEqual(results[1], results[0]);
  const [plain, reused] = scorers.map((s) => s.stats());
  assert.equal(plain!.tokensComputed, plain!.tokensReceived);
  assert.equal(reused!.tokensReceived, plain!.tokensReceived);
  assert.ok(reused!.tokensComputed < plain!.tokensComputed);
});
