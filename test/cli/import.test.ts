// memscope import and score --memories, through the built bundle: the four agent-log fixtures
// (fixtures/agents), what survives the round trip, bad input (one line naming the file and the
// place, exit 2, nothing written), and the prompts a server receives for an imported log.
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { ChatContextSchema, type ChatContext } from '../../src/context/chat-format.ts';
import { contentText } from '../../src/context/content-parts.ts';
import { fixture, runCli, startProcess, startServe, tempDir, testScript, type RunningServer } from '../support/helpers.ts';

const agents = (name: string) => fixture(`agents/${name}`);

async function imported(args: string[]): Promise<{ chat: ChatContext; stderr: string }> {
  const run = await runCli(['import', ...args]);
  assert.equal(run.code, 0, run.stderr);
  return { chat: ChatContextSchema.parse(JSON.parse(run.stdout)), stderr: run.stderr };
}

/** Every memory part's key in the chat, in order. */
function partKeys(chat: ChatContext): string[] {
  const contents = [chat.system, ...(chat.identity ?? []), ...chat.conversation.map((m) => m.content)];
  return contents.flatMap((c) => (c === undefined || typeof c === 'string' ? [] : c.flatMap((p) => (typeof p === 'string' ? [] : [p.memory]))));
}

/** An OTLP trace of one LLM call with these system instruction parts, one user message and one answer. */
function otelTrace(system: unknown[]) {
  const attribute = (key: string, value: unknown) => ({ key, value: { stringValue: JSON.stringify(value) } });
  const attributes = [
    attribute('gen_ai.system_instructions', system),
    attribute('gen_ai.input.messages', [{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }]),
    attribute('gen_ai.output.messages', [{ role: 'assistant', parts: [{ type: 'text', content: 'Hello.' }] }]),
  ];
  return { resourceSpans: [{ scopeSpans: [{ spans: [{ spanId: 'a1', endTimeUnixNano: '1', attributes }] }] }] };
}

describe('memscope import', () => {
  test('text parts of one message are joined by a line break, as vLLM joins them, written as a part of its own', async () => {
    const dir = await tempDir();
    try {
      const log = [
        { role: 'system', content: [{ type: 'text', text: 'You are Ada.' }, { type: 'text', text: 'User Memories:\n- Maya drinks tea.\n' }] },
        { role: 'user', content: 'Tea or coffee?' },
        { role: 'assistant', content: 'Tea.' },
      ];
      await writeFile(`${dir.path}/log.json`, JSON.stringify(log));
      const { chat } = await imported([`${dir.path}/log.json`, '--memories', 'bullets:User Memories']);
      assert.deepEqual(chat.system, ['You are Ada.', '\n', 'User Memories:\n', { memory: 'maya-drinks-tea', text: '- Maya drinks tea.\n' }]);
      assert.equal(contentText(chat.system), 'You are Ada.\nUser Memories:\n- Maya drinks tea.\n');
      // The same in an OTLP trace's system instructions.
      await writeFile(`${dir.path}/trace.json`, JSON.stringify(otelTrace([{ type: 'text', content: 'You are Ada.' }, { type: 'text', content: 'Be brief.' }])));
      const otel = await imported([`${dir.path}/trace.json`, '--memories', 'regex:(?<text>Be brief\\.)']);
      assert.equal(contentText(otel.chat.system!), 'You are Ada.\nBe brief.');
    } finally {
      await dir.remove();
    }
  });

  test('tool definitions are said, not refused: import and score --memories print one note naming the place', async () => {
    const dir = await tempDir();
    try {
      const tools = [{ type: 'function', function: { name: 'search_memory', parameters: { type: 'object' } } }, { type: 'function', function: { name: 'send', parameters: {} } }];
      const log = { model: 'm', tools, messages: [{ role: 'system', content: 'Notes:\n- Maya drinks tea.\n' }, { role: 'user', content: 'Tea?' }, { role: 'assistant', content: 'Tea.' }] };
      await writeFile(`${dir.path}/log.json`, JSON.stringify(log));
      const note = /note: \S+log\.json: \$\.tools: the 2 tool definitions are not in the scored prompt: the built-in templates do not render tools, where the model's own template puts them in its system prompt\n/;
      const { stderr } = await imported([`${dir.path}/log.json`, '--memories', 'bullets:Notes']);
      assert.match(stderr, note);
      const run = await runCli(['score', `${dir.path}/log.json`, '--memories', 'bullets:Notes', '--json']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, new RegExp(`^memscope: ${note.source}`));
      assert.equal(JSON.parse(run.stdout).memories.length, 1);
    } finally {
      await dir.remove();
    }
  });

  test('letta: each memory block is its element and the line breaks after it, keyed by label; the system text is unchanged', async () => {
    const log = JSON.parse(await readFile(agents('letta-blocks.json'), 'utf8')) as { messages: { content: string }[] };
    const { chat, stderr } = await imported([agents('letta-blocks.json'), '--memories', 'letta']);
    assert.deepEqual(partKeys(chat), ['persona', 'human', 'shop_policies', 'inventory']);
    assert.equal(contentText(chat.system!), log.messages[0]!.content);
    const human = (chat.system as { memory: string; text: string }[]).find((p) => typeof p !== 'string' && p.memory === 'human')!;
    assert.match(human.text, /^<human>\n<description>\n[\s\S]*<\/value>\n<\/human>\n\n$/);
    assert.match(stderr, /^found 4 memories \(4 keys\):\n {2}persona +system message \$\.messages\[0\] +letta +"I am Juno\. I am patient/);
  });

  test('bullets: each bullet under the heading, keyed by a slug of its text', async () => {
    const { chat } = await imported([agents('mem0-bullets.json'), '--memories', 'bullets:User Memories:']);
    assert.deepEqual(partKeys(chat), ['tomas-is-vegetarian-since-2021', 'he-is-allergic-to-cashews', 'he-cooks-for-two-on-weeknights', 'he-owns-a-cast-iron-skillet-and-a-pressure', 'he-dislikes-coriander']);
    const parts = chat.system as (string | { memory: string; text: string })[];
    assert.deepEqual(parts[2], { memory: 'he-is-allergic-to-cashews', text: '- He is allergic to cashews.\n' });
    // The last bullet takes the blank line after it: ".\n\n" is one token in byte-level BPE.
    assert.deepEqual(parts[5], { memory: 'he-dislikes-coriander', text: '- He dislikes coriander.\n\n' });
  });

  test('tool: each result of the tool, keyed by its call\'s arguments; tool calls, name and tool_call_id survive', async () => {
    const { chat } = await imported([agents('tool-recall.json'), '--memories', 'tool:search_memory']);
    assert.deepEqual(partKeys(chat), ['payments-api-502', 'payments-api-on-call-owner', 'payments-api-rollback-runbook']);
    const call = chat.conversation[1]!;
    assert.equal(call.role, 'assistant');
    assert.deepEqual(call.tool_calls, [{ id: 'call_1', type: 'function', function: { name: 'search_memory', arguments: '{"query": "payments-api 502"}' } }]);
    const result = chat.conversation[2]!;
    assert.equal(result.tool_call_id, 'call_1');
    assert.equal(result.name, 'search_memory');
    // The written chat loads as a context (tool calls rendered into the response it was part of).
    const dir = await tempDir();
    try {
      await writeFile(`${dir.path}/chat.json`, JSON.stringify(chat));
      const again = await runCli(['convert', `${dir.path}/chat.json`]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /<tool_call>\\n\{\\"name\\":\\"search_memory\\",\\"arguments\\":\{\\"query\\":\\"payments-api 502\\"\}\}\\n<\/tool_call>/);
    } finally {
      await dir.remove();
    }
  });

  test('an OTLP trace: the last LLM call (or --span), system instructions, input and output messages, rules mixed', async () => {
    const { chat } = await imported([agents('mixed-otel.json'), '--memories', 'letta', 'bullets:Relevant memories', 'tool:recall']);
    assert.deepEqual(partKeys(chat), ['human', 'trip', 'lena-s-last-trip-was-vienna-by-night-train-which', 'lena-gets-seasick-on-ferries', 'lena-holds-a-bahncard-50', 'lyon-train-bike', 'lyon-vegetarian-restaurant']);
    assert.equal(chat.model, 'memscope-builtin');
    assert.equal(chat.conversation.at(-1)!.role, 'assistant');
    assert.match(contentText(chat.conversation.at(-1)!.content), /^Le Potager des Halles/);
    const first = await imported([agents('mixed-otel.json'), '--span', 'a1b2c3d4e5f60718', '--memories', 'letta']);
    assert.deepEqual(first.chat.conversation.map((m) => m.role), ['user', 'assistant']);
    assert.equal(first.chat.conversation[1]!.tool_calls?.[0]?.function.name, 'recall');
  });

  test('regex: the text group is the memory, the key group its key', async () => {
    const dir = await tempDir();
    try {
      const log = [
        { role: 'system', content: 'Notes:\n[k1] Prefers email.\n[k2] Lives in Oslo.\n' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
      ];
      await writeFile(`${dir.path}/log.json`, JSON.stringify(log));
      const { chat } = await imported([`${dir.path}/log.json`, '--memories', 'regex:^\\[(?<key>\\w+)\\] (?<text>.*\\n)']);
      assert.deepEqual(chat.system, ['Notes:\n[k1] ', { memory: 'k1', text: 'Prefers email.\n' }, '[k2] ', { memory: 'k2', text: 'Lives in Oslo.\n' }]);
    } finally {
      await dir.remove();
    }
  });

  for (const [name, log, rules, expected] of [
    ['malformed JSON', '[{"role": "user",, }]', ['letta'], /^memscope: \S+log\.json: line 1, column 18: invalid JSON/],
    ['an unknown role', JSON.stringify([{ role: 'wizard', content: 'x' }]), ['letta'], /^memscope: \S+log\.json: \$\[0\]\.role: "wizard" is not allowed: expected one of "system", "developer", "user", "assistant", "tool"$/],
    ['an image part', JSON.stringify({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'x' } }] }] }), ['letta'], /^memscope: \S+log\.json: \$\.messages\[0\]\.content\[1\]: a "image_url" part cannot be scored: memscope scores the text a model was sent, and leaving it out would score a prompt the agent never sent \(text parts can\)$/],
    ['an audio part', JSON.stringify([{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }]), ['letta'], /^memscope: \S+log\.json: \$\[0\]\.content\[0\]: a "input_audio" part cannot be scored/],
    ['a legacy function_call', JSON.stringify([{ role: 'user', content: 'weather?' }, { role: 'assistant', content: null, function_call: { name: 'get_weather', arguments: '{}' } }]), ['letta'], /^memscope: \S+log\.json: \$\[1\]\.function_call: a function_call \(the legacy function-calling form\) is not read: .*; write it as the assistant's tool_calls and a tool message answering it to score it$/],
    ['a legacy function message', JSON.stringify([{ role: 'user', content: 'weather?' }, { role: 'function', name: 'get_weather', content: 'sunny' }]), ['letta'], /^memscope: \S+log\.json: \$\[1\]\.role: a "function" message \(the legacy function-calling form\) is not read/],
    ['an image in OTel system instructions', JSON.stringify(otelTrace([{ type: 'text', content: 'You are Ada.' }, { type: 'blob', modality: 'image', content: 'AAAA' }])), ['regex:(?<text>Ada)'], /^memscope: \S+log\.json: \$\.resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.attributes\[0\]\.value\.stringValue\[1\]: a "blob" part cannot be scored/],
    ['a rule that matches nothing', JSON.stringify([{ role: 'system', content: 'no blocks' }, { role: 'user', content: 'x' }]), ['letta'], /^memscope: --memories letta: matches nothing in \S+log\.json$/],
    ['a key for two texts', JSON.stringify([{ role: 'system', content: 'Notes:\n- a\n' }, { role: 'user', content: 'Notes:\n- A!\n' }]), ['bullets:Notes'], /^memscope: \S+log\.json: \$\[1\]: memory "a" is used for two different texts \(the other at \$\[0\]\)/],
    ['an unknown rule', '[]', ['mem0'], /^memscope: --memories mem0: unknown rule; expected letta, bullets:HEADING, tool:NAME or regex:PATTERN$/],
  ] as const) {
    test(`bad input: ${name}: one line, exit 2, nothing written`, async () => {
      const dir = await tempDir();
      try {
        await writeFile(`${dir.path}/log.json`, log);
        const out = `${dir.path}/out.json`;
        const run = await runCli(['import', `${dir.path}/log.json`, '-o', out, '--memories', ...rules]);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr.trim(), expected);
        assert.equal(run.stderr.trim().split('\n').length, 1);
        await assert.rejects(stat(out));
      } finally {
        await dir.remove();
      }
    });
  }
});

describe('score --memories, as a server receives it', () => {
  let serve: RunningServer;
  before(async () => {
    serve = await startServe();
  });
  after(() => serve.stop());

  test('the baseline is the log\'s messages as sent; each call removes one memory block\'s text; the header records the rules', async () => {
    const dir = await tempDir();
    const log = `${dir.path}/calls.jsonl`;
    const proxy = await startProcess([testScript('servers/proxy.ts')], { UPSTREAM: `http://127.0.0.1:${serve.port}`, LOG: log });
    try {
      const session = `${dir.path}/s.jsonl`;
      const run = await runCli(['score', agents('letta-blocks.json'), '--memories', 'letta', '--json', '--url', `${proxy.url}/v1`, '--record', session]);
      assert.equal(run.code, 0, run.stderr);
      const header = JSON.parse((await readFile(session, 'utf8')).split('\n')[0]!) as { source: { imported: unknown } };
      assert.deepEqual(header.source.imported, { log: 'openai', rules: ['letta'] });
      // The same prompts from the log with each block's text deleted, written as a chat of plain strings.
      const messages = (JSON.parse(await readFile(agents('letta-blocks.json'), 'utf8')) as { messages: { role: string; content: string }[] }).messages;
      const blocks = [...messages[0]!.content.matchAll(/<(persona|human|shop_policies|inventory)>[\s\S]*?<\/\1>\n*/g)].map((m) => m[0]);
      const expected: string[] = [];
      for (const drop of [undefined, ...blocks]) {
        const chat = { system: drop === undefined ? messages[0]!.content : messages[0]!.content.replace(drop, ''), conversation: messages.slice(1) };
        await writeFile(`${dir.path}/plain.json`, JSON.stringify(chat));
        const native = JSON.parse((await runCli(['convert', `${dir.path}/plain.json`])).stdout) as { sections: { nodes: { type: string; open?: number[]; children?: { tokens: number[] }[]; close?: number[]; tokens?: number[] }[] }[] };
        expected.push(JSON.stringify(native.sections.flatMap((s) => s.nodes.flatMap((n) => (n.type === 'message' ? [...n.open!, ...n.children!.flatMap((c) => c.tokens), ...n.close!] : n.tokens!)))));
      }
      const received = (await readFile(log, 'utf8')).trim().split('\n').map((line) => JSON.stringify((JSON.parse(JSON.parse(line).body) as { prompt: number[] }).prompt));
      assert.deepEqual(received.sort(), expected.sort());
    } finally {
      await proxy.stop();
      await dir.remove();
    }
  });
});
