// The response spans the engine takes from the AST (buildScorePrompt) and the ones the built-in
// scorer finds in the token ids (assistantSpans) are the same on every prompt the engine builds,
// so that per-token backends and the built-in scorer sum the same tokens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assistantSpans } from '../../src/builtin/builtin-model.ts';
import { isAssistant, type Context } from '../../src/context/context.ts';
import { memoryRefs } from '../../src/engine/conversation.ts';
import { loadContext } from '../../src/context/load-context.ts';
import { NO_FILTER, buildPrompt, buildScorePrompt, fullRange, type Filter } from '../../src/scoring/prompt.ts';
import { IM_END, builtinTemplate } from '../../src/context/template.ts';
import { fixture } from '../support/helpers.ts';

const header = builtinTemplate.open('assistant');

function filters(context: Context): Filter[] {
  return [NO_FILTER, { kind: 'skip-all-memories' }, ...memoryRefs(context.sections.conversation).map(({ key }) => ({ kind: 'skip-key', key }) as const)];
}

for (const name of ['small.json', 'medium.json']) {
  test(`${name}: AST spans equal the built-in scorer's spans on every prompt`, async () => {
    const { context } = await loadContext(fixture(name));
    const entries = context.sections.conversation;
    const ranges = [fullRange(context), { start: 5, end: entries.length - 3 }, { start: entries.length - 10, end: entries.length }];
    let prompts = 0;
    for (const range of ranges) {
      const assistants = entries.slice(range.start, range.end).filter(isAssistant).length;
      for (const filter of filters(context)) {
        const { tokens, spans } = buildScorePrompt(context, range, filter);
        assert.deepEqual(tokens, buildPrompt(context, range, filter));
        assert.equal(spans.length, assistants);
        assert.deepEqual(spans, assistantSpans(tokens, header));
        // Each span ends on the end-of-turn token.
        for (const { end } of spans) assert.equal(tokens[end - 1], IM_END);
        prompts++;
      }
    }
    assert.ok(prompts > 10);
  });
}
