import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assistantSpans, scoreResponses, tokenLogprobs } from '../../src/builtin/builtin-model.ts';
import { chatToContext } from '../../src/context/chat-format.ts';
import { buildPrompt, fullRange, NO_FILTER } from '../../src/scoring/prompt.ts';
import { IM_END, builtinTemplate } from '../../src/context/template.ts';
import { tokenize } from '../../src/context/tokenizer.ts';

const header = builtinTemplate.open('assistant');

test('the tokenizer is deterministic and keeps leading spaces with words', () => {
  assert.deepEqual(tokenize('deploy the billing'), tokenize('deploy the billing'));
  assert.equal(tokenize('deploy the billing').length, 3);
  assert.notEqual(tokenize(' deploy')[0], tokenize('deploy')[0]);
  for (const id of tokenize('a b, c!\n\t')) assert.ok(id >= 16);
});

test('assistant spans cover content and the end-of-turn token, not the header', () => {
  const context = chatToContext({
    conversation: [
      { role: 'user', content: 'question' },
      { role: 'assistant', content: 'answer one' },
      { role: 'memory', key: 'k', content: 'fact' },
      { role: 'assistant', content: 'answer two words' },
    ],
  });
  const prompt = buildPrompt(context, fullRange(context), NO_FILTER);
  const spans = assistantSpans(prompt, header);
  assert.equal(spans.length, 2);
  for (const [i, text] of ['answer one', 'answer two words'].entries()) {
    const { start, end } = spans[i]!;
    assert.deepEqual([...prompt.slice(start, end)], [...tokenize(text), IM_END]);
    assert.deepEqual([...prompt.slice(start - header.length, start)], header);
  }
});

test('the model is a proper distribution: next-token probabilities over a vocabulary sum to 1', async () => {
  const V = 64;
  const history = [1, 9, 10, 5, 6, 7, 5, 6, 8, 2, 5, 6, 7, 7, 5, 6];
  let total = 0;
  for (let t = 0; t < V; t++) {
    const logprobs = await tokenLogprobs(Uint32Array.from([...history, t]), { vocab: V });
    total += Math.exp(logprobs.at(-1)!);
  }
  assert.ok(Math.abs(total - 1) < 1e-9, `sum of p = ${total}`);
});

test('context matters: a response that repeats earlier text is far more likely', async () => {
  const with_ = chatToContext({
    conversation: [
      { role: 'memory', key: 'k', content: 'the vault path is kv/billing/prod and Rosa owns it' },
      { role: 'assistant', content: 'the vault path is kv/billing/prod and Rosa owns it' },
    ],
  });
  const without = chatToContext({ conversation: [{ role: 'assistant', content: 'the vault path is kv/billing/prod and Rosa owns it' }] });
  const score = async (c: typeof with_) => (await scoreResponses(buildPrompt(c, fullRange(c), NO_FILTER), { vocab: 1 << 17, assistantHeader: header }))[0]!;
  const a = await score(with_);
  const b = await score(without);
  assert.ok(a < 0 && b < 0);
  assert.ok(a - b > 50, `with ${a}, without ${b}`);
});
