// Memory parts tokenized by a server (--tokenizer server): a message holds exactly the ids the
// server gives its whole text, with byte-level-BPE-like and SentencePiece-like tokenizers alike
// (test/servers/vllm-wire.ts); where the server merges text across a memory's edge, memscope says
// so in one line naming the memory and writes nothing.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { contentText, type Content } from '../../src/context/content-parts.ts';
import { NativeContextSchema } from '../../src/context/native-format.ts';
import { PARTS_CHAT } from '../support/parts-chat.ts';
import { runCli, startProcess, tempDir, testScript, type RunningServer } from '../support/helpers.ts';

const startWire = (tokenizer: string) => startProcess([testScript('servers/vllm-wire.ts'), '--port', '0', '--tokenizer', tokenizer]);

async function tokenize(server: RunningServer, prompt: string): Promise<number[]> {
  const answer = await fetch(`${server.url.replace(/\/v1$/, '')}/tokenize`, { method: 'POST', body: JSON.stringify({ prompt, add_special_tokens: false }) });
  return ((await answer.json()) as { tokens: number[] }).tokens;
}

/** PARTS_CHAT rendered whole with chatml, as the model sees it. */
function wholeText(): string {
  const turn = (role: string, text: string) => `<|im_start|>${role}\n${text}<|im_end|>\n`;
  const calls = (m: (typeof PARTS_CHAT.conversation)[number]) => (m.tool_calls ?? []).map((c) => `<tool_call>\n${JSON.stringify({ name: c.function.name, arguments: JSON.parse(c.function.arguments) })}\n</tool_call>`).join('');
  return [
    turn('system', contentText(PARTS_CHAT.system!)),
    ...(PARTS_CHAT.identity ?? []).map((c: Content) => turn('system', contentText(c))),
    ...PARTS_CHAT.conversation.map((m) => (m.role === 'memory' ? turn('memory', `${m.key}\n${contentText(m.content)}`) : turn(m.role, contentText(m.content) + calls(m)))),
  ].join('');
}

function allIds(stdout: string): number[] {
  const native = NativeContextSchema.parse(JSON.parse(stdout));
  return native.sections.flatMap((s) => s.nodes.flatMap((n) => (n.type === 'message' ? [...n.open, ...n.children.flatMap((c) => c.tokens), ...n.close] : n.tokens)));
}

describe('memory parts through a server tokenizer', () => {
  const servers: Record<string, RunningServer> = {};
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
    await writeFile(`${dir.path}/parts.json`, JSON.stringify(PARTS_CHAT));
    const names = ['wordpiece', 'bpe', 'sentencepiece'];
    (await Promise.all(names.map(startWire))).forEach((server, i) => (servers[names[i]!] = server));
  });
  after(async () => {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
    await dir.remove();
  });

  for (const name of ['wordpiece', 'bpe', 'sentencepiece']) {
    test(`${name}: the context holds exactly the ids of the whole rendered text`, async () => {
      const run = await runCli(['convert', `${dir.path}/parts.json`, '--tokenizer', 'server', '--url', servers[name]!.url]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(allIds(run.stdout), await tokenize(servers[name]!, wholeText()));
    });
  }

  test('bpe: a memory that stops before the line break its last ">" merges with is refused, naming it; nothing written', async () => {
    const chat = {
      system: ['<memory_blocks>\n', { memory: 'persona', text: '<persona>\n<value>\nI am Ada.\n</value>\n</persona>' }, '\n\n</memory_blocks>'],
      conversation: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }],
    };
    await writeFile(`${dir.path}/merge.json`, JSON.stringify(chat));
    const out = `${dir.path}/merge-native.json`;
    const run = await runCli(['convert', `${dir.path}/merge.json`, '--tokenizer', 'server', '--url', servers.bpe!.url, '-o', out]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^memscope: \S*merge\.json: \$\.system\[1\]: memory "persona": the tokenizer merges text across its edge/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    await assert.rejects(import('node:fs/promises').then((fs) => fs.stat(out)));
    // The built-in tokenizer splits ">" from "\n": the same chat is fine there.
    assert.equal((await runCli(['convert', `${dir.path}/merge.json`])).code, 0);
  });
});
