// memscope score with the model's own chat template and a noise floor, as a user runs it: the built
// CLI against the vLLM fake (real processes on 127.0.0.1). The prompts the server receives are
// compared with its own renderings of the messages, with and without each memory.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FAKE_CHAT_TEMPLATES, tokenizerConfig } from '../servers/chat-templates.ts';
import { runCli, startProcess, tempDir, testScript, type RunningServer } from '../support/helpers.ts';
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
});
