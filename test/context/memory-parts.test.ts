// Memories inside messages (content parts): a message holds exactly its whole text's ids, and an
// ablation removes exactly one memory's text, every place it sits, nothing else. The prompts are
// checked as a real server receives them (memscope serve behind the recording proxy), against
// prompts this file renders from text on its own.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { chatToContext } from '../../src/context/chat-format.ts';
import { memoryPlaces } from '../../src/context/context.ts';
import { contextTexts } from '../../src/context/context-texts.ts';
import { parseContext } from '../../src/context/load-context.ts';
import { contextToNative, nativeToContext } from '../../src/context/native-format.ts';
import { IM_END } from '../../src/context/template.ts';
import { PromptLayout, fullRange } from '../../src/scoring/prompt.ts';
import { PARTS_CHAT, rendered } from '../support/parts-chat.ts';
import { runCli, startProcess, startServe, tempDir, testScript, type RunningServer } from '../support/helpers.ts';

describe('memory parts', () => {
  test('a message with memory parts holds exactly its whole text\'s ids; a key in two places is one memory', () => {
    const context = chatToContext(PARTS_CHAT);
    const layout = new PromptLayout(context, fullRange(context));
    assert.deepEqual([...layout.full], rendered(PARTS_CHAT));
    assert.deepEqual(
      memoryPlaces(context).map((p) => `${p.key}@${p.section}`),
      ['persona@system', 'human@system', 'human@identity', 'likes-go@conversation', 'tea@conversation', 'deploy@conversation', 'oncall@conversation'],
    );
  });

  test('each ablation removes exactly that memory\'s text, everywhere it sits; responses keep their spans', () => {
    const context = chatToContext(PARTS_CHAT);
    const layout = new PromptLayout(context, fullRange(context));
    for (const key of ['persona', 'human', 'likes-go', 'tea', 'deploy', 'oncall']) {
      const prompt = layout.build({ kind: 'skip-key', key });
      assert.deepEqual([...prompt], rendered(PARTS_CHAT, key), key);
      // Every response span still starts after an assistant header and ends with <|im_end|>.
      for (const span of layout.spans({ kind: 'skip-key', key })) assert.equal(prompt[span.end - 1], IM_END, key);
    }
    const none = layout.build({ kind: 'skip-all-memories' });
    assert.equal(none.length, layout.full.length - layout.memories.reduce((n, m) => n + m.to - m.from, 0));
  });

  test('the native form keeps memory nodes among a message\'s children, ids unchanged', () => {
    const context = chatToContext(PARTS_CHAT);
    const native = contextToNative(context);
    const system = native.sections[0]!.nodes[0]!;
    assert.equal(system.type, 'message');
    assert.deepEqual(
      system.type === 'message' ? system.children.map((c) => (c.type === 'memory' ? c.key : 'content')) : [],
      ['content', 'persona', 'human', 'content'],
    );
    const again = nativeToContext(native);
    assert.deepEqual(new PromptLayout(again, fullRange(again)).full, new PromptLayout(context, fullRange(context)).full);
    assert.deepEqual(contextToNative(again), native);
  });

  test('the detail pane\'s "where": section, message, the words around it, and how many places hold the key', () => {
    const texts = contextTexts(chatToContext(PARTS_CHAT));
    assert.equal(texts.where?.('human'), 'system message in system · after "…one sentence. </value> </persona>" · before "</memory_blocks>" · in 2 places');
    assert.equal(texts.where?.('tea'), 'user message at entry 0 · after "…- Maya likes Go." · before "Answer briefly."');
    assert.equal(texts.where?.('oncall'), 'memory turn at entry 4 · after "…go through make release." · before "Who deploys, and who…"');
    assert.equal(texts.memory('deploy'), 'Deploys go through make release.');
    assert.equal(texts.where?.('nothing'), undefined);
    // The row label's count: every part and turn with the key.
    assert.deepEqual(['human', 'persona', 'tea', 'oncall', 'nothing'].map((key) => texts.places?.(key)), [2, 1, 1, 1, 0]);
  });

  test('a memory whose edge cuts a token is refused, naming the memory and its place', () => {
    const chat = { conversation: [{ role: 'user', content: ['I like', { memory: 'drink', text: 's tea' }, '.'] }, { role: 'assistant', content: 'ok' }] };
    assert.throws(() => parseContext('c.json', JSON.stringify(chat)), /^InputError: c\.json: \$\.conversation\[0\]\.content\[1\]: memory "drink": the tokenizer merges text across its edge/);
  });

  for (const [name, chat, expected] of [
    ['a memory in an assistant message', { conversation: [{ role: 'assistant', content: [{ memory: 'k', text: 'x' }] }] }, /^c\.json: \$\.conversation\[0\]\.content\[0\]: an assistant message is a response/],
    ['one key for two texts', { system: [{ memory: 'k', text: 'a' }], conversation: [{ role: 'user', content: [{ memory: 'k', text: 'b' }] }] }, /^c\.json: \$\.conversation\[0\]\.content\[0\]: memory "k" is used for two different texts/],
    ['a bad part', { conversation: [{ role: 'user', content: [{ memory: '', text: 'x' }] }] }, /^c\.json: \$\.conversation\[0\]\.content\[0\]\.memory: a memory key must not be empty/],
    ['content of the wrong type', { conversation: [{ role: 'user', content: 5 }] }, /^c\.json: \$\.conversation\[0\]\.content: Invalid input: expected string or array, received number/],
    ['tool calls on a user message', { conversation: [{ role: 'user', content: 'x', tool_calls: [] }] }, /^c\.json: \$\.conversation\[0\]\.tool_calls: only assistant messages make tool calls/],
  ] as const) {
    test(`bad input: ${name}`, () => {
      assert.throws(() => parseContext('c.json', JSON.stringify(chat)), (error: Error) => {
        assert.match(error.message, expected);
        return true;
      });
    });
  }
});

describe('memory parts, as a server receives them', () => {
  let serve: RunningServer;
  before(async () => {
    serve = await startServe();
  });
  after(() => serve.stop());

  test('the baseline is the messages as sent; each other call removes exactly one memory\'s text', async () => {
    const dir = await tempDir();
    const log = `${dir.path}/calls.jsonl`;
    const proxy = await startProcess([testScript('servers/proxy.ts')], { UPSTREAM: `http://127.0.0.1:${serve.port}`, LOG: log });
    try {
      await writeFile(`${dir.path}/chat.json`, JSON.stringify(PARTS_CHAT));
      const run = await runCli(['score', `${dir.path}/chat.json`, '--json', '--url', `${proxy.url}/v1`, '--concurrency', '1']);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as { memories: { key: string }[] };
      const prompts = (await readFile(log, 'utf8')).trim().split('\n').map((line) => JSON.stringify((JSON.parse(JSON.parse(line).body) as { prompt: number[] }).prompt));
      const keys = result.memories.map((m) => m.key);
      assert.deepEqual(keys, ['persona', 'human', 'likes-go', 'tea', 'deploy', 'oncall']);
      // Prompts end with the last response (nothing after it is sent), as here.
      const expected = [rendered(PARTS_CHAT), ...keys.map((key) => rendered(PARTS_CHAT, key))].map((ids) => JSON.stringify(ids));
      assert.deepEqual([...prompts].sort(), [...expected].sort());
    } finally {
      await proxy.stop();
      await dir.remove();
    }
  });
});
