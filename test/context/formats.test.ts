import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contextToNative, nativeToContext } from '../../src/context/native-format.ts';
import { parseContext } from '../../src/context/load-context.ts';
import { buildPrompt, fullRange, NO_FILTER } from '../../src/scoring/prompt.ts';
import { jsonPath, lineColumn } from '../../src/core/json-path.ts';

const chat = {
  model: 'm1',
  system: 'sys',
  identity: ['id one'],
  journal: ['journal one', 'journal two'],
  conversation: [
    { role: 'user', content: 'hello' },
    { role: 'memory', key: 'k1', content: 'a fact' },
    { role: 'tool', content: 'ok' },
    { role: 'assistant', content: 'the fact' },
  ],
};

test('chat format: sections become nodes in order; memories are leaves; messages are branches', () => {
  const { format, context } = parseContext('c.json', JSON.stringify(chat));
  assert.equal(format, 'chat');
  assert.equal(context.model, 'm1');
  assert.equal(context.sections.system.length, 1);
  assert.equal(context.sections.identity.length, 1);
  assert.equal(context.sections.journal.length, 2);
  const [user, memory, tool, assistant] = context.sections.conversation.map((n) => n);
  assert.equal(user?.kind, 'message');
  assert.deepEqual(memory?.kind === 'memory' && [memory.key, memory.text], ['k1', 'a fact']);
  assert.equal(tool?.kind === 'message' && tool.role, 'tool');
  assert.equal(assistant?.kind === 'message' && assistant.role, 'assistant');
});

test('native format round-trips: same prompt, same texts, same keys', () => {
  const { context } = parseContext('c.json', JSON.stringify(chat));
  const native = contextToNative(context);
  const again = parseContext('n.json', JSON.stringify(native));
  assert.equal(again.format, 'native');
  assert.deepEqual(buildPrompt(again.context, fullRange(again.context), NO_FILTER), buildPrompt(context, fullRange(context), NO_FILTER));
  assert.deepEqual(contextToNative(again.context), native);
  assert.deepEqual(contextToNative(nativeToContext(native)), native);
});

test('native format keeps memory_scores of assistant messages', () => {
  const { context } = parseContext('c.json', JSON.stringify(chat));
  const assistant = context.sections.conversation[3]!;
  assert.equal(assistant.kind, 'message');
  if (assistant.kind === 'message') assistant.memoryScores.set('k1', 3.5);
  const native = JSON.parse(JSON.stringify(contextToNative(context)));
  assert.deepEqual(native.sections[3].nodes[3].memory_scores, { k1: 3.5 });
  const again = parseContext('n.json', JSON.stringify(native)).context.sections.conversation[3]!;
  assert.equal(again.kind === 'message' && again.memoryScores.get('k1'), 3.5);
});

function problem(text: string): string {
  try {
    parseContext('ctx.json', text);
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('expected an error');
}

// The native form as plain JSON, to break on purpose.
interface NativeJson { version: number; sections: { nodes: { open: number[]; tokens: number[] }[] }[] }
const native = () => JSON.parse(JSON.stringify(contextToNative(parseContext('c.json', JSON.stringify(chat)).context))) as NativeJson;

const cases: [string, () => string, RegExp][] = [
  ['malformed JSON gives line and column', () => '{\n  "conversation": [\n    {"role": "user",, }\n  ]\n}', /^ctx\.json: line 3, column 21: invalid JSON/],
  ['truncated JSON', () => '{"conversation": [', /^ctx\.json: line 1, column 19: invalid JSON/],
  ['not an object', () => '[1,2]', /^ctx\.json: \$: expected a JSON object, found an array/],
  ['neither format', () => '{"messages": []}', /^ctx\.json: \$: not a memscope context/],
  ['unknown role', () => JSON.stringify({ conversation: [{ role: 'wizard', content: 'x' }] }), /^ctx\.json: \$\.conversation\[0\]\.role: "wizard" is not allowed: expected one of "user", "assistant", "tool", "memory", "system"$/],
  ['memory without key', () => JSON.stringify({ conversation: [{ role: 'memory', content: 'x' }] }), /^ctx\.json: \$\.conversation\[0\]\.key: a memory needs a "key"/],
  ['key on a non-memory', () => JSON.stringify({ conversation: [{ role: 'user', content: 'x', key: 'k' }] }), /^ctx\.json: \$\.conversation\[0\]\.key: "key" is only allowed on memories/],
  ['empty conversation', () => JSON.stringify({ conversation: [] }), /^ctx\.json: \$\.conversation: the conversation is empty/],
  ['wrong type', () => JSON.stringify({ conversation: [{ role: 'user', content: 5 }] }), /^ctx\.json: \$\.conversation\[0\]\.content: Invalid input: expected string/],
  ['unknown field', () => JSON.stringify({ conversation: [{ role: 'user', content: 'x', extra: 1 }] }), /^ctx\.json: \$\.conversation\[0\]: unknown field "extra"/],
  ['non-integer token id', () => { const n = native(); n.sections[3]!.nodes[0]!.open[0] = 1.5; return JSON.stringify(n); }, /^ctx\.json: \$\.sections\[3\]\.nodes\[0\]\.open\[0\]: token ids are whole numbers/],
  ['negative token id', () => { const n = native(); n.sections[3]!.nodes[1]!.tokens[2] = -4; return JSON.stringify(n); }, /^ctx\.json: \$\.sections\[3\]\.nodes\[1\]\.tokens\[2\]: token ids are not negative/],
  ['out-of-vocabulary token id', () => { const n = native(); n.sections[3]!.nodes[1]!.tokens[2] = 1 << 17; return JSON.stringify(n); }, /^ctx\.json: \$\.sections\[3\]\.nodes\[1\]\.tokens\[2\]: token id 131072 is outside the vocabulary/],
  ['duplicate section', () => { const n = native(); n.sections.push(n.sections[3]!); return JSON.stringify(n); }, /^ctx\.json: \$\.sections\[4\]\.name: duplicate section "conversation"/],
  ['newer version', () => { const n = native(); n.version = 7; return JSON.stringify(n); }, /^ctx\.json: \$\.version: format version 7 is newer/],
  ['a session file', () => '{"format":"memscope-session","version":1}', /session recording, not a context/],
];

for (const [name, text, expected] of cases) {
  test(`bad input: ${name}`, () => {
    const message = problem(text());
    assert.match(message, expected);
    assert.equal(message.includes('\n'), false, 'one line');
  });
}

test('json paths and line/column positions read the way people write them', () => {
  assert.equal(jsonPath(['conversation', 3, 'key']), '$.conversation[3].key');
  assert.equal(jsonPath(['memory_scores', 'a key']), '$.memory_scores["a key"]');
  assert.deepEqual(lineColumn('ab\ncd\nef', 7), { line: 3, column: 2 });
});
