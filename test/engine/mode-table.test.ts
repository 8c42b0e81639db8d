// The mode table: every mode says which prompt ranges it sends, and the context-length check
// (longestPrompt) measured from them is the longest prompt the mode's run really sends.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { chatToContext } from '../../src/context/chat-format.ts';
import type { Context } from '../../src/context/context.ts';
import { loadContext } from '../../src/context/load-context.ts';
import { memoryRefs } from '../../src/engine/conversation.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import { SCORING_MODES, type ModeName, type ModeOptions } from '../../src/engine/mode-table.ts';
import { WeightStore } from '../../src/engine/weight-store.ts';
import { longestPrompt } from '../../src/run/longest-prompt.ts';
import { promptLength } from '../../src/scoring/prompt.ts';
import type { ScoreCall, Scorer } from '../../src/scoring/scorer.ts';
import { fixture, tempDir } from '../support/helpers.ts';

/** The built-in model, keeping the length of every prompt it is sent. */
class LengthRecorder implements Scorer {
  readonly backend = 'recording';
  readonly lengths: number[] = [];
  private readonly inner = new BuiltinScorer();
  async score(call: ScoreCall): Promise<number[]> {
    this.lengths.push(call.prompt.length);
    return this.inner.score(call);
  }
  async close() {}
}

async function sentLengths(context: Context, options: ModeOptions): Promise<number[]> {
  const scorer = new LengthRecorder();
  await new ScoringEngine(context, { scorer, model: 'm', concurrency: 3 }).run(options);
  return scorer.lengths;
}

// Typed by the table: a new mode does not compile here until it has an example.
const examples: { [K in ModeName]: (context: Context, store: WeightStore) => Extract<ModeOptions, { mode: K }> } = {
  full: () => ({ mode: 'full' }),
  search: () => ({ mode: 'search', threshold: 1 }),
  estimate: () => ({ mode: 'estimate', count: 6, seed: 2 }),
  single: (context) => ({ mode: 'single', key: memoryRefs(context.sections.conversation)[3]!.key }),
  incremental: (_, store) => ({ mode: 'incremental', store, maxAgeSeconds: 0, window: 4, alpha: 0.3, now: 1000 }),
  finetune: () => ({ mode: 'finetune', count: 7 }),
};

for (const name of Object.keys(SCORING_MODES) as ModeName[]) {
  test(`${name}: the longest prompt it says it sends is the longest it sends`, async () => {
    const dir = await tempDir();
    try {
      const { context } = await loadContext(fixture('medium.json'));
      const options = examples[name](context, await WeightStore.open(join(dir.path, 'weights.json')));
      const longest = longestPrompt(context, options);
      const sent = await sentLengths(context, options);
      assert.ok(sent.length >= 2, `${sent.length} calls`);
      assert.equal(Math.max(...sent), longest);
    } finally {
      await dir.remove();
    }
  });
}

test('incremental: a memory is scored from its first appearance only, and one past the token cutoff not at all', async () => {
  const context = chatToContext({
    conversation: [
      { role: 'memory', key: 'a', content: 'The deploy key is blue.' },
      { role: 'assistant', content: 'Noted.' },
      { role: 'user', content: 'What colour is it again?' },
      { role: 'memory', key: 'a', content: 'The deploy key is blue.' },
      { role: 'assistant', content: `It is blue. ${'Blue, as the memory says, and the deploy uses it. '.repeat(20)}` },
      { role: 'memory', key: 'late', content: 'Rollbacks take ten minutes.' },
      { role: 'assistant', content: 'Rollbacks take ten minutes.' },
    ],
  });
  const dir = await tempDir();
  try {
    const options: ModeOptions = { mode: 'incremental', store: await WeightStore.open(join(dir.path, 'w.json')), maxAgeSeconds: 0, window: 1, alpha: 0.3, now: 1000 };
    const longest = longestPrompt(context, options);
    assert.equal(longest, promptLength(context, { start: 0, end: 2 }), 'the first appearance of a, up to one response');
    // The later repeat's window is longer, but never sent; the late memory is not scored at all.
    assert.ok(promptLength(context, { start: 3, end: 5 }) > longest);
    assert.ok(promptLength(context, { start: 5, end: 7 }) > longest);
    const sent = await sentLengths(context, options);
    assert.equal(sent.length, 2, 'a baseline and an ablation, for a alone');
    assert.equal(Math.max(...sent), longest);
  } finally {
    await dir.remove();
  }
});
