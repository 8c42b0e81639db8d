// memscope score with the model's own chat template and a noise floor, as a user runs it: the built
// CLI against the vLLM fake (real processes on 127.0.0.1). The prompts the server receives are
// compared with its own renderings of the messages, with and without each memory.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FAKE_CHAT_TEMPLATES, tokenizerConfig } from '../servers/chat-templates.ts';
import { fixture, runCli, startProcess, tempDir, testScript, type RunningServer } from '../support/helpers.ts';
import { RELEASE_CHAT, releaseMessages, serverRendering } from '../support/release-chat.ts';

const root = (server: RunningServer) => server.url.replace(/\/v1$/, '');
const get = async (server: RunningServer, path: string) => (await fetch(`${root(server)}${path}`)).json();

describe('score --template server | FILE, --noise', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let chatFile: string;
  const servers: RunningServer[] = [];
  const start = async (...args: string[]) => {
    const server = await startProcess([testScript('servers/vllm-wire.ts'), '--port', '0', ...args]);
    servers.push(server);
    return server;
  };
  before(async () => {
    dir = await tempDir();
    chatFile = join(dir.path, 'chat.json');
    await writeFile(chatFile, JSON.stringify(RELEASE_CHAT));
  });
  after(async () => {
    for (const server of servers) await server.stop();
    await dir.remove();
  });

  test('--template server: the baseline and every ablation are the server\'s own renderings; one repeat of the baseline', async () => {
    const server = await start('--chat-template', 'llama3', '--jitter', '11');
    const result = await runCli(['score', chatFile, '--url', server.url, '--backend', 'completions', '--template', 'server', '--json', '--headless', '--concurrency', '1']);
    assert.equal(result.code, 0, result.stderr);
    const prompts = (await get(server, '/_test/prompts')) as number[][];
    const full = await serverRendering(server, releaseMessages());
    const expected = [full, await serverRendering(server, releaseMessages('fridays')), await serverRendering(server, releaseMessages('port'))];
    // Every prompt sent is one of the template's renderings; the baseline twice (--noise 1, the default here).
    for (const prompt of prompts) assert.ok(expected.some((e) => JSON.stringify(e) === JSON.stringify(prompt)), `a prompt the template does not render: ${prompt.length} ids`);
    assert.equal(prompts.filter((p) => JSON.stringify(p) === JSON.stringify(full)).length, 2);
    assert.equal(prompts.length, 4);
    const json = JSON.parse(result.stdout) as { responses: { noise?: number }[]; calls: number };
    assert.equal(json.calls, 4);
    assert.ok(json.responses.every((r) => typeof r.noise === 'number' && r.noise > 0));
  });

  test('--noise 0: no repeat, no "noise" in the result', async () => {
    const server = await start('--chat-template', 'chatml');
    const result = await runCli(['score', chatFile, '--url', server.url, '--backend', 'completions', '--template', 'server', '--noise', '0', '--json', '--headless']);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { responses: Record<string, unknown>[]; calls: number };
    assert.equal(json.calls, 3);
    assert.ok(json.responses.every((r) => !('noise' in r)));
  });

  test('--template tokenizer_config.json: rendered here, the same prompts as the server renders with it', async () => {
    const config = join(dir.path, 'tokenizer_config.json');
    await writeFile(config, tokenizerConfig(FAKE_CHAT_TEMPLATES.llama3!));
    // The server has the template's special tokens but renders nothing itself.
    const plain = await start('--specials', 'llama3');
    const renderer = await start('--chat-template', 'llama3');
    const result = await runCli(['score', chatFile, '--url', plain.url, '--backend', 'completions', '--template', config, '--noise', '0', '--json', '--headless', '--concurrency', '1']);
    assert.equal(result.code, 0, result.stderr);
    const prompts = (await get(plain, '/_test/prompts')) as number[][];
    assert.deepEqual(prompts, [await serverRendering(renderer, releaseMessages()), await serverRendering(renderer, releaseMessages('fridays')), await serverRendering(renderer, releaseMessages('port'))]);
  });

  // Phi-3-like: every rendering without a generation prompt ends with <|endoftext|> after the last
  // message. The prompts are the server's renderings less that one token, and a note says so.
  const lessEndOfText = async (server: RunningServer, messages: { role: string; content: string }[]) => {
    const ids = await serverRendering(server, messages);
    assert.equal(ids.at(-1), FAKE_CHAT_TEMPLATES.phi3!.specials['<|endoftext|>']);
    return ids.slice(0, -1);
  };
  const notes = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('memscope: note:'));
  const phi3Note = 'appends id 11 after the last message (e.g. an end-of-text token): not part of any response and after every token scored, it is left off every prompt';

  test('--template server (Phi-3-like, end-of-text after the last message): the prompts are the server\'s renderings less that token; a note says so', async () => {
    const server = await start('--chat-template', 'phi3');
    const result = await runCli(['score', chatFile, '--url', server.url, '--backend', 'completions', '--template', 'server', '--noise', '0', '--json', '--headless', '--concurrency', '1']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(notes(result.stderr), [`memscope: note: template server ${phi3Note}`]);
    const expected = [await lessEndOfText(server, releaseMessages()), await lessEndOfText(server, releaseMessages('fridays')), await lessEndOfText(server, releaseMessages('port'))];
    assert.deepEqual(await get(server, '/_test/prompts'), expected);
    const json = JSON.parse(result.stdout) as { responses: unknown[]; calls: number };
    assert.equal(json.calls, 3);
    assert.equal(json.responses.length, 3);
  });

  test('--template tokenizer_config.json (Phi-3-like), rendered here: the same prompts as the server renders with it, less the end-of-text token', async () => {
    const config = join(dir.path, 'phi3', 'tokenizer_config.json');
    await mkdir(dirname(config), { recursive: true });
    await writeFile(config, tokenizerConfig(FAKE_CHAT_TEMPLATES.phi3!));
    const server = await start('--chat-template', 'phi3');
    const result = await runCli(['score', chatFile, '--url', server.url, '--backend', 'completions', '--template', config, '--noise', '0', '--json', '--headless', '--concurrency', '1']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(notes(result.stderr), [`memscope: note: template ${config} ${phi3Note}`]);
    // memscope rendered: the server was only asked to tokenize text.
    const asked = (await get(server, '/_test/log')) as { path: string; fields: string[] }[];
    assert.ok(asked.every((entry) => !entry.fields.includes('messages')));
    const expected = [await lessEndOfText(server, releaseMessages()), await lessEndOfText(server, releaseMessages('fridays')), await lessEndOfText(server, releaseMessages('port'))];
    assert.deepEqual(await get(server, '/_test/prompts'), expected);
  });

  test('a template whose end-of-text after the last message varies (only after an assistant turn) is refused as before: exit 2, one line, no call', async () => {
    const server = await start('--chat-template', 'phi3vary');
    const result = await runCli(['score', chatFile, '--url', server.url, '--backend', 'completions', '--template', 'server', '--json', '--headless']);
    assert.equal(result.code, 2);
    assert.match(result.stderr.trim(), /^memscope: template server: adding conversation message 3 \(user\) changes what it renders for the messages before it .*refuses to score with it$/);
    assert.equal(result.stdout, '');
    assert.deepEqual(await get(server, '/_test/prompts'), []);
  });

  test('a template that moves the system message to the last user turn is refused: exit 2, one line, no call', async () => {
    const server = await start('--chat-template', 'sysmove');
    const chat = join(dir.path, 'alternating.json');
    await writeFile(chat, JSON.stringify({ system: 'Be brief.', conversation: [{ role: 'user', content: 'Hi.' }, { role: 'assistant', content: 'Hello.' }, { role: 'user', content: 'Again?' }, { role: 'assistant', content: 'Yes.' }] }));
    const result = await runCli(['score', chat, '--url', server.url, '--backend', 'completions', '--template', 'server', '--json', '--headless']);
    assert.equal(result.code, 2);
    assert.match(result.stderr.trim(), /^memscope: template server: adding conversation message 3 \(user\) changes what it renders for the messages before it .*refuses to score with it$/);
    assert.equal(result.stdout, '');
    assert.deepEqual(await get(server, '/_test/prompts'), []);
  });

  test('a template that raises (roles must alternate) fails with its own message in one line', async () => {
    const server = await start('--chat-template', 'gemma');
    const result = await runCli(['score', chatFile, '--url', server.url, '--backend', 'completions', '--template', 'server', '--json', '--headless']);
    assert.equal(result.code, 2);
    assert.match(result.stderr.trim(), /^memscope: template server: rendering the messages without memory "(fridays|port)" failed: .*Conversation roles must alternate/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  test('--template server on a server whose /tokenize renders no messages: exit 2, says what to give instead', async () => {
    const server = await start();
    const result = await runCli(['score', chatFile, '--url', server.url, '--backend', 'completions', '--template', 'server', '--json', '--headless']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /does not render chat messages .*--template FILE instead/);
  });

  test('score LOG --memories letta --template server: the prompts are the log as sent, and the log without each block, as the server renders them', async () => {
    // Gemma-like: the system prompt (where the blocks sit) is folded into the first user turn.
    const server = await start('--chat-template', 'gemma');
    const log = fixture('agents/letta-blocks.json');
    const result = await runCli(['score', log, '--memories', 'letta', '--url', server.url, '--backend', 'completions', '--template', 'server', '--noise', '0', '--json', '--headless', '--concurrency', '1']);
    assert.equal(result.code, 0, result.stderr);
    const sent = (JSON.parse(await readFile(log, 'utf8')) as { messages: { role: string; content: string }[] }).messages;
    // Each block as the letta rule takes it: the whole element and the line breaks after it.
    const blocks = [...sent[0]!.content.matchAll(/<(\w+)>\n<description>[\s\S]*?<\/\1>\n+/g)].map((m) => ({ key: m[1]!, text: m[0] }));
    assert.deepEqual(blocks.map((b) => b.key), ['persona', 'human', 'shop_policies', 'inventory']);
    const without = (text: string) => [{ ...sent[0]!, content: sent[0]!.content.replace(text, '') }, ...sent.slice(1)];
    const expected = [await serverRendering(server, sent), ...(await Promise.all(blocks.map((b) => serverRendering(server, without(b.text)))))];
    assert.deepEqual(await get(server, '/_test/prompts'), expected);
    const json = JSON.parse(result.stdout) as { memories: { key: string; max: number }[] };
    assert.deepEqual(json.memories.map((m) => m.key), blocks.map((b) => b.key));
    assert.ok(json.memories.some((m) => m.max > 1));
  });

  test('--template tokenizer_config.json (Mistral-like): a key in two messages is removed from both at once', async () => {
    const config = join(dir.path, 'mistral', 'tokenizer_config.json');
    await mkdir(dirname(config), { recursive: true });
    await writeFile(config, tokenizerConfig(FAKE_CHAT_TEMPLATES.mistral!));
    // The server knows the template's special tokens; memscope renders here and sends it text only.
    const server = await start('--chat-template', 'mistral');
    const note = '- Staging runs on port 8080.\n';
    const chat = {
      system: ['Known:\n', { memory: 'port', text: note }, 'Be brief.'],
      conversation: [
        { role: 'user', content: ['Recalled:\n', { memory: 'port', text: note }, { memory: 'friday', text: '- The user deploys on Fridays.\n' }, 'When do we ship?'] },
        { role: 'assistant', content: 'On Friday.' },
      ],
    };
    const file = join(dir.path, 'parts.json');
    await writeFile(file, JSON.stringify(chat));
    const result = await runCli(['score', file, '--url', server.url, '--backend', 'completions', '--template', config, '--noise', '0', '--json', '--headless', '--concurrency', '1']);
    assert.equal(result.code, 0, result.stderr);
    const asked = (await get(server, '/_test/log')) as { path: string; fields: string[] }[];
    assert.ok(asked.every((entry) => !entry.fields.includes('messages')));
    const sent = (skip?: string) => [
      { role: 'system', content: `Known:\n${skip === 'port' ? '' : note}Be brief.` },
      { role: 'user', content: `Recalled:\n${skip === 'port' ? '' : note}${skip === 'friday' ? '' : '- The user deploys on Fridays.\n'}When do we ship?` },
      { role: 'assistant', content: 'On Friday.' },
    ];
    const prompts = await get(server, '/_test/prompts');
    assert.deepEqual(prompts, [await serverRendering(server, sent()), await serverRendering(server, sent('port')), await serverRendering(server, sent('friday'))]);
  });

  test('a memory at the end of a message the template trims is refused: exit 2, one line naming the memory and the message, no call', async () => {
    const server = await start('--chat-template', 'llama3');
    const file = join(dir.path, 'trimmed.json');
    await writeFile(file, JSON.stringify({ conversation: [{ role: 'user', content: ['Recalled:\n', { memory: 'port', text: '- Staging runs on port 8080.\n\n' }] }, { role: 'assistant', content: 'Noted.' }] }));
    const result = await runCli(['score', file, '--url', server.url, '--backend', 'completions', '--template', 'server', '--json', '--headless']);
    assert.equal(result.code, 2);
    assert.match(result.stderr.trim(), /^memscope: template server: memory "port" \(in conversation message 1 \(user\)\): removing it deletes other ids than its text's .*refuses to score with it/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.equal(result.stdout, '');
    assert.deepEqual(await get(server, '/_test/prompts'), []);
  });
});
