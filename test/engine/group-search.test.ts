// The group search against the exact full matrix, cell by cell: on the fixtures and on generated
// contexts where a known few memories matter, with the built-in model and with a model whose
// logprobs never rise when more is removed; its pure maths; its calls and events.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { chatToContext } from '../../src/context/chat-format.ts';
import type { Context } from '../../src/context/context.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import { memoryRefs, responseEntries } from '../../src/engine/conversation.ts';
import type { EngineEvent, FullResult } from '../../src/engine/events.ts';
import { firstColumnAfter, groupSearch, initialGroups, memberReach, paddedRow, reachable, refine, splitGroup, splitLevels, type SearchIo } from '../../src/engine/group-search.ts';
import { loadContext } from '../../src/context/load-context.ts';
import { NOISE_FACTOR } from '../../src/engine/noise-floor.ts';
import { PromptLayout, clipRuns, fullRange } from '../../src/scoring/prompt.ts';
import type { ScoreCall, Scorer } from '../../src/scoring/scorer.ts';
import { INITIAL_RUN_STATE, reduceRun } from '../../src/tui/run-state.ts';
import { fixture } from '../support/helpers.ts';
import { sparseContext } from '../support/sparse-context.ts';

/** The built-in model, keeping every prompt it is sent. */
class Recording implements Scorer {
  readonly backend = 'recording';
  readonly prompts: Uint32Array[] = [];
  private readonly inner = new BuiltinScorer();
  constructor(private readonly fail: (prompt: Uint32Array) => boolean = () => false) {}
  async score(call: ScoreCall): Promise<number[]> {
    this.prompts.push(call.prompt);
    if (this.fail(call.prompt)) throw new Error('injected failure');
    return this.inner.score(call);
  }
  async close() {}
}

async function run(context: Context, options: { search?: { threshold: number; splitFraction?: number }; concurrency?: number; scorer?: Scorer } = {}) {
  const scorer = options.scorer ?? new Recording();
  const engine = new ScoringEngine(context, { scorer, model: 'm', concurrency: options.concurrency ?? 4 });
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  const result = (await engine.run(options.search ? { mode: 'search', ...options.search } : { mode: 'full' })) as FullResult;
  return { result, events, scorer };
}

/** Every cell ≥ T holds its exact value; every other cell 0 or its exact value; the flags agree. */
function assertSearchMatches(exact: FullResult, search: FullResult, threshold: number): number {
  let found = 0;
  assert.deepEqual(search.memories.map((m) => m.key), exact.memories.map((m) => m.key));
  assert.deepEqual(search.responses, exact.responses);
  exact.matrix.forEach((row, i) => {
    const memory = search.memories[i]!;
    row.forEach((value, j) => {
      const got = search.matrix[i]![j]!;
      if (value >= threshold) {
        assert.equal(got, value, `cell ${memory.key} × response ${exact.responses[j]!.entry}: exact ${value}, search ${got}`);
        assert.equal(memory.exact, true, `${memory.key} has a cell ≥ T, so it was scored alone`);
        found++;
      } else {
        assert.ok(got === 0 || got === value, `cell ${memory.key} × ${j}: ${got} is neither 0 nor exact ${value}`);
      }
    });
    assert.equal(memory.max, Math.max(0, ...search.matrix[i]!));
    if (memory.exact) assert.equal(memory.bound, undefined);
    else {
      assert.equal(typeof memory.bound, 'number', `${memory.key}: a memory never scored alone carries its bound`);
      assert.ok(memory.bound! < threshold, `${memory.key}: bound ${memory.bound} below T`);
      // Its bound holds over its exact row.
      assert.ok(Math.max(0, ...row) < threshold);
    }
  });
  assert.equal(search.search?.threshold, threshold);
  assert.equal(search.calls, search.search.calls + 1, 'the baseline, then the search calls');
  return found;
}

describe('group search: the maths', () => {
  it('cuts memories into consecutive groups and splits a group in halves, the first the larger', () => {
    assert.deepEqual(initialGroups(10, 4), [
      { first: 0, count: 4 },
      { first: 4, count: 4 },
      { first: 8, count: 2 },
    ]);
    assert.deepEqual(initialGroups(0, 8), []);
    assert.deepEqual(splitGroup({ first: 3, count: 5 }), [
      { first: 3, count: 3 },
      { first: 6, count: 2 },
    ]);
    assert.deepEqual(splitGroup({ first: 3, count: 1 }), [{ first: 3, count: 1 }]);
  });

  it('reaches one past the last response moved by at least T', () => {
    assert.equal(memberReach([0, 2, 0.5, 1, 0.2], 1, 0), 4);
    assert.equal(memberReach([0.9, 0.2], 1, 0), 0);
    assert.equal(memberReach([], 1, 0), 0);
  });

  it('finds the first response after an entry, and whether a probe reaches a response after its first memory', () => {
    const responses = [2, 5, 9];
    assert.equal(firstColumnAfter(responses, 0), 0);
    assert.equal(firstColumnAfter(responses, 5), 2);
    assert.equal(firstColumnAfter(responses, 9), 3);
    const entries = [1, 3, 6, 8];
    assert.equal(reachable({ group: { first: 2, count: 2 }, reach: 3 }, responses, entries), true);
    assert.equal(reachable({ group: { first: 2, count: 2 }, reach: 2 }, responses, entries), false);
  });

  it("reaches, for a memory, the last response its bound reaches splitAt at, if that comes after it", () => {
    assert.equal(memberReach(Float32Array.of(0, 3, 0.2, 0.6, 0.1), 0.5, 0), 4);
    assert.equal(memberReach(Float32Array.of(0, 3, 0.2, 0.6, 0.1), 0.5, 3), 4);
    // Its only flag comes before it: it moves nothing.
    assert.equal(memberReach(Float32Array.of(0, 3, 0.2, 0.4, 0.1), 0.5, 2), 0);
    assert.equal(memberReach(Float32Array.of(Infinity, 0), 0.5, 1), 0);
  });

  it('refines a flagged group into halves, a dense one into single memories, each part reaching as far as its own memories can', () => {
    const group = { first: 0, count: 4 };
    assert.deepEqual(refine(group, 0, [0, 0, 0, 0]), { next: [], skipped: [group] });
    // One flag (reached by memories 0 and 1 only): halves; the second half can move nothing.
    assert.deepEqual(refine(group, 1, [2, 2, 0, 0]), {
      next: [{ group: { first: 0, count: 2 }, reach: 2 }],
      skipped: [{ first: 2, count: 2 }],
    });
    // A half drops the memories at its ends that can move nothing, and reaches its own furthest.
    assert.deepEqual(refine({ first: 4, count: 6 }, 2, [0, 5, 0, 0, 3, 0]), {
      next: [{ group: { first: 5, count: 1 }, reach: 5 }, { group: { first: 8, count: 1 }, reach: 3 }],
      skipped: [{ first: 4, count: 1 }, { first: 6, count: 1 }, { first: 7, count: 1 }, { first: 9, count: 1 }],
    });
    // Two flags for four memories: each alone, up to its own reach; one that can move nothing is skipped.
    const dense = refine(group, 2, [3, 0, 3, 1]);
    assert.deepEqual(
      dense.next.map((p) => [p.group.first, p.group.count, p.reach]),
      [[0, 1, 3], [2, 1, 3], [3, 1, 1]],
    );
    assert.deepEqual(dense.skipped, [{ first: 1, count: 1 }]);
  });

  it('pads a cut row with zeros and cuts prompt runs at an offset', () => {
    assert.deepEqual(paddedRow([1, 2], 4), [1, 2, 0, 0]);
    assert.deepEqual([...clipRuns(Int32Array.of(0, 10, 20, 30), 25)], [0, 10, 20, 25]);
    assert.deepEqual([...clipRuns(Int32Array.of(0, 10, 20, 30), 15)], [0, 10]);
    assert.deepEqual([...clipRuns(Int32Array.of(0, 10, 20, 30), 10)], [0, 10]);
  });
});

describe('group search against the exact matrix (built-in model)', () => {
  for (const name of ['small.json', 'medium.json']) {
    it(`finds every cell ≥ T of ${name} with its exact value`, async () => {
      const { context } = await loadContext(fixture(name));
      const exact = (await run(context)).result;
      for (const threshold of [1, 5]) {
        const { context: fresh } = await loadContext(fixture(name));
        const search = (await run(fresh, { search: { threshold } })).result;
        assert.ok(assertSearchMatches(exact, search, threshold) > 0);
      }
    });
  }

  for (const seed of [1, 2, 3]) {
    it(`finds the known few memories that matter in a generated context (seed ${seed}), with fewer calls`, async () => {
      const { chat, matters } = sparseContext(60, 10, seed, 15);
      const exact = await run(chatToContext(chat));
      const search = await run(chatToContext(chat), { search: { threshold: 1 }, concurrency: seed });
      assertSearchMatches(exact.result, search.result, 1);
      const exactKeys = search.result.memories.flatMap((m, i) => (m.exact && m.max >= 1 ? [i] : []));
      assert.deepEqual(exactKeys, matters, 'the memories with a cell ≥ T are the ones the context restates');
      assert.ok(search.result.calls < exact.result.calls, `${search.result.calls} calls vs ${exact.result.calls}`);
    });
  }
});

/**
 * A model whose logprobs never rise when more is removed: response j's logprob is −1 less the
 * weights w[i][j] of the memories before it that the prompt lacks. Memories are found in the
 * prompt by their tokens.
 */
class MonotoneScorer implements Scorer {
  readonly backend = 'monotone';
  calls = 0;
  private readonly memoryTokens: string[];
  constructor(
    context: Context,
    private readonly weights: number[][],
  ) {
    const layout = new PromptLayout(context, fullRange(context));
    // Every memory follows a user message in these contexts: it starts where entry − 1 ends.
    this.memoryTokens = memoryRefs(context).map(({ entry }) => `,${[...layout.full.subarray(layout.entryEnd(entry - 1), layout.entryEnd(entry))].join(',')},`);
  }
  score(call: ScoreCall): Promise<number[]> {
    this.calls++;
    const text = `,${[...call.prompt].join(',')},`;
    const present = this.memoryTokens.map((tokens) => text.includes(tokens));
    return Promise.resolve(Array.from({ length: call.expected }, (_, j) => -1 - this.weights.reduce((sum, row, i) => sum + (present[i] ? 0 : row[j]!), 0)));
  }
  async close() {}
}

describe('group search on a model where removing more never raises a logprob', () => {
  it('splitting at T itself, finds exactly the planted cells ≥ T', async () => {
    const { chat } = sparseContext(48, 1000, 5);
    const context = chatToContext(chat);
    const entries = context.sections.conversation;
    const memories = memoryRefs(context);
    const responses = responseEntries(entries);
    // Memories 5, 17 and 30 move some later responses by 2–4 nats; every memory moves the
    // responses after it by a little (0.07).
    const planted = new Map([
      [5, [6, 40]],
      [17, [18]],
      [30, [31, 32, 47]],
    ]);
    const weights = memories.map(({ entry }, i) =>
      responses.map((response, j) => (response < entry ? 0 : (planted.get(i)?.includes(j) ? 2 + (j % 3) : 0.07))),
    );
    const exact = await run(context, { scorer: new MonotoneScorer(context, weights) });
    const scorer = new MonotoneScorer(context, weights);
    const search = await run(context, { search: { threshold: 1, splitFraction: 1 }, scorer });
    assert.equal(assertSearchMatches(exact.result, search.result, 1), 6);
    // Here the bound holds: no divergence of a memory never scored alone is above it.
    search.result.memories.forEach((m, i) => {
      if (!m.exact) assert.ok(Math.max(...exact.result.matrix[i]!) <= m.bound! + 1e-6, `${m.key}: bound ${m.bound}`);
    });
    assert.deepEqual(
      search.result.memories.flatMap((m, i) => (m.max >= 1 ? [i] : [])),
      [5, 17, 30],
    );
    assert.ok(scorer.calls < memories.length, `${scorer.calls} calls, where the exact matrix makes ${memories.length + 1}`);
    // The default margin (splitting at T/2) finds the same cells, with more calls: here the small
    // effects of a group of 8 (0.56) reach T/2.
    const margin = await run(context, { search: { threshold: 1 }, scorer: new MonotoneScorer(context, weights) });
    assertSearchMatches(exact.result, margin.result, 1);
    assert.ok(margin.result.calls > search.result.calls, `${margin.result.calls} calls at T/2, ${search.result.calls} at T`);
  });
  it('goes straight to the memories that can move a flagged response: those that come before it, in every group that moved it', async () => {
    const { chat } = sparseContext(16, 1000, 5);
    const context = chatToContext(chat);
    const entries = context.sections.conversation;
    const memories = memoryRefs(context);
    const responses = responseEntries(entries);
    // Memory 4 alone moves one response, the first after it, by 3 nats.
    const moved = firstColumnAfter(responses, memories[4]!.entry);
    const weights = memories.map((_, i) => responses.map((_, j) => (i === 4 && j === moved ? 3 : 0)));
    const exact = await run(context, { scorer: new MonotoneScorer(context, weights) });
    const search = await run(context, { search: { threshold: 1, splitFraction: 1 }, scorer: new MonotoneScorer(context, weights), concurrency: 1 });
    assert.equal(assertSearchMatches(exact.result, search.result, 1), 1);
    const started = search.events.flatMap((e) => (e.type === 'group-started' ? [[e.first, e.count, e.reach]] : []));
    // The first level; then memories 0–3 together, and memory 4 alone: 5–7 come after the
    // moved response, so no group 4–7 (nor 4–5) is called.
    assert.deepEqual(started, [
      [0, 8, responses.length],
      [8, 8, responses.length],
      [0, 4, moved + 1],
      [4, 1, moved + 1],
    ]);
  });
});

describe('group search calls and events', () => {
  it('sends the baseline first, cuts refinement calls after their last flagged response, and scores single memories as the exact matrix does', async () => {
    const { chat } = sparseContext(40, 10, 2);
    const context = chatToContext(chat);
    const exact = await run(context, { concurrency: 1 });
    const search = await run(context, { search: { threshold: 1 }, concurrency: 1 });
    const prompts = (search.scorer as Recording).prompts;
    const full = prompts[0]!;
    assert.deepEqual([...full], [...(exact.scorer as Recording).prompts[0]!], 'the baseline is the exact run’s');
    assert.ok(prompts.some((p) => p.length < full.length / 2), 'refinement calls end early');
    // Each single memory's call is the start of the exact matrix's leave-one-out call for it.
    const leaveOneOut = (exact.scorer as Recording).prompts.slice(1);
    const singles = search.events.filter((e) => e.type === 'group-started' && e.count === 1).length;
    let matched = 0;
    for (const prompt of prompts) {
      if (leaveOneOut.some((p) => p.length >= prompt.length && p.subarray(0, prompt.length).every((t, k) => t === prompt[k]) && prompt.length < full.length)) matched++;
    }
    assert.ok(matched >= singles - 1, `${matched} of ${singles} single calls are cut leave-one-out calls`);
  });

  it('emits events the screen’s reducer resolves into every memory done, no group left marked', async () => {
    const { chat } = sparseContext(40, 10, 3, 12);
    const { events, result } = await run(chatToContext(chat), { search: { threshold: 1 } });
    const started = events.filter((e) => e.type === 'group-started').length;
    const done = events.filter((e) => e.type === 'group-done' && e.called).length;
    assert.equal(started, done);
    assert.equal(started, result.search!.calls);
    let state = INITIAL_RUN_STATE;
    events.forEach((event, k) => (state = reduceRun(state, event, k)));
    assert.equal(state.phase, 'done');
    assert.equal(state.search?.resolved, 40);
    assert.equal(state.search.exact + state.search.cleared, 40);
    assert.equal(state.search?.groups, 0);
    assert.ok(state.memories.every((row) => row.status === 'done' && row.group === null));
    assert.equal(state.calls.total, result.calls, 'the splits told the screen of every call');
    assert.ok(state.memories.every((row, i) => (row.exact ? row.max === result.memories[i]!.max : row.bound === result.memories[i]!.bound)));
  });

  it('marks the memories of a group whose call fails as failed, and goes on with the others', async () => {
    const { chat } = sparseContext(24, 10, 4);
    const context = chatToContext(chat);
    const layout = new PromptLayout(context, fullRange(context));
    // Calls that lack memory 9 (the second group's) fail.
    const memory9 = memoryRefs(context)[9]!.entry;
    const start = layout.entryEnd(memory9 - 1);
    const tokens = [...layout.full.subarray(start, layout.entryEnd(memory9))].join(',');
    const scorer = new Recording((prompt) => prompt.length > start && ![...prompt].join(',').includes(tokens));
    const { result, events } = await run(context, { search: { threshold: 1 }, scorer });
    const failed = result.memories.flatMap((m, i) => (m.failed ? [i] : []));
    assert.deepEqual(failed, [8, 9, 10, 11, 12, 13, 14, 15]);
    assert.ok(result.memories[0]!.exact && result.memories[0]!.max >= 1);
    assert.equal(events.filter((e) => e.type === 'row-failed').length, 8);
    assert.equal(events.at(-1)!.type, 'run-done');
  });
});

describe('group search under a noise floor', () => {
  it('splits at T × fraction, raised per response to the noise limit where that is higher', () => {
    assert.deepEqual(splitLevels(0.1, 0.5, [0, 0.2, 0.01], 3), [0.05, 0.5 * NOISE_FACTOR * 0.2, 0.05]);
    // Floors not known yet: T alone.
    assert.deepEqual(splitLevels(1, 0.5, [], 2), [0.5, 0.5]);
    assert.equal(memberReach([0.4, 0.4], [0.3, 0.5], 0), 1);
  });

  // Every memory moves every response by 0.2: below a floor of 0.2's limit, above T = 0.1.
  const plan = { memories: Array.from({ length: 8 }, (_, i) => ({ key: `m${i}`, entry: 0 })), responses: [1, 3, 5, 7], threshold: 0.1, groupSize: 8 };
  function io(floors: readonly number[] | undefined): SearchIo & { calls: number } {
    const state = {
      calls: 0,
      score: (_label: string, reach: number, keys: readonly string[] | null) => {
        state.calls++;
        return Promise.resolve(Array.from({ length: reach }, () => (keys === null ? -10 : -10.2)));
      },
      emit: () => undefined,
      aborted: () => false,
      writeRow: () => undefined,
      ...(floors !== undefined ? { floors: () => Promise.resolve(floors) } : {}),
    };
    return state;
  }

  it('without a floor, movements of 0.2 ≥ T split every group down to single memories', async () => {
    const scripted = io(undefined);
    const result = await groupSearch(plan, scripted);
    assert.ok(result.memories.every((m) => m.exact));
    assert.equal(scripted.calls, 1 + 1 + 8);
  });

  it('with a floor whose limit is above them, the first group is cleared: no split on noise', async () => {
    const scripted = io([0.2, 0.2, 0.2, 0.2]);
    const result = await groupSearch(plan, scripted);
    assert.ok(result.memories.every((m) => m.exact === false));
    assert.equal(scripted.calls, 2);
  });
});
