import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { chatToContext, type ChatContext } from '../../src/context/chat-format.ts';
import type { Context } from '../../src/context/context.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import { memoryRefs } from '../../src/engine/conversation.ts';
import type { EngineEvent, FinetuneResult, FullResult, IncrementalResult, SingleResult } from '../../src/engine/events.ts';
import { loadContext } from '../../src/context/load-context.ts';
import type { ScoreCall, Scorer } from '../../src/scoring/scorer.ts';
import { WeightStore } from '../../src/engine/weight-store.ts';
import { fixture, tempDir } from '../support/helpers.ts';
import { refFinetune, refFull, refSingle } from '../support/reference.ts';

/** The built-in model, recording every prompt it is sent; optionally failing some calls. */
class RecordingScorer implements Scorer {
  readonly backend = 'recording';
  readonly prompts: number[][] = [];
  private readonly inner = new BuiltinScorer();
  constructor(private readonly failWhen: (prompt: Uint32Array, n: number) => boolean = () => false) {}
  async score(call: ScoreCall): Promise<number[]> {
    const n = this.prompts.length;
    this.prompts.push([...call.prompt]);
    if (this.failWhen(call.prompt, n)) throw new Error('injected failure');
    return this.inner.score(call);
  }
  async close() {}
}

const builtin = new BuiltinScorer();
const refScore = (prompt: number[]) => builtin.score({ prompt: Uint32Array.from(prompt), expected: 0 });

function engineFor(context: Context, scorer: Scorer, concurrency = 1) {
  const engine = new ScoringEngine(context, { scorer, model: 'm', concurrency });
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return { engine, events };
}

const sortedPrompts = (ps: number[][]) => ps.map((p) => p.join(',')).sort();

for (const concurrency of [1, 4]) {
  test(`full mode matches the reference's calls and matrix on the small fixture (concurrency ${concurrency})`, async () => {
    const { context } = await loadContext(fixture('small.json'));
    const scorer = new RecordingScorer();
    const { engine, events } = engineFor(context, scorer, concurrency);
    const result = (await engine.run({ mode: 'full' })) as FullResult;

    const refPrompts: number[][] = [];
    const ref = await refFull(context, async (p) => (refPrompts.push(p), refScore(p)));
    assert.equal(result.calls, ref.keys.length + 1);
    assert.deepEqual(sortedPrompts(scorer.prompts), sortedPrompts(refPrompts), 'exactly the reference prompts');
    assert.deepEqual(result.memories.map((m) => m.key), ref.keys);
    assert.deepEqual(result.responses.map((r) => r.entry), ref.responses);
    assert.deepEqual(result.responses.map((r) => r.baseline), ref.baseline);
    assert.deepEqual(result.matrix, ref.matrix);
    result.memories.forEach((m, i) => assert.equal(m.max, Math.max(0, ...ref.matrix[i]!)));
    assert.equal(events[0]!.type, 'run-started');
    assert.equal(events.at(-1)!.type, 'run-done');
    assert.equal(events.filter((e) => e.type === 'row-done').length, ref.keys.length);
  });
}

test('full mode writes memory_scores into the AST, keeping only scores above 0.01', async () => {
  const { context } = await loadContext(fixture('small.json'));
  const { engine } = engineFor(context, new RecordingScorer());
  const result = (await engine.run({ mode: 'full' })) as FullResult;
  const entries = context.sections.conversation;
  result.responses.forEach(({ entry }, j) => {
    const node = entries[entry]!;
    assert.equal(node.kind, 'message');
    if (node.kind !== 'message') return;
    result.memories.forEach(({ key }, i) => {
      const score = result.matrix[i]![j]!;
      assert.equal(node.memoryScores.get(key), score > 0.01 ? score : undefined);
    });
  });
});

test('keys are unique over the whole conversation, in order of first appearance', () => {
  const context = chatToContext({
    conversation: [
      { role: 'memory', key: 'a', content: 'x' },
      { role: 'memory', key: 'b', content: 'y' },
      { role: 'memory', key: 'a', content: 'x' },
      { role: 'assistant', content: 'z' },
    ],
  });
  assert.deepEqual(memoryRefs(context.sections.conversation), [
    { key: 'a', entry: 0 },
    { key: 'b', entry: 1 },
  ]);
});

test('a failed row is marked failed with its reason, its scores removed, and the run goes on', async () => {
  const { context } = await loadContext(fixture('small.json'));
  // Fail the third call: the second memory's ablation (call 0 is the baseline).
  const scorer = new RecordingScorer((_, n) => n === 2);
  const { engine, events } = engineFor(context, scorer);
  const result = (await engine.run({ mode: 'full' })) as FullResult;
  const failed = result.memories.filter((m) => m.failed);
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!.reason, 'injected failure');
  const i = result.memories.indexOf(failed[0]!);
  assert.ok(result.matrix[i]!.every((v) => v === 0));
  assert.equal(result.calls, result.memories.length + 1);
  assert.ok(events.some((e) => e.type === 'row-failed' && e.key === failed[0]!.key));
  for (const node of context.sections.conversation) {
    if (node.kind === 'message') assert.equal(node.memoryScores.has(failed[0]!.key), false);
  }
});

test('a failed baseline fails the whole run', async () => {
  const { context } = await loadContext(fixture('small.json'));
  const { engine, events } = engineFor(context, new RecordingScorer((_, n) => n === 0));
  await assert.rejects(engine.run({ mode: 'full' }), /baseline failed: injected failure/);
  assert.equal(events.at(-1)!.type, 'run-failed');
});

test('a failed baseline ends the run at once: calls in flight cancelled, none started after, no row failed', async () => {
  const { context } = await loadContext(fixture('small.json'));
  // The baseline (the first call) fails once the rows are in flight; the rows never answer of
  // themselves, as against a server that has gone: only the cancellation ends them.
  const cancelled: number[] = [];
  let started = 0;
  const scorer: Scorer = {
    backend: 'http://gone.example/v1',
    score(call: ScoreCall) {
      const n = started++;
      if (n === 0) return new Promise((_, reject) => setTimeout(() => reject(new Error('connection refused')), 30));
      return new Promise((_, reject) =>
        call.signal?.addEventListener('abort', () => {
          cancelled.push(n);
          reject(new Error('aborted'));
        }),
      );
    },
    close: () => Promise.resolve(),
  };
  const { engine, events } = engineFor(context, scorer, 4);
  await assert.rejects(engine.run({ mode: 'full' }), /^ScoringError: baseline failed: connection refused; server: http:\/\/gone\.example\/v1$/);
  assert.deepEqual(cancelled, [1, 2, 3], 'the three rows in flight were cancelled');
  assert.equal(started, 4, 'no call started after the baseline failed');
  assert.equal(events.filter((e) => e.type === 'row-failed').length, 0);
  assert.deepEqual(events.at(-1), { type: 'run-failed', reason: 'baseline failed: connection refused; server: http://gone.example/v1' });
});

const restating: ChatContext = {
  system: 'You are a helpful agent.',
  conversation: [
    { role: 'user', content: 'How do we ship the billing service?' },
    { role: 'memory', key: 'billing-deploy', content: 'Billing deploys run `make ship-billing` from the ops box; Rosa approves them.' },
    { role: 'memory', key: 'lunch', content: 'The team orders dumplings on Fridays from the place on Elm street.' },
    { role: 'memory', key: 'font', content: 'Docs use the Inter typeface at 15 pixels with a line height of 1.6.' },
    { role: 'assistant', content: 'Sure.' },
    { role: 'user', content: 'Remind me how to ship billing?' },
    { role: 'assistant', content: 'Billing deploys run `make ship-billing` from the ops box, and Rosa approves them.' },
  ],
};

test('a memory restated by a later response comes out on top for that response', async () => {
  const context = chatToContext(restating);
  const { engine } = engineFor(context, new BuiltinScorer());
  const result = (await engine.run({ mode: 'full' })) as FullResult;
  const keys = result.memories.map((m) => m.key);
  const column = result.matrix.map((row) => row[1]!);
  const top = keys[column.indexOf(Math.max(...column))];
  assert.equal(top, 'billing-deploy');
  const [restated, ...others] = [column[keys.indexOf('billing-deploy')]!, column[keys.indexOf('lunch')]!, column[keys.indexOf('font')]!];
  for (const other of others) assert.ok(restated > 10 * Math.max(other, 0.1), `restated ${restated} vs unrelated ${other}`);
});

test('a context with no memories or no responses makes no calls', async () => {
  for (const conversation of [
    [{ role: 'user' as const, content: 'hi' }, { role: 'assistant' as const, content: 'hello' }],
    [{ role: 'memory' as const, key: 'k', content: 'fact' }, { role: 'user' as const, content: 'hi' }],
  ]) {
    const scorer = new RecordingScorer();
    const { engine } = engineFor(chatToContext({ conversation }), scorer);
    const result = (await engine.run({ mode: 'full' })) as FullResult;
    assert.equal(result.calls, 0);
    assert.equal(scorer.prompts.length, 0);
  }
});

test('single mode scores the window after the memory, as the reference', async () => {
  const { context } = await loadContext(fixture('medium.json'));
  for (const key of ['incident-101', 'config-feature-flags-1', 'absent-key']) {
    const scorer = new RecordingScorer();
    const { engine } = engineFor(context, scorer, 4);
    const result = (await engine.run({ mode: 'single', key })) as SingleResult;
    const refPrompts: number[][] = [];
    const expected = await refSingle(context, key, async (p) => (refPrompts.push(p), refScore(p)));
    assert.equal(result.score, expected, key);
    assert.equal(result.calls, refPrompts.length);
    assert.deepEqual(sortedPrompts(scorer.prompts), sortedPrompts(refPrompts));
  }
});

test('finetune mode strips all memories from the last N entries and ranks responses', async () => {
  const { context } = await loadContext(fixture('medium.json'));
  const scorer = new RecordingScorer();
  const { engine } = engineFor(context, scorer);
  const result = (await engine.run({ mode: 'finetune', count: 40 })) as FinetuneResult;
  const refPrompts: number[][] = [];
  const expected = await refFinetune(context, 40, async (p) => (refPrompts.push(p), refScore(p)));
  assert.deepEqual(result.candidates, expected);
  assert.deepEqual(sortedPrompts(scorer.prompts), sortedPrompts(refPrompts));
  assert.equal(result.calls, 2);
});

test('incremental mode: cutoff, max-age, oldest first, EWMA weights kept in the store', async () => {
  const dir = await tempDir();
  try {
    const { context } = await loadContext(fixture('medium.json'));
    const storePath = `${dir.path}/weights.json`;
    const now = 1_800_000_000;
    const options = { mode: 'incremental' as const, maxAgeSeconds: 3600, window: 50, alpha: 0.5, now };

    const first = (await engineFor(context, new RecordingScorer(), 2).engine.run({ ...options, store: await WeightStore.open(storePath) })) as IncrementalResult;
    assert.ok(first.scored.length > 0);
    assert.ok(first.skipped.some((s) => s.reason.startsWith('past the first 60%')), 'late memories are skipped');
    assert.equal(first.calls, first.scored.length * 2);
    for (const s of first.scored) assert.equal(s.weight, s.score, 'the first weight is the first score');

    // The store survives: a second run within max-age scores nothing that was scored.
    const second = (await engineFor(context, new RecordingScorer()).engine.run({ ...options, now: now + 60, store: await WeightStore.open(storePath) })) as IncrementalResult;
    assert.equal(second.scored.length, 0);
    assert.equal(second.calls, 0);

    // After max-age they are due again, and weights move by alpha toward the new score.
    const store = await WeightStore.open(storePath);
    const before = new Map(first.scored.map((s) => [s.key, store.get(s.key)!.weight]));
    const third = (await engineFor(context, new RecordingScorer()).engine.run({ ...options, now: now + 7200, store })) as IncrementalResult;
    assert.equal(third.scored.length, first.scored.length);
    for (const s of third.scored) assert.ok(Math.abs(s.weight - (0.5 * s.score + 0.5 * before.get(s.key)!)) < 1e-9);
  } finally {
    await dir.remove();
  }
});

test('incremental mode scores the oldest memories first', async () => {
  const dir = await tempDir();
  try {
    const { context } = await loadContext(fixture('small.json'));
    const store = await WeightStore.open(`${dir.path}/w.json`);
    const keys = memoryRefs(context.sections.conversation).map((r) => r.key);
    // Give the first memory a recent (but due) time, the others none: it must come last.
    await store.set(keys[0]!, { weight: 1, last_scored: 500 });
    const { engine, events } = engineFor(context, new RecordingScorer());
    await engine.run({ mode: 'incremental', store, maxAgeSeconds: 10, window: 50, alpha: 0.3, now: 1000 });
    const order = events.flatMap((e) => (e.type === 'row-started' ? [e.key] : []));
    assert.ok(order.length >= 2 && order.includes(keys[0]!), 'the first memory is due and scored');
    assert.equal(order.at(-1), keys[0]);
  } finally {
    await dir.remove();
  }
});

test('on the fixtures, every response that restates a memory has that memory on top', async () => {
  for (const name of ['small.json', 'medium.json']) {
    const { context } = await loadContext(fixture(name));
    const result = (await engineFor(context, new BuiltinScorer(), 4).engine.run({ mode: 'full' })) as FullResult;
    const entries = context.sections.conversation;
    const memoryText = new Map(entries.flatMap((n) => (n.kind === 'memory' ? [[n.key, n.text] as const] : [])));
    let restating = 0;
    result.responses.forEach(({ entry }, j) => {
      const node = entries[entry]!;
      const text = node.kind === 'message' ? node.children.map((c) => c.text).join('') : '';
      // Restated: the response shares a 25-character run with the memory's text.
      const restated = [...memoryText].filter(([, m]) => Array.from({ length: Math.max(0, m.length - 24) }, (_, i) => m.slice(i, i + 25)).some((run) => text.includes(run))).map(([k]) => k);
      if (restated.length === 0) return;
      restating++;
      const column = result.matrix.map((row) => row[j]!);
      const top = result.memories[column.indexOf(Math.max(...column))]!.key;
      assert.ok(restated.includes(top), `${name} entry ${entry}: top ${top}, restated ${restated.join(', ')}`);
    });
    assert.ok(restating >= 8, `${name}: ${restating} restating responses`);
  }
});

test('full mode sends rows while the baseline is still out, and a late baseline still yields the exact matrix', { timeout: 30_000 }, async () => {
  const { context } = await loadContext(fixture('small.json'));
  const inner = new BuiltinScorer();
  let release!: () => void;
  const baselineHeld = new Promise<void>((resolve) => (release = resolve));
  let longest = 0;
  // The baseline (the longest prompt) is answered only once two other calls have come in:
  // an engine that waited for the baseline before sending rows would never finish.
  let others = 0;
  const scorer: Scorer = {
    backend: 'held',
    async score(call) {
      longest = Math.max(longest, call.prompt.length);
      const isBaseline = call.prompt.length === longest && others === 0;
      if (isBaseline) await baselineHeld;
      else if (++others === 2) release();
      return inner.score(call);
    },
    async close() {},
  };
  const { engine, events } = engineFor(context, scorer, 3);
  const result = (await engine.run({ mode: 'full' })) as FullResult;
  const ref = await refFull(context, refScore);
  assert.deepEqual(result.matrix, ref.matrix);
  const baselineAt = events.findIndex((e) => e.type === 'baseline-done');
  assert.ok(events.findIndex((e) => e.type === 'row-started') < baselineAt, 'rows started before the baseline was in');
  assert.ok(events.findIndex((e) => e.type === 'row-done') > baselineAt, 'divergences only after it');
});
