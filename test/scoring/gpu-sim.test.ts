// The GPU-cost simulator (test/servers/gpu-sim.ts, a real process): a known set of prompts costs
// known tokens computed and reused under each server's cache rule, blocks, LRU eviction, and
// known steps and busy time under the token budget.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simsForFile, type Sim } from '../support/gpu-sim.ts';

const sim = simsForFile();

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Record<string, unknown>;
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
/** 100 tokens; B shares its first 60 with A. */
const A = range(100, 100);
const B = [...A.slice(0, 60), ...range(1000, 40)];
const D = range(5000, 100);

function generate(server: Sim, ids: number[], start: number) {
  return post(`${server.url}/generate`, { input_ids: ids, sampling_params: { max_new_tokens: 0 }, return_logprob: true, logprob_start_len: start, top_logprobs_num: 0 });
}

describe('gpu-sim accounting', () => {
  test('SGLang: the cache serves a prompt up to logprob_start_len, token by token', async () => {
    const server = await sim('sglang');
    const answers = [];
    answers.push(await generate(server, A, 0)); // nothing cached: 100 computed
    answers.push(await generate(server, B, 59)); // shares 60, may read 59: 41 computed
    answers.push(await generate(server, B, 99)); // all cached but the last token: 1 computed
    answers.push(await generate(server, A, 30)); // may read 30: 70 computed
    const cached = answers.map((a) => (a.meta_info as { cached_tokens: number }).cached_tokens);
    assert.deepEqual(cached, [0, 59, 99, 30]);
    const first = (answers[1]!.meta_info as { input_token_logprobs: unknown[][] }).input_token_logprobs;
    assert.equal(first.length, 41, 'entries from logprob_start_len on');
    assert.deepEqual(first[0], [null, B[59], null], 'the entry at logprob_start_len is null');
    const s = await server.stats();
    assert.equal(s.requests, 4);
    assert.equal(s.tokens_received, 400);
    assert.equal(s.tokens_computed, 100 + 41 + 1 + 70);
    assert.equal(s.tokens_reused, 0 + 59 + 99 + 30);
  });

  test('vLLM: prompt-logprob requests never read the cache; /score reads it in blocks of 16', async () => {
    const server = await sim('vllm');
    for (const prompt of [A, B]) await post(`${server.url}/v1/completions`, { prompt, max_tokens: 1, prompt_logprobs: 1 });
    let s = await server.stats();
    assert.equal(s.tokens_computed, 200);
    assert.equal(s.tokens_reused, 0);
    // The cache holds A's and B's whole blocks: B's 60 shared tokens are 3 blocks (48 tokens).
    const answer = await post(`${server.url}/score`, { model: 'memscope-builtin', prompt: B.map((t, i) => (i < 60 ? t : t + 7)), logprobs: 1 });
    assert.equal((answer.usage as { prompt_tokens_details: { cached_tokens: number } }).prompt_tokens_details.cached_tokens, 48);
    s = await server.stats();
    assert.equal(s.tokens_computed, 200 + 52);
    assert.equal(s.tokens_reused, 48);
  });

  test('the least recently used prefix leaves a full cache first, tail first', async () => {
    const server = await sim('sglang', '--cache-tokens', '150');
    await generate(server, A, 0);
    await generate(server, D, 0); // 200 tokens in a 150-token cache: A loses its last 50
    assert.equal((await server.stats()).cache_tokens, 150);
    const again = await generate(server, A, 99);
    assert.equal((again.meta_info as { cached_tokens: number }).cached_tokens, 50);
  });

  test('steps hold at most the token budget; each costs overhead + tokens × per-token cost', async () => {
    const server = await sim('sglang', '--token-budget', '64', '--step-overhead-ms', '1', '--per-token-ms', '0.01');
    await generate(server, A, 0);
    const s = await server.stats();
    assert.equal(s.steps, 2);
    assert.ok(Math.abs(s.busy_ms - (2 * 1 + 100 * 0.01)) < 1e-9, `busy ${s.busy_ms}`);
  });
});
