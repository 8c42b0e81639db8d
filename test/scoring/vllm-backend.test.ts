// Scoring against a server that speaks vLLM's wire format (test/servers/vllm-wire.ts, a real
// process on 127.0.0.1): the completions backend in both answer shapes, malformed answers, and
// tokenizing chat input through the server's /tokenize. Expected matrices are recomputed here from
// the model behind that server, over token streams and spans this file builds on its own.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tokenLogprobs } from '../../src/builtin/builtin-model.ts';
import { contentText } from '../../src/context/content-parts.ts';
import { alignmentProbe, ChatContextSchema } from '../../src/context/chat-format.ts';
import { loadTextTemplate } from '../../src/context/template-file.ts';
import type { AstNode, Context } from '../../src/context/context.ts';
import type { EngineEvent, FullResult } from '../../src/engine/events.ts';
import { loadContext } from '../../src/context/load-context.ts';
import { nativeToContext, NativeContextSchema } from '../../src/context/native-format.ts';
import { parseScoreSettings } from '../../src/run/score-settings.ts';
import { prepareRun } from '../../src/run/scoring-run.ts';
import { BUILTIN_VOCAB_SIZE, tokenize } from '../../src/context/tokenizer.ts';
import { runCli as runHelperCli, ROOT, BIN, fixture, testScript } from '../support/helpers.ts';

const SMALL = fixture('small.json');
const MEDIUM = fixture('medium.json');

// ── processes ─────────────────────────────────────────────────
interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts a server process and waits for the http://127.0.0.1:PORT/... it prints on stderr. */
function startProcess(args: string[]): Promise<Server> {
  return new Promise((resolve, reject) => {
    // stdin stays open while this process lives (the wire server exits when it closes).
    const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    let listening = false;
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const match = /http:\/\/127\.0\.0\.1:\d+\S*/.exec(err);
      if (match && !listening) {
        listening = true;
        const exited = new Promise<void>((done) => child.once('exit', () => done()));
        resolve({
          url: match[0],
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    child.on('exit', (code) => {
      if (!listening) reject(new Error(`server exited (${code}): ${err}`));
    });
  });
}

const startWire = (...extra: string[]) =>
  startProcess([testScript('servers/vllm-wire.ts'), '--port', '0', '--exit-with-stdin', ...extra]);

const runCli = (args: string[]) => runHelperCli(args, { env: { MEMSCOPE_API_KEY: '' } });

async function control(server: Server, path: string, body: unknown = {}): Promise<unknown> {
  const root = server.url.replace(/\/v1$/, '');
  const answer = await fetch(`${root}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return answer.json();
}

interface LoggedCall {
  path: string;
  fields: string[];
  priority?: number;
  add_special_tokens?: unknown;
  prompt?: string;
}
const calls = async (server: Server) => (await control(server, '/_test/log')) as LoggedCall[];

/** One scoring run in this process, against the real server processes. */
async function score(args: string[]): Promise<{ result: FullResult; events: EngineEvent[]; context: Context }> {
  const settings = await parseScoreSettings([...args, '--json'], {});
  const run = await prepareRun(settings);
  const events: EngineEvent[] = [];
  run.engine.subscribe((event) => events.push(event));
  try {
    const result = await run.engine.run(run.modeOptions);
    assert.equal(result.mode, 'full');
    return { result: result, events, context: run.loaded.context };
  } finally {
    await run.scorer.close();
  }
}

// ── the expected matrix, recomputed ───────────────────────────
/** The prompt without memory `skip` and each response's span, walked here from the AST. */
function promptOf(context: Context, skip?: string): { tokens: number[]; spans: [number, number][] } {
  const tokens: number[] = [];
  const spans: [number, number][] = [];
  const all: AstNode[] = [...context.sections.system, ...context.sections.identity, ...context.sections.journal, ...context.sections.conversation];
  for (const node of all) {
    if (node.kind === 'memory' && node.key === skip) continue;
    if (node.kind !== 'message') {
      tokens.push(...node.tokens);
      continue;
    }
    tokens.push(...node.open);
    const start = tokens.length;
    for (const child of node.children) tokens.push(...child.tokens);
    // The content and the end-of-turn token, the first of `close`.
    if (node.role === 'assistant') spans.push([start, tokens.length + Math.min(1, node.close.length)]);
    tokens.push(...node.close);
  }
  return { tokens, spans };
}

async function totals(context: Context, skip?: string): Promise<number[]> {
  const { tokens, spans } = promptOf(context, skip);
  const logprobs = await tokenLogprobs(Uint32Array.from(tokens), { vocab: BUILTIN_VOCAB_SIZE });
  return spans.map(([start, end]) => {
    let total = 0;
    for (let i = start; i < end; i++) total += logprobs[i]!;
    return total;
  });
}

function memoryKeys(context: Context): string[] {
  return [...new Set(context.sections.conversation.flatMap((node) => (node.kind === 'memory' ? [node.key] : [])))];
}

async function expectedMatrix(context: Context): Promise<{ baselines: number[]; matrix: number[][] }> {
  const baselines = await totals(context);
  const matrix: number[][] = [];
  for (const key of memoryKeys(context)) matrix.push((await totals(context, key)).map((without, j) => Math.max(0, baselines[j]! - without)));
  return { baselines, matrix };
}

function assertMatches(result: FullResult, expected: { baselines: number[]; matrix: number[][] }): void {
  assert.deepEqual(result.memories.filter((m) => m.failed), []);
  assert.deepEqual(
    result.responses.map((r) => r.baseline),
    expected.baselines,
  );
  assert.deepEqual(result.matrix, expected.matrix);
  // Not a vacuous match: the memories do move the responses.
  assert.ok(expected.matrix.flat().filter((d) => d > 1).length >= 3);
}

/** A memory and a token id that occurs in that memory and nowhere else in the context. */
function memoryWithOwnToken(context: Context): { key: string; index: number; token: number } {
  const everywhere = promptOf(context).tokens;
  const keys = memoryKeys(context);
  for (const [index, key] of keys.entries()) {
    const own = context.sections.conversation.flatMap((node) => (node.kind === 'memory' && node.key === key ? [...node.tokens] : []));
    const token = own.find((id) => everywhere.filter((t) => t === id).length === own.filter((t) => t === id).length);
    if (token !== undefined) return { key, index, token };
  }
  throw new Error('no memory has a token of its own');
}

// ── tests ─────────────────────────────────────────────────────
describe('completions backend against a vLLM-wire server', () => {
  let wire: Server;
  let small: Context;
  let expected: { baselines: number[]; matrix: number[][] };

  before(async () => {
    wire = await startWire();
    small = (await loadContext(SMALL)).context;
    expected = await expectedMatrix(small);
  });
  after(() => wire.stop());

  test('prompt_logprobs: the matrix is the one the server logprobs imply', async () => {
    await control(wire, '/_test/reset');
    const { result } = await score([SMALL, '--url', wire.url, '--backend', 'completions', '--noise', '0']);
    assertMatches(result, expected);
    const all = await calls(wire);
    const seen = all.filter((c) => c.path === '/v1/completions');
    assert.equal(seen.length, memoryKeys(small).length + 1);
    // The context limit was asked for before the first scoring call.
    assert.equal(all[0]!.path, '/v1/models');
    // vLLM's request, no priority by default (a stock vLLM refuses one).
    for (const call of seen) assert.deepEqual(call.fields, ['max_tokens', 'model', 'prompt', 'prompt_logprobs']);
  });

  test('the server answers as vLLM does: the prompt token first with its true rank, better candidates after it', async () => {
    // What makes the test above able to fail: reading the smallest id (JSON.parse orders
    // integer-like keys) or the rank-1 entry of an item gives another logprob at most positions.
    const { tokens } = promptOf(small);
    const raw = await (await fetch(`${wire.url}/completions`, { method: 'POST', body: JSON.stringify({ prompt: tokens, max_tokens: 1, prompt_logprobs: 1 }) })).text();
    const items = (JSON.parse(raw) as { choices: { prompt_logprobs: (Record<string, { logprob: number; rank: number }> | null)[] }[] }).choices[0]!.prompt_logprobs;
    assert.equal(items.length, tokens.length);
    assert.equal(items[0], null);
    // The first key of every item as written.
    const section = raw.slice(raw.indexOf('"prompt_logprobs":['), raw.indexOf(',"usage":'));
    const firstKeys = [...section.matchAll(/null|\{"(\d+)":\{[^{}]*\}(?:,"\d+":\{[^{}]*\})*\}/g)].map((m) => m[1]);
    assert.equal(firstKeys.length, tokens.length);
    let misleading = 0;
    let outsideTopK = 0;
    for (let i = 1; i < items.length; i++) {
      const item = items[i]!;
      const actual = String(tokens[i]);
      assert.equal(firstKeys[i], actual, `item ${i} starts with the prompt token`);
      const entries = Object.keys(item).length;
      // k = 1: the top candidate, and the prompt token when it is not that one.
      assert.equal(entries, item[actual]!.rank === 1 ? 1 : 2);
      if (item[actual]!.rank > 2) outsideTopK++;
      const smallest = Object.keys(item)[0];
      const best = Object.entries(item).find(([, e]) => e.rank === 1)![0];
      if (smallest !== actual && best !== actual && item[actual]!.logprob < item[best]!.logprob) misleading++;
    }
    assert.ok(misleading > tokens.length / 2, `${misleading} of ${tokens.length}`);
    assert.ok(outsideTopK > tokens.length / 4, `${outsideTopK} ranked outside the top k`);
  });

  test('echo: the matrix is the same from choices[0].logprobs.token_logprobs', async () => {
    await control(wire, '/_test/reset');
    const { result } = await score([SMALL, '--url', wire.url, '--backend', 'completions', '--noise', '0', '--logprobs-field', 'echo']);
    assertMatches(result, expected);
    for (const call of (await calls(wire)).filter((c) => c.path === '/v1/completions')) assert.deepEqual(call.fields, ['echo', 'logprobs', 'max_tokens', 'model', 'prompt']);
  });

  test('the completions backend, /score (memscope serve) and the in-process scorer agree', async () => {
    const serve = await startProcess([BIN, 'serve', '--port', '0']);
    try {
      const viaCompletions = await score([MEDIUM, '--url', wire.url, '--backend', 'completions', '--noise', '0']);
      const viaScore = await score([MEDIUM, '--url', serve.url]);
      const inProcess = await score([MEDIUM]);
      assert.deepEqual(viaCompletions.result, viaScore.result);
      assert.deepEqual(viaCompletions.result, inProcess.result);
      assert.equal(viaCompletions.result.memories.length, 40);
      assert.ok(viaCompletions.result.matrix.flat().some((d) => d > 1));
    } finally {
      await serve.stop();
    }
  });

  test('single and finetune modes (prompts over part of the conversation) agree with the in-process scorer', async () => {
    for (const mode of [['--mode', 'single', '--key', memoryKeys(small)[1]!], ['--mode', 'finetune', '--count', '12']]) {
      const run = async (extra: string[]) => {
        const settings = await parseScoreSettings([SMALL, ...mode, ...extra], {});
        const prepared = await prepareRun(settings);
        try {
          return await prepared.engine.run(prepared.modeOptions);
        } finally {
          await prepared.scorer.close();
        }
      };
      const [remote, local] = [await run(['--url', wire.url, '--backend', 'completions', '--noise', '0']), await run([])];
      assert.deepEqual(remote, local);
      assert.equal(remote.calls, 2);
      if (remote.mode === 'single') assert.ok(remote.score > 1);
      if (remote.mode === 'finetune') assert.ok(remote.candidates.some((c) => c.divergence > 1));
    }
  });

  const faults: [fault: string, shape: 'prompt_logprobs' | 'echo', reason: RegExp][] = [
    ['short', 'prompt_logprobs', /^bad completions answer: prompt_logprobs has (\d+) items for a prompt of \d+ tokens$/],
    ['long', 'prompt_logprobs', /^bad completions answer: prompt_logprobs has \d+ items for a prompt of \d+ tokens$/],
    ['missing', 'prompt_logprobs', /^bad completions answer: prompt_logprobs\[\d+\] has no entry for the prompt's token id 2 \(it has 1\)$/],
    ['null-item', 'prompt_logprobs', /^bad completions answer: the server returned no logprob at prompt position \d+ \(token id 2\): prompt_logprobs\[\d+\] is null$/],
    ['nan', 'prompt_logprobs', /^completions API HTTP 500: Internal Server Error$/],
    ['neg-inf', 'prompt_logprobs', /^bad completions answer: the server returned −inf at prompt position \d+ \(token id 2\) \(prompt_logprobs\[\d+\]\["2"\]\.logprob is -9999, vLLM's stand-in for −inf\)$/],
    ['null-logprob', 'prompt_logprobs', /^bad completions answer: the server returned no logprob at prompt position \d+ \(token id 2\) \(prompt_logprobs\[\d+\]\["2"\]\.logprob is null: −inf or NaN on the server\)$/],
    ['positive', 'prompt_logprobs', /^bad completions answer: prompt_logprobs\[\d+\]\["2"\]\.logprob is a positive logprob \(0\.5\)$/],
    ['no-prompt-logprobs', 'prompt_logprobs', /^bad completions answer: the answer has no choices\[0\]\.prompt_logprobs \(does the server support prompt_logprobs\? SGLang drops the field/],
    ['no-choices', 'prompt_logprobs', /^bad completions answer: choices: no choices$/],
    ['http-500', 'prompt_logprobs', /^completions API HTTP 500: the engine fell over$/],
    ['not-json', 'prompt_logprobs', /^completions API answer is not JSON: <html>upstream proxy error<\/html>$/],
    ['short', 'echo', /^bad completions answer: token_logprobs has (\d+) items for a prompt of \d+ tokens and 1 generated$/],
    ['null-item', 'echo', /^bad completions answer: the server returned no logprob at prompt position \d+ \(token id 2\) \(token_logprobs\[\d+\] is null: −inf or NaN on the server\)$/],
    ['neg-inf', 'echo', /^bad completions answer: the server returned −inf at prompt position \d+ \(token id 2\) \(token_logprobs\[\d+\] is -9999, vLLM's stand-in for −inf\)$/],
    ['positive', 'echo', /^bad completions answer: token_logprobs\[\d+\] is a positive logprob \(0\.5\)$/],
    ['no-prompt-logprobs', 'echo', /^bad completions answer: the answer has no choices\[0\]\.logprobs\.token_logprobs/],
  ];

  for (const [fault, shape, reason] of faults) {
    test(`${shape}, ${fault}: that memory's row fails with the reason, the others are right`, async () => {
      const target = memoryWithOwnToken(small);
      // Only the prompts without the target memory (its own row) get the bad answer.
      await control(wire, '/_test/fault', { fault, only_without: target.token });
      try {
        const { result, events } = await score([SMALL, '--url', wire.url, '--backend', 'completions', '--noise', '0', '--logprobs-field', shape]);
        const failed = result.memories.filter((m) => m.failed);
        assert.deepEqual(
          failed.map((m) => m.key),
          [target.key],
        );
        assert.match(failed[0]!.reason!, reason);
        assert.ok(events.some((e) => e.type === 'row-failed' && e.key === target.key));
        assert.deepEqual(
          result.responses.map((r) => r.baseline),
          expected.baselines,
        );
        expected.matrix.forEach((row, i) => {
          if (i !== target.index) assert.deepEqual(result.matrix[i], row, `row ${i}`);
        });
      } finally {
        await control(wire, '/_test/fault', { fault: null });
      }
    });
  }

  test('a bad baseline answer fails the run: exit 1, one line', async () => {
    await control(wire, '/_test/fault', { fault: 'missing' });
    try {
      const run = await runCli(['score', SMALL, '--url', wire.url, '--backend', 'completions', '--noise', '0', '--json']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^memscope: baseline failed: bad completions answer: prompt_logprobs\[\d+\] has no entry for the prompt's token id 2 \(it has 1\); server: http:\/\/127\.0\.0\.1:\d+\/v1 \(completions, prompt_logprobs\)\n$/m);
      assert.equal(run.stdout, '');
    } finally {
      await control(wire, '/_test/fault', { fault: null });
    }
  });

  test('the CLI prints the matrix the server logprobs imply', async () => {
    const run = await runCli(['score', SMALL, '--url', wire.url, '--backend', 'completions', '--noise', '0', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assertMatches(JSON.parse(run.stdout) as FullResult, expected);
    assert.match(run.stderr, /backend http:\/\/127\.0\.0\.1:\d+\/v1 \(completions, prompt_logprobs\)/);
  });

  test('a priority is sent when asked for; a server without priority scheduling takes it and ignores it', async () => {
    await control(wire, '/_test/reset');
    assertMatches((await score([SMALL, '--url', wire.url, '--backend', 'completions', '--noise', '0', '--priority', '3'])).result, expected);
    const seen = (await calls(wire)).filter((c) => c.path === '/v1/completions');
    assert.deepEqual(new Set(seen.map((c) => c.priority)), new Set([3]));
  });

  test('--model is sent, and the server\'s error for a model it does not serve is the reason', async () => {
    await assert.rejects(score([SMALL, '--url', wire.url, '--backend', 'completions', '--noise', '0', '--model', 'qwen']), /baseline failed: completions API HTTP 404: The model `qwen` does not exist\./);
  });
});

describe('tokenizing chat input through the server', () => {
  let wire: Server;
  let other: Server;
  let dir: string;

  before(async () => {
    [wire, other] = await Promise.all([startWire(), startWire('--candidates', '3', '--priority-scheduling', '--specials', 'chatml')]);
    dir = await mkdtemp(join(tmpdir(), 'memscope-vllm-'));
  });
  after(async () => {
    await Promise.all([wire.stop(), other.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  test('convert --tokenizer server (chatml) writes the same tokens, one /tokenize call per distinct text', async () => {
    await control(wire, '/_test/reset');
    const [viaServer, builtin] = await Promise.all([
      runCli(['convert', SMALL, '--tokenizer', 'server', '--url', wire.url]),
      runCli(['convert', SMALL]),
    ]);
    assert.equal(viaServer.code, 0, viaServer.stderr);
    const server = NativeContextSchema.parse(JSON.parse(viaServer.stdout));
    const local = NativeContextSchema.parse(JSON.parse(builtin.stdout));
    // The test server's tokenizer is the built-in one with <|im_start|> = 1 and <|im_end|> = 2.
    assert.deepEqual(server.sections, local.sections);
    assert.equal(server.template, 'chatml');
    assert.equal(server.tokenizer.name, 'memscope-builtin');
    const ids = server.sections.flatMap((s) => s.nodes.flatMap((n) => (n.type === 'message' ? [...n.open, ...n.children.flatMap((c) => c.tokens), ...n.close] : n.tokens)));
    assert.equal(server.tokenizer.vocab_size, Math.max(...ids) + 1);

    const chat = ChatContextSchema.parse(JSON.parse(await readFile(SMALL, 'utf8')));
    const texts = new Set<string>(['<|im_start|>', '<|im_end|>', '<|im_end|>\n']);
    const roles = new Set<string>(['system']);
    if (chat.system !== undefined) texts.add(contentText(chat.system));
    for (const content of [...(chat.identity ?? []), ...(chat.journal ?? [])]) texts.add(contentText(content));
    for (const m of chat.conversation) {
      roles.add(m.role);
      texts.add(m.role === 'memory' ? `${m.key}\n${contentText(m.content)}` : contentText(m.content));
    }
    for (const role of roles) texts.add(`<|im_start|>${role}\n`);
    // The probe that checks the pieces give the whole text's ids.
    const probe = alignmentProbe(await loadTextTemplate('chatml'));
    for (const text of [...probe.pieces, probe.whole]) texts.add(text);
    const seen = (await calls(wire)).filter((c) => c.path === '/tokenize');
    assert.deepEqual(seen.map((c) => c.prompt).sort(), [...texts].sort());
    for (const call of seen) {
      assert.equal(call.add_special_tokens, false);
      assert.deepEqual(call.fields, ['add_special_tokens', 'model', 'prompt']);
    }
  });

  test('llama3: scored through the completions backend, the matrix matches the server logprobs', async () => {
    const { result, context } = await score([SMALL, '--url', wire.url, '--backend', 'completions', '--noise', '0', '--tokenizer', 'server', '--template', 'llama3']);
    // The context, checked against the llama3 layout with the test server's ids.
    const system = context.sections.system;
    assert.equal(system[0]!.kind, 'content');
    assert.deepEqual([...(system[0] as { tokens: Uint32Array }).tokens], [3]);
    const assistant = context.sections.conversation.find((n) => n.kind === 'message' && n.role === 'assistant');
    assert.ok(assistant?.kind === 'message');
    assert.deepEqual([...assistant.open], [4, ...tokenize('assistant'), 5, ...tokenize('\n\n')]);
    assert.deepEqual([...assistant.close], [6]);
    assert.deepEqual([...assistant.children[0]!.tokens], tokenize(assistant.children[0]!.text));
    const memory = context.sections.conversation.find((n) => n.kind === 'memory');
    assert.ok(memory?.kind === 'memory');
    assert.deepEqual([...memory.tokens], [4, ...tokenize('memory'), 5, ...tokenize('\n\n'), ...tokenize(`${memory.key}\n${memory.text}`), 6]);
    assertMatches(result, await expectedMatrix(context));
  });

  test('several candidates per item, echo, and a priority the server schedules by', async () => {
    const small = (await loadContext(SMALL)).context;
    const expected = await expectedMatrix(small);
    await control(other, '/_test/reset');
    assertMatches((await score([SMALL, '--url', other.url, '--backend', 'completions', '--noise', '0', '--tokenizer', 'server', '--priority', '3'])).result, expected);
    assertMatches((await score([SMALL, '--url', other.url, '--backend', 'completions', '--noise', '0', '--logprobs-field', 'echo'])).result, expected);
    const scored = (await calls(other)).filter((c) => c.path === '/v1/completions');
    assert.ok(scored.length > 0);
    assert.deepEqual(new Set(scored.slice(0, memoryKeys(small).length + 1).map((c) => c.priority)), new Set([3]));
  });

  test('a template whose special tokens the model lacks is refused: exit 2', async () => {
    const run = await runCli(['convert', SMALL, '--tokenizer', 'server', '--template', 'llama3', '--url', other.url]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^memscope: template "llama3": the tokenizer reads its special token "<\|begin_of_text\|>" as \d+ tokens, not one; the model does not use this template \(see --template\)\n$/);
  });

  test('a template file: roles renamed; a bad file is refused with its place', async () => {
    const good = join(dir, 'mem-as-user.json');
    await writeFile(
      good,
      JSON.stringify({ name: 'chatml-memory-as-user', open: '<|im_start|>{role}\n', close: '<|im_end|>\n', roles: { memory: 'user' }, special_tokens: ['<|im_start|>', '<|im_end|>'] }),
    );
    const run = await runCli(['convert', SMALL, '--tokenizer', 'server', '--template', good, '--url', wire.url]);
    assert.equal(run.code, 0, run.stderr);
    const context = nativeToContext(NativeContextSchema.parse(JSON.parse(run.stdout)));
    assert.equal(context.template, 'chatml-memory-as-user');
    const memory = context.sections.conversation.find((n) => n.kind === 'memory');
    assert.ok(memory?.kind === 'memory');
    assert.deepEqual([...memory.tokens.slice(0, 3)], [1, ...tokenize('user\n')]);

    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ name: 'x', open: '{role}: ', close: '\n', special_tokens: ['<|im_end|>'] }));
    const refused = await runCli(['convert', SMALL, '--tokenizer', 'server', '--template', bad, '--url', wire.url]);
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr, `memscope: ${bad}: $.close: must begin with one of special_tokens (the end-of-turn token)\n`);
    const typo = await runCli(['convert', SMALL, '--tokenizer', 'server', '--template', 'chatlm', '--url', wire.url]);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /^memscope: --template: expected chatml, llama3 or a template file \(a path\), got "chatlm"\n$/);
  });

  test('a tokenizer server that does not answer: exit 1, one line', async () => {
    const run = await runCli(['convert', SMALL, '--tokenizer', 'server', '--url', 'http://127.0.0.1:1/v1']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^memscope: .*small\.json: tokenizing through the server failed: .*ECONNREFUSED.*\n$/);
  });
});

test('flags: combinations that cannot work are refused', async () => {
  const cases: [string[], RegExp][] = [
    [['--backend', 'openai'], /^--backend: expected one of score, completions, sglang, got "openai"$/],
    [['--backend', 'completions'], /^--backend completions needs --url/],
    [['--logprobs-field', 'echo'], /^--logprobs-field goes with --backend completions$/],
    [['--url', 'http://127.0.0.1:9/v1', '--backend', 'completions', '--logprobs-field', 'top'], /^--logprobs-field: expected one of prompt_logprobs, echo, got "top"$/],
    [['--tokenizer', 'server'], /^--tokenizer server needs --url/],
    [['--tokenizer', 'hf'], /^--tokenizer: expected one of builtin, server, got "hf"$/],
    [['--template', 'llama3'], /^--template goes with --tokenizer server/],
    [['--backend', 'sglang'], /^--backend sglang needs --url/],
    [['--max-model-len', '4096'], /^--max-model-len goes with --backend completions or sglang$/],
    [['--url', 'http://127.0.0.1:9', '--backend', 'sglang', '--max-model-len', 'big'], /^--max-model-len: expected a whole number ≥ 2, got "big"$/],
    [['--url', 'http://127.0.0.1:9', '--backend', 'sglang', '--logprobs-field', 'echo'], /^--logprobs-field goes with --backend completions$/],
  ];
  for (const [args, reason] of cases) {
    await assert.rejects(parseScoreSettings([SMALL, ...args], {}), (error: Error) => reason.test(error.message), args.join(' '));
  }
  const defaults = await parseScoreSettings([SMALL, '--url', 'http://127.0.0.1:9/v1', '--backend', 'completions', '--tokenizer', 'server'], {});
  assert.equal(defaults.priority, undefined);
  // One repeat of the baseline where servers batch; none with /score or the built-in scorer.
  assert.equal(defaults.noise, 1);
  assert.equal((await parseScoreSettings([SMALL, '--url', 'http://127.0.0.1:9/v1'], {})).noise, 0);
  assert.equal((await parseScoreSettings([SMALL], {})).noise, 0);
  await assert.rejects(parseScoreSettings([SMALL, '--noise', 'some'], {}), /^InputError: --noise: expected a whole number, got "some"$/);
  assert.equal(defaults.logprobsField, 'prompt_logprobs');
  assert.equal(defaults.template?.name, 'chatml');
  assert.equal((await parseScoreSettings([SMALL], {})).priority, 5);
});

test('score --help describes the new flags', async () => {
  const run = await runCli(['score', '--help']);
  for (const flag of ['--backend', '--logprobs-field', '--max-model-len', '--tokenizer', '--template']) assert.match(run.stdout, new RegExp(`\\n  ${flag} `));
});
