import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryRefs } from '../../src/engine/conversation.ts';
import { loadContext } from '../../src/context/load-context.ts';
import { PromptLayout, buildPrompt, type Filter } from '../../src/scoring/prompt.ts';
import { seededRandom } from '../../src/core/seeded-random.ts';
import { fixture } from '../support/helpers.ts';

test('a prompt layout builds exactly the prompts buildPrompt does, for every kind of filter and range', async () => {
  const { context } = await loadContext(fixture('medium.json'));
  const entries = context.sections.conversation;
  const keys = memoryRefs(entries).map((m) => m.key);
  const random = seededRandom(2);
  const filters: Filter[] = [
    { kind: 'none' },
    { kind: 'skip-all-memories' },
    ...keys.map((key): Filter => ({ kind: 'skip-key', key })),
    ...[0, 1, 2, 3].map((): Filter => ({ kind: 'skip-keys', keys: new Set(keys.filter(() => random() < 0.5)) })),
    { kind: 'skip-keys', keys: new Set(keys) },
    { kind: 'skip-keys', keys: new Set() },
  ];
  for (const range of [
    { start: 0, end: entries.length },
    { start: 17, end: 90 },
    { start: 0, end: 1 },
    { start: 5, end: 5 },
  ]) {
    const layout = new PromptLayout(context, range);
    for (const filter of filters) {
      const built = layout.build(filter);
      assert.deepEqual(built, buildPrompt(context, range, filter), `${range.start}..${range.end} ${filter.kind}`);
      const { prompt, runs } = layout.buildWithRuns(filter);
      const joined: number[] = [];
      for (let k = 0; k < runs.length; k += 2) joined.push(...layout.full.subarray(runs[k], runs[k + 1]));
      assert.deepEqual(Uint32Array.from(joined), prompt, 'the runs make the prompt');
      built[0] = 999_999; // a copy: changing it does not change the layout
    }
    assert.deepEqual(layout.build({ kind: 'none' }), buildPrompt(context, range, { kind: 'none' }));
  }
});
