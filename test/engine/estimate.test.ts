// --estimate K: the LASSO solver, the ablation masks, the surrogate fit, and the engine's
// estimated full matrix (a planted sparse matrix recovered; the real model's ranking kept).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AblationSurrogate, ablationMasks, anchoredMasks } from '../../src/engine/ablation-estimate.ts';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { chatToContext, type ChatContext } from '../../src/context/chat-format.ts';
import type { Context } from '../../src/context/context.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import { memoryRefs } from '../../src/engine/conversation.ts';
import type { EngineEvent, FullResult } from '../../src/engine/events.ts';
import { dualityGap, solveLasso } from '../../src/engine/lasso.ts';
import { loadContext } from '../../src/context/load-context.ts';
import type { ScoreCall, Scorer } from '../../src/scoring/scorer.ts';
import { seededRandom } from '../../src/core/seeded-random.ts';
import { fixture, runCli } from '../support/helpers.ts';

/** A random standardised design and target, as the Gram form the solver takes. */
function randomProblem(seed: number, n: number, m: number, alpha: number) {
  const random = seededRandom(seed);
  const Z = Array.from({ length: n }, () => Array.from({ length: m }, () => (random() < 0.5 ? -1 : 1)));
  const truth = Array.from({ length: m }, (_, i) => (i % 7 === 0 ? 2 * random() - 1 : 0));
  const y = Z.map((row) => row.reduce((acc, z, i) => acc + z * truth[i]!, 0) + 0.3 * (random() - 0.5));
  const yMean = y.reduce((a, b) => a + b) / n;
  const yc = y.map((v) => v - yMean);
  const gram = new Float64Array(m * m);
  const q = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) gram[i * m + k] = Z.reduce((acc, row) => acc + row[i]! * row[k]!, 0) / n;
    q[i] = Z.reduce((acc, row, s) => acc + row[i]! * yc[s]!, 0) / n;
  }
  return { gram, stride: m, m, q, yy: yc.reduce((a, v) => a + v * v, 0) / n, alpha };
}

test('the LASSO solver reaches the optimum: KKT conditions hold and the duality gap closes', () => {
  for (const [seed, n, m] of [
    [1, 80, 30],
    [2, 40, 60],
    [3, 65, 200],
  ] as const) {
    const problem = randomProblem(seed, n, m, 0.02);
    const beta = new Float64Array(m);
    const r = new Float64Array(m);
    solveLasso(problem, beta, r, { tolerance: 1e-10, maxSweeps: 100_000 });
    assert.ok(dualityGap(problem, beta, r) <= 1e-10 * problem.yy + 1e-15, `seed ${seed}: gap`);
    for (let i = 0; i < m; i++) {
      // r_i is the gradient of the smooth part: ±α where β_i ≠ 0, within [−α, α] where it is 0.
      if (beta[i] !== 0) assert.ok(Math.abs(r[i]! - Math.sign(beta[i]!) * problem.alpha) < 1e-4, `seed ${seed}: active ${i}`);
      else assert.ok(Math.abs(r[i]!) <= problem.alpha + 1e-4, `seed ${seed}: inactive ${i}`);
    }
    assert.ok(beta.some((b) => b !== 0) && beta.some((b) => b === 0), 'sparse, not empty');
  }
});

test('with an orthonormal design the solution is the soft-thresholded correlation', () => {
  const m = 5;
  const gram = new Float64Array(m * m);
  for (let i = 0; i < m; i++) gram[i * m + i] = 1;
  const q = Float64Array.from([0.5, -0.3, 0.05, -0.01, 0.2]);
  const beta = new Float64Array(m);
  solveLasso({ gram, stride: m, m, q, yy: 1, alpha: 0.1 }, beta, new Float64Array(m));
  assert.deepEqual([...beta].map((b) => Math.round(b * 1e12) / 1e12), [0.4, -0.2, 0, 0, 0.1]);
});

test('ablation masks are seeded: same seed same masks, about half kept', () => {
  const a = ablationMasks(300, 20, 7);
  assert.deepEqual(ablationMasks(300, 20, 7), a);
  assert.notDeepEqual(ablationMasks(300, 20, 8), a);
  const kept = a.reduce((acc, mask) => acc + mask.reduce((x, y) => x + y, 0), 0) / (300 * 20);
  assert.ok(kept > 0.45 && kept < 0.55, `kept ${kept}`);
});

test('anchored masks keep every memory before their anchor, drop it, and halve the rest; seeded', () => {
  const N = 300;
  const masks = anchoredMasks(N, 400, 7);
  assert.deepEqual(anchoredMasks(N, 400, 7), masks);
  let full = 0;
  for (const mask of masks) {
    const anchor = mask.indexOf(0);
    assert.ok(anchor >= 0, 'every mask removes its anchor');
    if (anchor === 0) full++;
    const after = mask.subarray(anchor + 1);
    if (after.length > 50) {
      const kept = after.reduce((x, y) => x + y, 0) / after.length;
      assert.ok(kept > 0.3 && kept < 0.7, `kept ${kept} after the anchor`);
    }
  }
  // Half of them anchor at the first memory (an ordinary half-mask), the rest anywhere.
  assert.ok(full > 160 && full < 240, `${full} of 400 anchored at the first memory`);
  // Every memory is removed by some of them: the first by about half.
  const removed = (i: number) => masks.filter((m) => m[i] === 0).length / masks.length;
  assert.ok(removed(0) > 0.4 && removed(0) < 0.6 && removed(N - 1) > 0.4);
});

/** A planted sparse matrix: W[i][j] > 0 for a few memories before each response. */
function plantedMatrix(seed: number, memories: number, responses: number, visible: (j: number) => number): number[][] {
  const random = seededRandom(seed);
  const W = Array.from({ length: memories }, () => new Array<number>(responses).fill(0));
  for (let j = 0; j < responses; j++) {
    const m = visible(j);
    for (let t = 0; t < 2 && m > 0; t++) W[Math.floor(random() * m)]![j] = 5 + 40 * random();
  }
  return W;
}

test('the surrogate recovers a planted sparse matrix from far fewer ablations than memories', () => {
  const N = 120;
  const R = 150;
  const K = 48;
  const visible = (j: number) => Math.min(N, Math.floor((j * N) / R) + 10);
  const W = plantedMatrix(3, N, R, visible);
  const lengths = Array.from({ length: R }, (_, j) => 10 + (j % 30));
  const random = seededRandom(99);
  const logprobs = (mask: Uint8Array) =>
    Array.from({ length: R }, (_, j) => {
      // Baseline, the planted effects of the removed memories, and a little noise.
      let y = -3 * lengths[j]!;
      for (let i = 0; i < N; i++) if (!mask[i]) y -= W[i]![j]!;
      return y + 0.05 * (random() - 0.5);
    });
  const surrogate = new AblationSurrogate({ memories: N, responseLengths: lengths, visibleMemories: Array.from({ length: R }, (_, j) => visible(j)) });
  surrogate.add(0, new Uint8Array(N).fill(1), logprobs(new Uint8Array(N).fill(1)));
  ablationMasks(N, K, 5).forEach((mask, s) => surrogate.add(s + 1, mask, logprobs(mask)));
  const estimate = surrogate.fit();

  let planted = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < R; j++) {
      const truth = W[i]![j]!;
      const got = estimate[i]![j]!;
      if (truth > 0) {
        planted++;
        assert.ok(Math.abs(got - truth) < 0.1 * truth + 1, `W[${i}][${j}] = ${truth}, estimated ${got}`);
      } else {
        assert.ok(got < 1, `W[${i}][${j}] = 0, estimated ${got}`);
        if (i >= visible(j)) assert.equal(got, 0, 'a memory after the response gets nothing');
      }
    }
  }
  assert.ok(planted > R, `${planted} planted entries`);
});

test('the final fit does not depend on the order ablations arrive in', () => {
  const N = 30;
  const R = 20;
  const random = seededRandom(4);
  const options = { memories: N, responseLengths: new Array(R).fill(12), visibleMemories: new Array(R).fill(N) };
  const samples = ablationMasks(N, 24, 1).map((mask) => ({ mask, y: Array.from({ length: R }, (_, j) => -40 - (mask[j % N] ? 0 : 9) - random()) }));
  const inOrder = new AblationSurrogate(options);
  samples.forEach(({ mask, y }, s) => inOrder.add(s, mask, y));
  const shuffled = new AblationSurrogate(options);
  [...samples.entries()].reverse().forEach(([s, { mask, y }]) => {
    shuffled.add(s, mask, y);
    if (shuffled.size % 5 === 0) shuffled.fit(true);
  });
  assert.deepEqual(shuffled.fit(), inOrder.fit());
});

/**
 * A model with a planted matrix: each response's logprob is its baseline less W[i][j] for every
 * memory i missing from the prompt. It finds the memories present by their tokens.
 */
function contains(prompt: Uint32Array, tokens: Uint32Array): boolean {
  outer: for (let p = 0; p + tokens.length <= prompt.length; p++) {
    for (let k = 0; k < tokens.length; k++) if (prompt[p + k] !== tokens[k]) continue outer;
    return true;
  }
  return false;
}

class PlantedScorer implements Scorer {
  readonly backend = 'planted';
  readonly prompts: Uint32Array[] = [];
  constructor(
    private readonly memoryTokens: Uint32Array[],
    private readonly W: number[][],
    private readonly responses: number,
  ) {}
  score(call: ScoreCall): Promise<number[]> {
    this.prompts.push(call.prompt);
    const missing = this.memoryTokens.map((t) => !contains(call.prompt, t));
    return Promise.resolve(Array.from({ length: this.responses }, (_, j) => -100 - this.W.reduce((acc, row, i) => acc + (missing[i] ? row[j]! : 0), 0)));
  }
  async close() {}
}

function plantedContext(memories: number, rounds: number): Context {
  const conversation: ChatContext['conversation'] = [];
  for (let r = 0; r < rounds; r++) {
    conversation.push({ role: 'user', content: `question ${r}` });
    if (r < memories) conversation.push({ role: 'memory', key: `m${r}`, content: `fact number ${r} is ${r * 7}` });
    conversation.push({ role: 'assistant', content: `answer ${r}` });
  }
  return chatToContext({ conversation });
}

test('the engine estimates a planted matrix with K + 1 calls and shows it refining', async () => {
  const N = 24;
  const R = 40;
  const K = 40;
  const context = plantedContext(N, R);
  // Memory i comes just before response i, so it can only matter to responses i and later.
  const W = plantedMatrix(8, N, R, (j) => Math.min(N, j + 1));
  const memoryTokens = context.sections.conversation.flatMap((node) => (node.kind === 'memory' ? [node.tokens] : []));
  const scorer = new PlantedScorer(memoryTokens, W, R);
  const engine = new ScoringEngine(context, { scorer, model: 'm', concurrency: 3 });
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  const result = (await engine.run({ mode: 'estimate', count: K, seed: 11 })) as FullResult;

  assert.equal(result.estimate, K);
  assert.equal(result.calls, K + 1);
  assert.equal(scorer.prompts.length, K + 1);
  const started = events.find((e) => e.type === 'run-started');
  assert.equal(started?.type === 'run-started' && started.totalCalls, K + 1);
  // Each ablation prompt lacks exactly the memories its seeded mask drops.
  const masks = anchoredMasks(N, K, 11);
  const seen = scorer.prompts.map((p) => memoryTokens.map((t) => (contains(p, t) ? 1 : 0)).join(''));
  assert.deepEqual(seen.sort(), [...masks.map((m) => [...m].join('')), '1'.repeat(N)].sort());

  for (let i = 0; i < N; i++) {
    for (let j = 0; j < R; j++) {
      const truth = W[i]![j]!;
      assert.ok(Math.abs(result.matrix[i]![j]! - truth) < 0.1 * truth + 0.5, `[${i}][${j}]: ${truth} vs ${result.matrix[i]![j]}`);
    }
    assert.equal(result.memories[i]!.max, Math.max(0, ...result.matrix[i]!));
  }
  const updates = events.filter((e) => e.type === 'estimate-updated');
  assert.ok(updates.length >= 2, 'refits while ablations arrive');
  const counts = updates.map((e) => (e.type === 'estimate-updated' ? e.ablations : 0));
  assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'ablations only grow');
  const last = updates.at(-1)!;
  assert.ok(last.type === 'estimate-updated' && last.final && last.ablations === K && last.matrix === result.matrix);
  assert.equal(events.at(-1)!.type, 'run-done');
  // Scores above 0.01 are in the AST, as in full mode.
  const answer = context.sections.conversation.findLast((n) => n.kind === 'message' && n.role === 'assistant');
  assert.ok(answer?.kind === 'message' && answer.memoryScores.size > 0);
});

test('on the real model the estimate keeps the exact ranking of memories (medium fixture)', async () => {
  const exactContext = (await loadContext(fixture('medium.json'))).context;
  const exact = (await new ScoringEngine(exactContext, { scorer: new BuiltinScorer(), model: 'm', concurrency: 4 }).run({ mode: 'full' })) as FullResult;
  const { context } = await loadContext(fixture('medium.json'));
  const scorer = new BuiltinScorer();
  const estimate = (await new ScoringEngine(context, { scorer, model: 'm', concurrency: 4 }).run({ mode: 'estimate', count: 24, seed: 1 })) as FullResult;
  assert.equal(estimate.calls, 25);
  assert.ok(estimate.calls < memoryRefs(context.sections.conversation).length + 1);
  const top = (r: FullResult, k: number) => new Set(r.memories.map((m, i) => ({ m: m.max, i })).sort((a, b) => b.m - a.m || a.i - b.i).slice(0, k).map((x) => x.i));
  const exactTop = top(exact, 10);
  const found = [...top(estimate, 10)].filter((i) => exactTop.has(i)).length;
  assert.ok(found >= 8, `top-10 recall ${found}/10`);
});

test('--estimate on the command line: the JSON says so; misuse is a one-line usage error', async () => {
  const run = await runCli(['score', fixture('small.json'), '--estimate', '6', '--seed', '4', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(result), ['mode', 'model', 'memories', 'responses', 'matrix', 'calls', 'estimate']);
  assert.equal(result.estimate, 6);
  assert.equal(result.calls, 7);
  assert.match(run.stderr, /^estimate: from 6 of 6 ablations$/m);
  const again = await runCli(['score', fixture('small.json'), '--estimate', '6', '--seed', '4', '--json']);
  assert.deepEqual(JSON.parse(again.stdout), result, 'seeded: the same answer');
  const text = await runCli(['score', fixture('small.json'), '--estimate', '6']);
  assert.match(text.stdout, /ESTIMATED from 6 random ablations/);
  for (const [args, expected] of [
    [['--estimate', '0'], /^memscope: --estimate: expected a whole number ≥ 1, got "0"$/],
    [['--estimate', '5', '--mode', 'finetune'], /^memscope: --estimate goes with --mode full$/],
    [['--seed', '3'], /^memscope: --seed goes with --estimate$/],
  ] as const) {
    const bad = await runCli(['score', fixture('small.json'), ...args]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr.trim(), expected);
  }
});
