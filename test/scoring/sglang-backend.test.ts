// Scoring against a server that answers as SGLang does (test/servers/sglang-wire.ts, a real
// process on 127.0.0.1, with a real radix prefix cache): the same results as the /score backend
// in every mode, prefix reuse measured by the server's own count, faults, replicas, the server
// tokenizer, and the refusals made before any call.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isMemory, memoryKey, tokenCount, SECTION_NAMES, type Context } from '../../src/context/context.ts';
import { loadContext } from '../../src/context/load-context.ts';
import type { RunResult } from '../../src/engine/events.ts';
import { parseScoreSettings } from '../../src/run/score-settings.ts';
import { prepareRun } from '../../src/run/scoring-run.ts';
import { buildScorePrompt, fullRange, NO_FILTER } from '../../src/scoring/prompt.ts';
import { fixture, runCli, startProcess, startServe, tempDir, testScript, type RunningServer } from '../support/helpers.ts';

const SMALL = fixture('small.json');
const MEDIUM = fixture('medium.json');

const startSglang = (...extra: string[]) => startProcess([testScript('servers/sglang-wire.ts'), '--port', '0', ...extra]);

async function get(server: RunningServer, path: string): Promise<unknown> {
  return (await fetch(`${server.url}${path}`)).json();
}
async function post(server: RunningServer, path: string, body: unknown = {}): Promise<unknown> {
  return (await fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body) })).json();
}
interface Stats {
  calls: number;
  prompt_tokens: number;
  cached_tokens: number;
  computed_tokens: number;
}
interface Logged {
  path: string;
  fields: string[];
  logprob_start_len?: number;
  promptLength: number;
  priority?: number;
}

/** One run in this process; the scorer closed after. */
async function run(args: string[]): Promise<RunResult> {
  const settings = await parseScoreSettings([...args, '--json'], {});
  const prepared = await prepareRun(settings);
  try {
    return await prepared.engine.run(prepared.modeOptions);
  } finally {
    await prepared.scorer.close();
  }
}

/** The prompt's length, where each memory (by key, first occurrence) begins in it, and its tokens (every occurrence). */
function memoryPositions(context: Context): { length: number; positions: number[]; lengths: number[] } {
  let offset = 0;
  for (const name of SECTION_NAMES) if (name !== 'conversation') for (const node of context.sections[name]) offset += tokenCount(node);
  const index = new Map<string, number>();
  const positions: number[] = [];
  const lengths: number[] = [];
  for (const node of context.sections.conversation) {
    const key = memoryKey(node);
    if (isMemory(node) && key !== undefined) {
      if (!index.has(key)) {
        index.set(key, positions.length);
        positions.push(offset);
        lengths.push(0);
      }
      lengths[index.get(key)!]! += tokenCount(node);
    }
    offset += tokenCount(node);
  }
  return { length: offset, positions, lengths };
}

const MODES: [string, string[]][] = [
  ['full', []],
  ['estimate', ['--estimate', '6', '--seed', '3']],
  ['single', ['--mode', 'single', '--key', 'KEY']],
  ['finetune', ['--mode', 'finetune', '--count', '12']],
];

describe('sglang backend against an SGLang-wire server', () => {
  let sglang: RunningServer;
  let serve: RunningServer;
  let vllm: RunningServer;
  let small: Context;

  before(async () => {
    [sglang, serve, vllm] = await Promise.all([startSglang(), startServe(), startProcess([testScript('servers/vllm-wire.ts'), '--port', '0'])]);
    small = (await loadContext(SMALL)).context;
  });
  after(async () => Promise.all([sglang.stop(), serve.stop(), vllm.stop()]));

  for (const [name, extra] of MODES) {
    test(`${name}: SGLang and vLLM (both answer shapes) give the /score backend's result on the same logprobs`, async () => {
      const key = [...new Set(small.sections.conversation.map(memoryKey).filter((k) => k !== undefined))][2]!;
      const args = extra.map((a) => (a === 'KEY' ? key : a));
      const viaScore = await run([SMALL, ...args, '--url', serve.url]);
      assert.deepEqual(await run([SMALL, ...args, '--url', sglang.url, '--backend', 'sglang']), viaScore);
      assert.deepEqual(await run([SMALL, ...args, '--url', vllm.url, '--backend', 'completions']), viaScore);
      assert.deepEqual(await run([SMALL, ...args, '--url', vllm.url, '--backend', 'completions', '--logprobs-field', 'echo']), viaScore);
      if (viaScore.mode === 'full') assert.ok(viaScore.matrix.flat().some((d) => d > 1));
    });
  }

  test('incremental: the same scores and weights as the /score backend, on SGLang and vLLM', async () => {
    const dir = await tempDir();
    try {
      const a = await run([SMALL, '--mode', 'incremental', '--store', join(dir.path, 'a.json'), '--url', sglang.url, '--backend', 'sglang']);
      const b = await run([SMALL, '--mode', 'incremental', '--store', join(dir.path, 'b.json'), '--url', serve.url]);
      const c = await run([SMALL, '--mode', 'incremental', '--store', join(dir.path, 'c.json'), '--url', vllm.url, '--backend', 'completions']);
      // Rows finish in any order; the scores and weights are the same.
      const sorted = (r: RunResult) => (r.mode === 'incremental' ? { ...r, scored: [...r.scored].sort((x, y) => x.key.localeCompare(y.key)), skipped: [...r.skipped].sort((x, y) => x.key.localeCompare(y.key)) } : r);
      assert.deepEqual(sorted(a), sorted(b));
      assert.deepEqual(sorted(c), sorted(b));
      assert.ok(a.mode === 'incremental' && a.scored.length > 0);
    } finally {
      await dir.remove();
    }
  });

  test('full matrix, medium: identical to /score; the server computes L + Σ(L − position of memory i) tokens within 5%', async () => {
    const medium = (await loadContext(MEDIUM)).context;
    await post(sglang, '/_test/reset');
    const viaSglang = await run([MEDIUM, '--url', sglang.url, '--backend', 'sglang']);
    const stats = (await get(sglang, '/_test/stats')) as Stats;
    assert.deepEqual(viaSglang, await run([MEDIUM, '--url', serve.url]));
    const { length, positions, lengths } = memoryPositions(medium);
    const model = length + positions.reduce((n, p) => n + (length - p), 0);
    assert.ok(Math.abs(stats.computed_tokens - model) <= 0.05 * model, `computed ${stats.computed_tokens}, model ${model}`);
    // Closer: an ablated prompt is also shorter by the memory's own tokens; and the turn after a
    // dropped memory begins with the same header tokens as the memory did, which the cache serves
    // too (a few tokens a call).
    const closer = length + positions.reduce((n, p, i) => n + (length - lengths[i]! - p), 0);
    assert.ok(stats.computed_tokens <= closer && closer - stats.computed_tokens <= 4 * positions.length, `computed ${stats.computed_tokens}, L + Σ(L − len − p) ${closer}`);
    // Without reuse it would be (N + 1)·L.
    assert.ok(stats.computed_tokens < 0.75 * (positions.length + 1) * length);
    assert.equal(stats.prompt_tokens - stats.cached_tokens, stats.computed_tokens);
  });

  test('the requests: native /generate fields, logprob_start_len after the shared prefix, no priority by default', async () => {
    await post(sglang, '/_test/reset');
    await run([SMALL, '--url', sglang.url, '--backend', 'sglang']);
    const calls = ((await get(sglang, '/_test/log')) as Logged[]).filter((c) => c.path === '/generate');
    assert.ok(calls.length >= 2);
    for (const call of calls) assert.deepEqual(call.fields, ['input_ids', 'logprob_start_len', 'return_logprob', 'sampling_params', 'top_logprobs_num']);
    const { positions } = memoryPositions(small);
    // The baseline starts at its first response; every ablation starts at or after its memory.
    const [baseline, ...ablations] = calls;
    assert.ok(baseline!.logprob_start_len! > 0);
    assert.ok(ablations.every((c) => c.logprob_start_len! >= Math.min(...positions) - 1));
    await post(sglang, '/_test/reset');
    await run([SMALL, '--url', sglang.url, '--backend', 'sglang', '--priority', '2']);
    const prioritized = ((await get(sglang, '/_test/log')) as Logged[]).filter((c) => c.path === '/generate');
    assert.deepEqual(new Set(prioritized.map((c) => c.priority)), new Set([2]));
  });

  test('headless: the done line and the session say how many prompt tokens the server reused', async () => {
    const dir = await tempDir();
    try {
      await post(sglang, '/_test/reset');
      const record = join(dir.path, 'run.jsonl');
      const cli = await runCli(['score', SMALL, '--url', sglang.url, '--backend', 'sglang', '--headless', '--record', record]);
      assert.equal(cli.code, 0, cli.stderr);
      const stats = (await get(sglang, '/_test/stats')) as Stats;
      const done = /^done: (\d+) calls in [\d.]+s; server: (\d+) requests, (\d+) prompt tokens, (\d+) reused from its prefix cache, (\d+) computed$/m.exec(cli.stderr);
      assert.ok(done, cli.stderr);
      assert.deepEqual(done.slice(2).map(Number), [stats.calls, stats.prompt_tokens, stats.cached_tokens, stats.computed_tokens]);
      assert.ok(stats.cached_tokens > 0);
      const lines = (await readFile(record, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type?: string; event?: { type: string; server?: unknown } });
      const end = lines.map((l) => l.event ?? l).find((e) => e.type === 'run-done') as { server?: unknown } | undefined;
      assert.deepEqual(end?.server, { requests: stats.calls, prompt_tokens: stats.prompt_tokens, cached_tokens: stats.cached_tokens });
    } finally {
      await dir.remove();
    }
  });

  test('null (SGLang\'s −inf or NaN) at a scored position fails that row with the reason; outside the spans it does not matter', async () => {
    const baseline = await run([SMALL, '--url', serve.url]);
    const { tokens, spans } = buildScorePrompt(small, fullRange(small), NO_FILTER);
    const last = spans[spans.length - 1]!;
    // A token of the last response, in its own memory's row only: a memory whose id is nowhere else.
    const inSpan = last.end - 1;
    // Only the baseline (the one prompt of the full length): the positions of the others shift.
    const only_length = tokens.length;
    await post(sglang, '/_test/fault', { kind: 'neg-inf', at: inSpan, only_length });
    try {
      const result = await run([SMALL, '--url', sglang.url, '--backend', 'sglang']).catch((e: Error) => e);
      // The baseline itself has the null: the run fails, saying what the server returned.
      assert.ok(result instanceof Error);
      assert.match(result.message, new RegExp(`^baseline failed: bad SGLang answer: the server returned no logprob at prompt position ${inSpan} \\(token id ${tokens[inSpan]}\\) \\(meta_info\\.input_token_logprobs\\[\\d+\\]\\[0\\] is null: −inf or NaN on the server\\); server: ${sglang.url} \\(sglang /generate\\)$`));
      // The header before the last response: returned, but in no span.
      const outside = last.start - 1;
      assert.ok(!spans.some((s) => outside >= s.start && outside < s.end));
      await post(sglang, '/_test/fault', { kind: 'neg-inf', at: outside, only_length });
      assert.deepEqual(await run([SMALL, '--url', sglang.url, '--backend', 'sglang']), baseline);
      await post(sglang, '/_test/fault', { kind: 'wrong-id', at: inSpan, only_length });
      await assert.rejects(run([SMALL, '--url', sglang.url, '--backend', 'sglang']), new RegExp(`bad SGLang answer: meta_info\\.input_token_logprobs\\[\\d+\\] is for token id ${tokens[inSpan]! + 1}, but prompt position ${inSpan} holds ${tokens[inSpan]}`));
    } finally {
      await post(sglang, '/_test/fault', { kind: null });
    }
  });

  test('the fallback: SGLang\'s /v1/completions with echo gives the same matrix; prompt_logprobs is dropped there', async () => {
    const echo = await run([SMALL, '--url', `${sglang.url}/v1`, '--backend', 'completions', '--logprobs-field', 'echo']);
    assert.deepEqual(echo, await run([SMALL, '--url', serve.url]));
    await assert.rejects(run([SMALL, '--url', `${sglang.url}/v1`, '--backend', 'completions']), /baseline failed: bad completions answer: the answer has no choices\[0\]\.prompt_logprobs \(does the server support prompt_logprobs\? SGLang drops the field: use --backend sglang, or --logprobs-field echo\)/);
  });

  test('retries: a server answering 503 for a while is tried again, and the matrix is the same', async () => {
    await post(sglang, '/_test/fault', { kind: 'unavailable', at: 0, times: 2 });
    const settings = await parseScoreSettings([SMALL, '--url', sglang.url, '--backend', 'sglang', '--retry-delay', '10', '--json'], {});
    const prepared = await prepareRun(settings);
    const retries: string[] = [];
    prepared.engine.subscribe((e) => {
      if (e.type === 'call-retry') retries.push(e.reason);
    });
    try {
      assert.deepEqual(await prepared.engine.run(prepared.modeOptions), await run([SMALL, '--url', serve.url]));
    } finally {
      await prepared.scorer.close();
    }
    assert.deepEqual(retries, ['SGLang /generate HTTP 503: The server is not ready', 'SGLang /generate HTTP 503: The server is not ready']);
  });

  test('replicas and the server tokenizer: the same matrix, the work split between the servers', async () => {
    const other = await startSglang();
    try {
      await Promise.all([post(sglang, '/_test/reset'), post(other, '/_test/reset')]);
      const pooled = await run([SMALL, '--url', sglang.url, '--url', other.url, '--backend', 'sglang', '--tokenizer', 'server']);
      assert.deepEqual(pooled, await run([SMALL, '--url', serve.url]));
      const [a, b] = (await Promise.all([get(sglang, '/_test/stats'), get(other, '/_test/stats')])) as Stats[];
      assert.ok(a!.calls > 0 && b!.calls > 0, `${a!.calls} and ${b!.calls} requests`);
      const tokenized = ((await get(sglang, '/_test/log')) as Logged[]).filter((c) => c.path === '/tokenize');
      assert.ok(tokenized.length > 0);
    } finally {
      await other.stop();
    }
  });
});

describe('context limits, before any call', () => {
  test('sglang: the server\'s limit (GET /v1/models) is under the longest prompt: one line with both numbers, exit 1, no call', async () => {
    const server = await startSglang('--context-length', '800');
    try {
      const cli = await runCli(['score', SMALL, '--url', server.url, '--backend', 'sglang', '--json']);
      assert.equal(cli.code, 1);
      assert.match(
        cli.stderr,
        /^memscope: the longest prompt of this run is 1116 tokens, and the server takes at most 799 \(max_model_len 800, GET \/v1\/models of http:\/\/127\.0\.0\.1:\d+, SGLang takes prompts shorter than it\); no call was made\. Score a window instead \(--mode single --key K\), shorten the context, or start the server with a larger --max-model-len\n$/,
      );
      assert.equal(cli.stdout, '');
      const log = (await get(server, '/_test/log')) as Logged[];
      assert.deepEqual(log.filter((c) => c.path === '/generate'), []);
    } finally {
      await server.stop();
    }
  });

  test('a server that does not say its limit: --max-model-len; and a length 400 that still comes reads plainly', async () => {
    const server = await startSglang('--context-length', '800', '--no-limit-info');
    try {
      const flagged = await runCli(['score', SMALL, '--url', server.url, '--backend', 'sglang', '--max-model-len', '1000', '--json']);
      assert.equal(flagged.code, 1);
      assert.match(flagged.stderr, /the longest prompt of this run is 1116 tokens, and the server takes at most 999 \(max_model_len 1000, --max-model-len,/);
      const unsaid = await runCli(['score', SMALL, '--url', server.url, '--backend', 'sglang', '--json']);
      assert.equal(unsaid.code, 1);
      assert.match(
        unsaid.stderr,
        /\nmemscope: baseline failed: the server refused a prompt of 1116 tokens as too long for its context \(SGLang \/generate HTTP 400: The input \(1116 tokens\) is longer than the model's context length \(800 tokens\)\.\); server: http:\/\/127\.0\.0\.1:\d+ \(sglang \/generate\)\n$/,
      );
    } finally {
      await server.stop();
    }
  });

  test('vLLM without /v1/models: max_model_len from POST /tokenize', async () => {
    const wire = await startProcess([testScript('servers/vllm-wire.ts'), '--port', '0', '--max-model-len', '1000', '--no-models-route']);
    try {
      const cli = await runCli(['score', SMALL, '--url', wire.url, '--backend', 'completions', '--json']);
      assert.equal(cli.code, 1);
      assert.match(cli.stderr, /^memscope: the longest prompt of this run is 1116 tokens, and the server takes at most 999 \(max_model_len 1000, POST \/tokenize of http:\/\/127\.0\.0\.1:\d+\/v1, less 1/);
    } finally {
      await wire.stop();
    }
  });

  test('vLLM: max_model_len from GET /v1/models; a window that fits is scored', async () => {
    const wire = await startProcess([testScript('servers/vllm-wire.ts'), '--port', '0', '--max-model-len', '1000']);
    try {
      const cli = await runCli(['score', SMALL, '--url', wire.url, '--backend', 'completions', '--json']);
      assert.equal(cli.code, 1);
      assert.match(cli.stderr, /^memscope: the longest prompt of this run is 1116 tokens, and the server takes at most 999 \(max_model_len 1000, GET \/v1\/models of http:\/\/127\.0\.0\.1:\d+\/v1, less 1/);
      const small = (await loadContext(SMALL)).context;
      // The last memory: its window is the shortest.
      const key = small.sections.conversation.map(memoryKey).filter((k) => k !== undefined).pop()!;
      const single = await runCli(['score', SMALL, '--url', wire.url, '--backend', 'completions', '--mode', 'single', '--key', key, '--json']);
      assert.equal(single.code, 0, single.stderr);
      // Told it is larger than it is, the server's own 400 is said plainly.
      const told = await runCli(['score', SMALL, '--url', wire.url, '--backend', 'completions', '--max-model-len', '5000', '--json']);
      assert.equal(told.code, 1);
      assert.match(told.stderr, /\nmemscope: baseline failed: the server refused a prompt of 1116 tokens as too long for its context \(completions API HTTP 400: This model's maximum context length is 1000 tokens\. However, your request has 1116 input tokens\./);
    } finally {
      await wire.stop();
    }
  });
});

describe('llama.cpp', () => {
  test('recognised from GET /props and refused with one line before any call', async () => {
    const server = await startProcess([testScript('servers/llamacpp-wire.ts'), '--port', '0']);
    try {
      const cli = await runCli(['score', SMALL, '--url', server.url, '--backend', 'completions', '--json']);
      assert.equal(cli.code, 1);
      assert.match(cli.stderr, /^memscope: http:\/\/127\.0\.0\.1:\d+\/v1: this is llama\.cpp's server, which cannot return the logprobs of prompt tokens \(its logprobs cover generated tokens only\); memscope needs them: use vLLM \(--backend completions\) or SGLang \(--backend sglang\)\n$/);
      const log = (await (await fetch(server.url.replace(/\/v1$/, '/_test/log'))).json()) as string[];
      assert.ok(!log.includes('POST /v1/completions'));
    } finally {
      await server.stop();
    }
  });

  test('behind a proxy that hides /props: recognised from its answer', async () => {
    const server = await startProcess([testScript('servers/llamacpp-wire.ts'), '--port', '0', '--hide-self']);
    try {
      const cli = await runCli(['score', SMALL, '--url', server.url, '--backend', 'completions', '--json']);
      assert.equal(cli.code, 1);
      assert.match(cli.stderr, /\nmemscope: baseline failed: bad completions answer: this is llama\.cpp's server, which cannot return the logprobs of prompt tokens/);
    } finally {
      await server.stop();
    }
  });
});
