// Integration: a real `memscope serve` process, scored over HTTP by the real CLI.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { fixture, runCli, startProcess, startServe, tempDir, type RunningServer, testScript } from '../support/helpers.ts';

let serve: RunningServer;
before(async () => {
  serve = await startServe();
});
after(async () => {
  await serve.stop();
});

test('serve binds to 127.0.0.1 and answers /health', async () => {
  assert.match(serve.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  const answer = await request(`http://127.0.0.1:${serve.port}/health`);
  assert.equal(answer.statusCode, 200);
  assert.deepEqual(await answer.body.json(), { status: 'ok', model: 'memscope-builtin' });
});

test('serve answers malformed requests with 400 and a JSON error, and stays up', async () => {
  const post = async (body: string) => {
    const answer = await request(`${serve.url}/score`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    return { status: answer.statusCode, body: (await answer.body.json()) as { error?: string } };
  };
  for (const body of ['not json', '{}', '{"prompt": []}', '{"prompt": [1, -2]}', '{"prompt": [1.5]}', '{"prompt": [99999999]}', '{"prompt": "abc"}']) {
    const answer = await post(body);
    assert.equal(answer.status, 400, body);
    assert.equal(typeof answer.body.error, 'string', body);
  }
  const wrongMethod = await request(`${serve.url}/score`);
  assert.equal(wrongMethod.statusCode, 405);
  await wrongMethod.body.dump();
  const missing = await request(`http://127.0.0.1:${serve.port}/nope`);
  assert.equal(missing.statusCode, 404);
  await missing.body.dump();
  const ok = await post('{"prompt": [1, 20, 21, 5, 6, 2]}');
  assert.equal(ok.status, 200);
});

test('scoring over HTTP gives exactly the in-process result', async () => {
  const local = await runCli(['score', fixture('small.json'), '--json']);
  const remote = await runCli(['score', fixture('small.json'), '--json', '--url', serve.url, '--model', 'memscope-builtin']);
  assert.equal(local.code, 0, local.stderr);
  assert.equal(remote.code, 0, remote.stderr);
  assert.deepEqual(JSON.parse(remote.stdout), JSON.parse(local.stdout));
});

test('serve reports the tokens it received and the tokens it computed (prefix reuse)', async () => {
  const read = async () => {
    const answer = await request(`${serve.url}/stats`);
    assert.equal(answer.statusCode, 200);
    return (await answer.body.json()) as { calls: number; tokens_received: number; tokens_computed: number; tokens_replayed: number };
  };
  const before = await read();
  const run = await runCli(['score', fixture('medium.json'), '--json', '--url', serve.url]);
  assert.equal(run.code, 0, run.stderr);
  const after = await read();
  const calls = after.calls - before.calls;
  const received = after.tokens_received - before.tokens_received;
  const computed = after.tokens_computed - before.tokens_computed;
  assert.equal(calls, JSON.parse(run.stdout).calls);
  assert.ok(received > 0);
  assert.ok(computed > 0 && computed < received, `computed ${computed} of ${received}`);
});

test('through a recording proxy: N+1 calls of the reference shape, the key only in the header, the matrix recomputable', async () => {
  const dir = await tempDir();
  const log = `${dir.path}/calls.jsonl`;
  const proxy = await startProcess([testScript('servers/proxy.ts')], { UPSTREAM: `http://127.0.0.1:${serve.port}`, LOG: log });
  const key = 'sk-test-6f1d0c9a2b7e4f35';
  try {
    const run = await runCli(['score', fixture('small.json'), '--json', '--url', `${proxy.url}/v1`], { env: { MEMSCOPE_API_KEY: key } });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.includes(key) || run.stderr.includes(key), false, 'the key is never printed');
    const result = JSON.parse(run.stdout);
    const calls = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(calls.length, result.memories.length + 1);
    assert.equal(result.calls, calls.length);
    for (const call of calls) {
      assert.equal(call.method, 'POST');
      assert.equal(call.path, '/v1/score');
      assert.equal(call.headers.authorization, `Bearer ${key}`);
      const body = JSON.parse(call.body);
      assert.deepEqual(Object.keys(body).sort(), ['logprobs', 'model', 'priority', 'prompt']);
      assert.equal(body.model, 'memscope-builtin');
      assert.equal(body.logprobs, 1);
      assert.equal(body.priority, 5);
    }
    // The baseline is the longest prompt (nothing removed); every other call drops one memory.
    const scored = calls.map((c) => ({ prompt: JSON.parse(c.body).prompt as number[], scores: JSON.parse(c.answer).scores.map((s: { total_logprob: number }) => s.total_logprob) as number[] }));
    scored.sort((a, b) => b.prompt.length - a.prompt.length);
    const [baseline, ...rows] = scored;
    assert.deepEqual(result.responses.map((r: { baseline: number }) => r.baseline), baseline!.scores);
    const recomputed = rows.map((r) => baseline!.scores.map((b, j) => Math.max(0, b - r.scores[j]!))).map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(recomputed, result.matrix.map((r: number[]) => JSON.stringify(r)).sort());
  } finally {
    await proxy.stop();
    await dir.remove();
  }
});

test('an unreachable server fails the run with exit 1 and one line', async () => {
  const run = await runCli(['score', fixture('small.json'), '--url', 'http://127.0.0.1:9/v1', '--timeout', '5']);
  assert.equal(run.code, 1);
  const last = run.stderr.trim().split('\n').at(-1)!;
  assert.match(last, /^memscope: baseline failed: .*ECONNREFUSED/);
  assert.equal(run.stderr.includes('    at '), false, 'no stack trace');
});

test('serve limits body size and prompt length, and stays up under a flood of bad requests', async () => {
  const small = await startServe(['--max-body', '2000', '--max-prompt', '50']);
  try {
    const big = await request(`${small.url}/score`, { method: 'POST', body: JSON.stringify({ prompt: Array(1000).fill(20) }) });
    assert.equal(big.statusCode, 413);
    assert.match(((await big.body.json()) as { error: string }).error, /over 2000 bytes/);
    const long = await request(`${small.url}/score`, { method: 'POST', body: JSON.stringify({ prompt: Array(60).fill(20) }) });
    assert.equal(long.statusCode, 400);
    assert.match(((await long.body.json()) as { error: string }).error, /60 tokens, over the limit of 50/);

    const bad = ['{', '{"prompt": [-1]}', 'null', '{"prompt": {"a": 1}}', 'x'.repeat(1500), '[]'];
    let answered = 0;
    for (let round = 0; round < 40; round++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => request(`${small.url}/score`, { method: 'POST', body: bad[(round + i) % bad.length]! }).then(async (a) => (await a.body.dump(), a.statusCode))),
      );
      for (const status of answers) assert.ok(status === 400, `status ${status}`);
      answered += answers.length;
    }
    assert.equal(answered, 2000);
    const health = await request(`http://127.0.0.1:${small.port}/health`);
    assert.equal(health.statusCode, 200);
    await health.body.dump();
    const ok = await request(`${small.url}/score`, { method: 'POST', body: '{"prompt": [1, 20, 21, 5, 6, 2]}' });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
  } finally {
    await small.stop();
  }
});

test('a long prompt is streamed to the server in pieces and scores exactly as a whole one', async () => {
  const { loadContext } = await import('../../src/context/load-context.ts');
  const { buildPrompt, fullRange, NO_FILTER } = await import('../../src/scoring/prompt.ts');
  const { HttpScorer } = await import('../../src/scoring/score-client.ts');
  const { BuiltinScorer } = await import('../../src/builtin/builtin-scorer.ts');
  const { context } = await loadContext(fixture('medium.json'));
  const prompt = buildPrompt(context, fullRange(context), NO_FILTER);
  const streamed = new HttpScorer({ url: serve.url, model: 'memscope-builtin', timeoutMs: 30_000, streamAboveIds: 100 });
  try {
    const scores = await streamed.score({ prompt, expected: 100, priority: 5 });
    assert.deepEqual(scores, await new BuiltinScorer().score({ prompt, expected: 100 }));
  } finally {
    await streamed.close();
  }
});
