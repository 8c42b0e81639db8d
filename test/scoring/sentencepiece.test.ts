// A server tokenizer that marks the start of every separate call (SentencePiece's "▁"), as the
// vLLM fake's --tokenizer sentencepiece does: tokenizing a chat piece by piece would give every
// content another first id than the whole text does. memscope detects it on a probe, reads each
// piece after a newline instead, and checks; a tokenizer where that cannot work is refused.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { contentText } from '../../src/context/content-parts.ts';
import { ChatContextSchema } from '../../src/context/chat-format.ts';
import { NativeContextSchema } from '../../src/context/native-format.ts';
import { fixture, runCli, startProcess, testScript, type RunningServer } from '../support/helpers.ts';

const SMALL = fixture('small.json');
const startWire = (tokenizer: string) => startProcess([testScript('servers/vllm-wire.ts'), '--port', '0', '--tokenizer', tokenizer]);

async function tokenize(server: RunningServer, prompt: string): Promise<number[]> {
  const answer = await fetch(`${server.url.replace(/\/v1$/, '')}/tokenize`, { method: 'POST', body: JSON.stringify({ prompt, add_special_tokens: false }) });
  return ((await answer.json()) as { tokens: number[] }).tokens;
}

/** The small chat rendered whole with chatml, as the model sees it. */
async function wholeText(): Promise<string> {
  const chat = ChatContextSchema.parse(JSON.parse(await readFile(SMALL, 'utf8')));
  const turn = (role: string, text: string) => `<|im_start|>${role}\n${text}<|im_end|>\n`;
  return [
    ...(chat.system !== undefined ? [turn('system', contentText(chat.system))] : []),
    ...[...(chat.identity ?? []), ...(chat.journal ?? [])].map((t) => turn('system', contentText(t))),
    ...chat.conversation.map((m) => (m.role === 'memory' ? turn('memory', `${m.key}\n${contentText(m.content)}`) : turn(m.role, contentText(m.content)))),
  ].join('');
}

function allIds(stdout: string): number[] {
  const native = NativeContextSchema.parse(JSON.parse(stdout));
  return native.sections.flatMap((s) => s.nodes.flatMap((n) => (n.type === 'message' ? [...n.open, ...n.children.flatMap((c) => c.tokens), ...n.close] : n.tokens)));
}

describe('a SentencePiece-like server tokenizer', () => {
  let sp: RunningServer;
  let merging: RunningServer;
  before(async () => {
    [sp, merging] = await Promise.all([startWire('sentencepiece'), startWire('sentencepiece-merging')]);
  });
  after(async () => Promise.all([sp.stop(), merging.stop()]));

  test('the fake really marks each call: a piece alone gets another first id than in the whole text', async () => {
    const [alone, inText] = [await tokenize(sp, 'Hello there.'), await tokenize(sp, '<|im_start|>user\nHello there.')];
    assert.notDeepEqual(alone, inText.slice(-alone.length));
  });

  test('convert: the context holds exactly the ids of the whole rendered text', async () => {
    const run = await runCli(['convert', SMALL, '--tokenizer', 'server', '--url', sp.url]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(allIds(run.stdout), await tokenize(sp, await wholeText()));
  });

  test('scoring with it: the same matrix as the built-in tokenizer (whose ids the whole text has here)', async () => {
    const [viaServer, builtin] = await Promise.all([
      runCli(['score', SMALL, '--tokenizer', 'server', '--url', sp.url, '--backend', 'completions', '--noise', '0', '--json']),
      runCli(['score', SMALL, '--json']),
    ]);
    assert.equal(viaServer.code, 0, viaServer.stderr);
    const strip = (text: string) => ({ ...(JSON.parse(text) as Record<string, unknown>), model: null });
    assert.deepEqual(strip(viaServer.stdout), strip(builtin.stdout));
  });

  test('a tokenizer where reading after a newline cannot help either is refused with one line', async () => {
    const run = await runCli(['convert', SMALL, '--tokenizer', 'server', '--url', merging.url]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^memscope: --tokenizer server: the server's tokenizer gives the pieces of a chat other ids than the whole text \(it marks the start of every separate call, as SentencePiece does\), and reading each piece after a newline fails too \(the tokenizer does not keep the ids of "\\n" at the start of a text that begins with it\); convert the chat with the model's own tokenizer into a native context instead\n$/,
    );
  });
});
