// The model's own chat template: span finding over renderings made by real server processes (the
// vLLM fake's /tokenize with messages, in four template shapes and a non-prefix-stable one), and
// over a tokenizer_config.json or .jinja rendered here and tokenized by the server. Every span is
// checked against ids this file works out on its own from the fake's tokenizer.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compileChatTemplate, isJinjaTemplateFile, loadChatTemplate } from '../../src/context/jinja-template.ts';
import { findTemplateSpans, removedRun, renderMessages, trailingIds, withoutTrailing, type TemplateMessage, type TemplateSpans } from '../../src/context/template-spans.ts';
import { tokenize } from '../../src/context/tokenizer.ts';
import { InputError } from '../../src/core/errors.ts';
import { LocalChatRenderer, ServerChatRenderer } from '../../src/scoring/chat-renderer.ts';
import { FAKE_CHAT_TEMPLATES, tokenizerConfig } from '../servers/chat-templates.ts';
import { startProcess, tempDir, testScript, type RunningServer } from '../support/helpers.ts';

const startVllm = (...extra: string[]) => startProcess([testScript('servers/vllm-wire.ts'), '--port', '0', ...extra]);
const options = (server: RunningServer) => ({ url: server.url, model: null, timeoutMs: 10_000 });

// Each memory begins with its space and is followed by a space-word: its tokens are its own
// whether or not it is there (a memory whose edge merges with its neighbour is refused, below).
const SYSTEM_MEMORY = ' The user deploys on Fridays.';
const USER_MEMORY = ' Staging runs on port 8080.';

/** A chat the alternating templates accept: a system message and a user turn, each with a memory. */
const CHAT: TemplateMessage[] = [
  { role: 'system', parts: ['You help with releases. Known:', { memory: 'fridays', text: SYSTEM_MEMORY }, ' Be brief.'], label: 'the system message' },
  { role: 'user', parts: ['Recalled:', { memory: 'port', text: USER_MEMORY }, ' When do we ship?'], label: 'conversation message 1 (user)' },
  { role: 'assistant', parts: ['On Friday, after staging passes.'], label: 'conversation message 2 (assistant)' },
  { role: 'user', parts: ['Which port?'], label: 'conversation message 3 (user)' },
  { role: 'assistant', parts: ['Port 8080.'], label: 'conversation message 4 (assistant)' },
];

function ids(text: string, specials: Record<string, number>): number[] {
  const names = Object.keys(specials).map((s) => s.replace(/[|[\]\\^$.*+?(){}]/g, '\\$&'));
  return text.split(new RegExp(`(${names.join('|')})`)).flatMap((part) => (part === '' ? [] : specials[part] !== undefined ? [specials[part]] : tokenize(part)));
}

/** What every finding must satisfy, checked from the fake's tokenizer, not from the finder. */
function checkSpans(spans: TemplateSpans, name: keyof typeof FAKE_CHAT_TEMPLATES, eot: string, responsePrefix = ''): void {
  const specials = FAKE_CHAT_TEMPLATES[name]!.specials;
  const responses = CHAT.filter((m) => m.role === 'assistant').map((m) => m.parts.map((part) => (typeof part === 'string' ? part : part.text)).join(''));
  assert.equal(spans.responses.length, responses.length);
  spans.responses.forEach((span, i) => {
    // The content (as the template writes it) and the end-of-turn token, nothing of the header.
    assert.deepEqual(spans.tokens.slice(span.start, span.end), [...ids(responsePrefix + responses[i]!, specials), specials[eot]]);
  });
  for (const [key, text] of [['fridays', SYSTEM_MEMORY], ['port', USER_MEMORY]] as const) {
    const [run, ...more] = spans.memories.get(key)!;
    assert.equal(more.length, 0);
    // Removing the memory deletes its text's ids and nothing else.
    assert.deepEqual(spans.tokens.slice(run!.start, run!.end), ids(text, specials));
  }
}

describe('span finding over the server template (/tokenize with messages)', () => {
  const servers = new Map<string, RunningServer>();
  before(async () => {
    for (const name of ['chatml', 'llama3', 'gemma', 'mistral', 'sysmove', 'phi3']) servers.set(name, await startVllm('--chat-template', name));
  });
  after(async () => {
    for (const server of servers.values()) await server.stop();
  });
  const find = async (name: string, messages = CHAT) => {
    const renderer = new ServerChatRenderer(options(servers.get(name)!));
    try {
      return await findTemplateSpans(name, messages, renderer.render);
    } finally {
      await renderer.close();
    }
  };

  test('phi3: the end-of-text token after the last message is found, left off every rendering, and said', async () => {
    const spans = await find('phi3');
    const { specials } = FAKE_CHAT_TEMPLATES.phi3!;
    checkSpans(spans, 'phi3', '<|end|>');
    assert.deepEqual(spans.trailing, [specials['<|endoftext|>']]);
    // The last message's share ends with its own closing, as in every other message; no token follows it.
    assert.deepEqual(spans.tokens.slice(-2), [specials['<|end|>'], ...ids('\n', specials)]);
    assert.equal(spans.segments.at(-1)!.end, spans.tokens.length);
    assert.equal(spans.notes.length, 1);
    assert.match(spans.notes[0]!, /^template phi3 appends id 11 after the last message .*left off every prompt$/);
  });

  test('chatml: every message its own turn, nothing moves', async () => {
    const spans = await find('chatml');
    checkSpans(spans, 'chatml', '<|im_end|>');
    assert.deepEqual(spans.notes, []);
    // The segments tile the rendering.
    assert.equal(spans.segments[0]!.start, 0);
    assert.equal(spans.segments.at(-1)!.end, spans.tokens.length);
  });

  test('llama3: BOS in the first message, contents trimmed', async () => {
    const spans = await find('llama3');
    checkSpans(spans, 'llama3', '<|eot_id|>');
    assert.equal(spans.tokens[0], FAKE_CHAT_TEMPLATES.llama3!.specials['<|begin_of_text|>']);
  });

  test('gemma: the system message folds into the first user turn; its memory is found there', async () => {
    const spans = await find('gemma');
    checkSpans(spans, 'gemma', '<end_of_turn>');
    // The system message adds only the BOS; its memory lies in the first user turn.
    assert.deepEqual(spans.tokens.slice(spans.segments[0]!.start, spans.segments[0]!.end), [FAKE_CHAT_TEMPLATES.gemma!.specials['<bos>']]);
    const run = spans.memories.get('fridays')![0]!;
    assert.ok(run.start >= spans.segments[1]!.start && run.end <= spans.segments[1]!.end);
    assert.deepEqual(spans.notes, ['memory "fridays" (in the system message) renders inside conversation message 1 (user): the template moves that text there']);
  });

  test('mistral: [INST] turns, a response is " " + content + </s>', async () => {
    const spans = await find('mistral');
    // The space before the content merges into its first word: that token is the model's to predict.
    checkSpans(spans, 'mistral', '</s>', ' ');
    assert.equal(spans.notes.length, 1);
  });

  test('a template that moves the system message to the last user turn is refused, naming the message', async () => {
    await assert.rejects(find('sysmove'), (error: Error) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /^template sysmove: adding conversation message 3 \(user\) changes what it renders for the messages before it \(from token \d+ of \d+\).*refuses/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  });

  test('a memory in two places: each place found, and removing both at once checked', async () => {
    const twice: TemplateMessage[] = [
      { role: 'user', parts: ['Recalled:', { memory: 'port', text: USER_MEMORY }, ' Ship?'], label: 'message 1 (user)' },
      { role: 'assistant', parts: ['Yes.'], label: 'message 2 (assistant)' },
      { role: 'user', parts: ['Again:', { memory: 'port', text: USER_MEMORY }, ' Sure?'], label: 'message 3 (user)' },
      { role: 'assistant', parts: ['Sure.'], label: 'message 4 (assistant)' },
    ];
    const spans = await find('chatml', twice);
    const runs = spans.memories.get('port')!;
    assert.equal(runs.length, 2);
    for (const run of runs) assert.deepEqual(spans.tokens.slice(run.start, run.end), ids(USER_MEMORY, FAKE_CHAT_TEMPLATES.chatml!.specials));
    assert.ok(runs[0]!.end <= spans.segments[1]!.start && runs[1]!.start >= spans.segments[2]!.start);
  });

  test('a memory turn is removed whole: its run is its message', async () => {
    const turn: TemplateMessage[] = [
      { role: 'user', parts: ['port\nStaging runs on port 8080'], memory: 'port', label: 'message 1 (memory)' },
      { role: 'user', parts: ['Which port?'], label: 'message 2 (user)' },
      { role: 'assistant', parts: ['8080.'], label: 'message 3 (assistant)' },
    ];
    const spans = await find('chatml', turn);
    assert.deepEqual(spans.memories.get('port'), [spans.segments[0]]);
  });

  test('a memory whose edge merges with the text beside it is refused, naming the memory', async () => {
    // The memory's trailing space and the newline after it are one whitespace token; without the
    // memory the newline is a token of its own: its removal changes a token that is not its own.
    const merging: TemplateMessage[] = [
      { role: 'user', parts: ['Note:', { memory: 'tail', text: ' ends with a space ' }, '\nQuestion?'], label: 'message 1 (user)' },
      { role: 'assistant', parts: ['Answer.'], label: 'message 2 (assistant)' },
    ];
    await assert.rejects(find('chatml', merging), /^InputError: template chatml: removing memory "tail" \(in message 1 \(user\)\) changes other tokens than its own \(from token \d+\)/);
  });

  test('a template that raises fails with its own message, in one line', async () => {
    const notAlternating: TemplateMessage[] = [
      { role: 'user', parts: ['One.'], label: 'message 1 (user)' },
      { role: 'user', parts: ['Two.'], label: 'message 2 (user)' },
    ];
    await assert.rejects(find('gemma', notAlternating), (error: Error) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /^template gemma: rendering the messages up to message 2 \(user\) failed: .*Conversation roles must alternate user\/assistant/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  });

  test('a server whose /tokenize takes no messages is refused by the probe (SGLang)', async () => {
    const sglang = await startProcess([testScript('servers/sglang-wire.ts'), '--port', '0']);
    const renderer = new ServerChatRenderer(options(sglang));
    try {
      await assert.rejects(renderer.probe(), /^InputError: --template server: http:\/\/127\.0\.0\.1:\d+\/tokenize does not render chat messages \(.*\); give the model's tokenizer_config\.json/);
    } finally {
      await renderer.close();
      await sglang.stop();
    }
  });

  test('a vLLM server without a chat template answers with its own refusal', async () => {
    const bare = await startVllm();
    const renderer = new ServerChatRenderer(options(bare));
    try {
      await assert.rejects(renderer.probe(), /default chat template is no longer allowed/);
    } finally {
      await renderer.close();
      await bare.stop();
    }
  });
});

describe('a template file rendered here, tokenized by the server', () => {
  let server: RunningServer;
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    server = await startVllm('--chat-template', 'gemma');
    dir = await tempDir();
  });
  after(async () => {
    await server.stop();
    await dir.remove();
  });

  test('a tokenizer_config.json gives the same spans as the server rendering with it', async () => {
    const path = join(dir.path, 'tokenizer_config.json');
    await writeFile(path, tokenizerConfig(FAKE_CHAT_TEMPLATES.gemma!));
    assert.ok(isJinjaTemplateFile(path));
    const local = new LocalChatRenderer(await loadChatTemplate(path), options(server));
    const remote = new ServerChatRenderer(options(server));
    try {
      const [mine, theirs] = await Promise.all([findTemplateSpans(path, CHAT, local.render), findTemplateSpans('server', CHAT, remote.render)]);
      assert.deepEqual(mine.tokens, theirs.tokens);
      assert.deepEqual(mine.responses, theirs.responses);
      assert.deepEqual(mine.memories, theirs.memories);
      checkSpans(mine, 'gemma', '<end_of_turn>');
    } finally {
      await local.close();
      await remote.close();
    }
  });

  test('a .jinja file takes BOS and EOS from the tokenizer_config.json beside it', async () => {
    const sub = join(dir.path, 'model');
    await import('node:fs/promises').then((fs) => fs.mkdir(sub));
    await writeFile(join(sub, 'chat_template.jinja'), FAKE_CHAT_TEMPLATES.gemma!.source);
    await writeFile(join(sub, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<bos>', eos_token: '<eos>' }));
    const template = await loadChatTemplate(join(sub, 'chat_template.jinja'));
    assert.equal(template.bos, '<bos>');
    assert.ok(template.render([{ role: 'user', content: 'Hi' }]).startsWith('<bos><start_of_turn>user\nHi'));
  });

  test('a template that raises, or does not parse, fails in one line naming the file', async () => {
    const path = join(dir.path, 'raises.jinja');
    await writeFile(path, "{%- for m in messages -%}{%- if m['role'] == 'tool' -%}{{ raise_exception('Unsupported role: ' + m['role']) }}{%- endif -%}{{ m['content'] }}{%- endfor -%}");
    const template = await loadChatTemplate(path);
    assert.throws(() => template.render([{ role: 'tool', content: 'x' }]), (error: Error) => error instanceof InputError && error.message === `${path}: the chat template raised: Unsupported role: tool`);
    assert.throws(() => compileChatTemplate('broken.jinja', '{% for m in messages %}', '', ''), /^InputError: broken\.jinja: the chat template does not parse: [^\n]+$/);
    const noTemplate = join(dir.path, 'empty', 'tokenizer_config.json');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir.path, 'empty')));
    await writeFile(noTemplate, '{"bos_token": "<s>"}');
    await assert.rejects(loadChatTemplate(noTemplate), /no "chat_template" in it/);
  });
});

describe('span finding helpers', () => {
  test('removedRun finds the one run a rendering lacks, and nothing when more changed', () => {
    assert.deepEqual(removedRun([1, 2, 3, 4, 5], [1, 2, 5]), { start: 2, end: 4 });
    assert.deepEqual(removedRun([1, 2, 3], [1, 2, 3]), { start: 3, end: 3 });
    assert.equal(removedRun([1, 2, 3, 4, 5], [1, 9, 5]), undefined);
    assert.equal(removedRun([1, 2], [1, 2, 3]), undefined);
  });

  test('trailingIds: the shortest run every prefix rendering ends with that, taken off, leaves them prefixes of each other', () => {
    assert.deepEqual(trailingIds([[1, 2, 9], [1, 2, 3, 4, 9], [1, 2, 3, 4, 5, 9]]), [9]);
    // Each rendering also ends with 8 9, but 9 alone is what the template appends.
    assert.deepEqual(trailingIds([[1, 8, 9], [1, 8, 2, 8, 9]]), [9]);
    assert.deepEqual(trailingIds([[1, 7, 9], [1, 7, 2, 7, 9]]), [9]);
    assert.deepEqual(trailingIds([[1, 2, 8, 9], [1, 2, 3, 8, 9]]), [8, 9]);
    // Prefixes as they are, a suffix that varies, an earlier turn rewritten: none.
    assert.deepEqual(trailingIds([[1, 2], [1, 2, 3]]), []);
    assert.deepEqual(trailingIds([[1, 2, 9], [1, 2, 3, 8]]), []);
    assert.deepEqual(trailingIds([[1, 2, 9], [1, 5, 3, 9]]), []);
  });

  test('withoutTrailing: a rendering less the trailing ids; one that does not end with them is refused in one line', async () => {
    const render = (messages: readonly { role: string; content: string }[]) => Promise.resolve(messages.length === 1 ? [1, 2, 9] : [1, 2, 3, 8]);
    const cut = withoutTrailing('phi3vary', render, [9]);
    assert.deepEqual(await cut([{ role: 'user', content: 'a' }]), [1, 2]);
    await assert.rejects(cut([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }]), /^InputError: template phi3vary: the rendering of 2 messages does not end with id 9, which the template appends after the last message in the others: what it appends varies; memscope refuses to score with it$/);
    assert.equal(withoutTrailing('chatml', render, []), render);
  });

  test('renderMessages drops a memory part, a memory turn, or one place of a key', () => {
    const messages: TemplateMessage[] = [
      { role: 'user', parts: ['a ', { memory: 'k', text: 'K1' }, ' b'], label: '1' },
      { role: 'user', parts: ['k\nK2'], memory: 'k', label: '2' },
    ];
    assert.deepEqual(renderMessages(messages), [{ role: 'user', content: 'a K1 b' }, { role: 'user', content: 'k\nK2' }]);
    assert.deepEqual(renderMessages(messages, { key: 'k' }), [{ role: 'user', content: 'a  b' }]);
    assert.deepEqual(renderMessages(messages, { key: 'k', only: 1 }), [{ role: 'user', content: 'a K1 b' }]);
    assert.deepEqual(renderMessages(messages, { key: 'k', only: 0 }), [{ role: 'user', content: 'a  b' }, { role: 'user', content: 'k\nK2' }]);
  });
});
