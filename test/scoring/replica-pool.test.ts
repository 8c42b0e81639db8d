// Several replicas behind --url: real `memscope serve` processes (one killed mid-run) and a
// purpose-built faulty replica, plus the pool's policy on a clock moved by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { chatToContext } from '../../src/context/chat-format.ts';
import { NO_FILTER, buildPrompt, fullRange } from '../../src/scoring/prompt.ts';
import { ReplicaPool } from '../../src/scoring/replica-pool.ts';
import { ApiCallError } from '../../src/scoring/json-endpoint.ts';
import { HttpScorer } from '../../src/scoring/score-client.ts';
import type { ScoreCall, Scorer, ScorerEvent } from '../../src/scoring/scorer.ts';
import { fixture, runCli, startProcess, startServe, type RunningServer, testScript } from '../support/helpers.ts';

async function stats(server: RunningServer): Promise<{ calls: number }> {
  const answer = await request(`${server.url}/stats`);
  return (await answer.body.json()) as { calls: number };
}

async function faultyCount(server: RunningServer): Promise<number> {
  const answer = await request(`http://127.0.0.1:${server.port}/count`);
  return ((await answer.body.json()) as { calls: number }).calls;
}

const startFaulty = (answer: string) => startProcess([testScript('servers/faulty-replica.ts')], { ANSWER: answer });

const small = chatToContext({
  conversation: [
    { role: 'user', content: 'How do we deploy?' },
    { role: 'memory', key: 'deploy', content: 'Deploys run make ship.' },
    { role: 'assistant', content: 'Deploys run make ship.' },
  ],
});
const call: ScoreCall = { prompt: buildPrompt(small, fullRange(small), NO_FILTER), expected: 1 };
const http = (server: RunningServer) => new HttpScorer({ url: server.url, model: null, timeoutMs: 10_000 });

test('calls spread over three real replicas, and the matrix is exactly the single-server one', async () => {
  const servers = await Promise.all([0, 1, 2].map(() => startServe(['--latency', '60'])));
  try {
    const local = await runCli(['score', fixture('medium.json'), '--json']);
    const run = await runCli(['score', fixture('medium.json'), '--json', '--concurrency', '6', ...servers.flatMap((s) => ['--url', s.url])]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), JSON.parse(local.stdout));
    assert.match(run.stderr, /backend http:\/\/127\.0\.0\.1:\d+\/v1, http:\/\/127\.0\.0\.1:\d+\/v1, http:\/\/127\.0\.0\.1:\d+\/v1/);
    const calls = await Promise.all(servers.map(async (s) => (await stats(s)).calls));
    assert.equal(calls.reduce((a, b) => a + b), 41);
    for (const n of calls) assert.ok(n >= 8, `each replica takes a share: ${calls.join(', ')}`);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
});

test('a replica killed mid-run: its calls go to the others and the result is still exact', async () => {
  const servers = await Promise.all([0, 1, 2].map(() => startServe(['--latency', '100'])));
  const [a, b, c] = servers as [RunningServer, RunningServer, RunningServer];
  try {
    const local = await runCli(['score', fixture('medium.json'), '--json']);
    const running = runCli(['score', fixture('medium.json'), '--json', '--concurrency', '3', '--url', a.url, '--url', b.url, '--url', c.url]);
    // Kill B (no goodbye: SIGKILL) once it has answered a few calls and has more in flight.
    let killedAfter = -1;
    for (;;) {
      const n = (await stats(b)).calls;
      if (n >= 3) {
        killedAfter = n;
        b.child.kill('SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const run = await running;
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.deepEqual(result, JSON.parse(local.stdout), 'no row failed, every number exact');
    assert.match(run.stderr, new RegExp(`replica http://127\\.0\\.0\\.1:${b.port}/v1 set aside for 1\\.0s: `));
    const others = (await stats(a)).calls + (await stats(c)).calls;
    assert.ok(killedAfter + others >= 41, `A and C took over: ${others} + ${killedAfter}`);
    assert.ok(others > 41 - 10, `most calls ended on the live replicas: ${others}`);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
});

test('a 5xx or a reset replica is set aside and the call retried elsewhere; a 4xx or a malformed answer is not retried', async () => {
  const serve = await startServe();
  const faulty = await Promise.all(['503', 'reset', '400', 'malformed'].map(startFaulty));
  const [down503, reset, bad400, malformed] = faulty as [RunningServer, RunningServer, RunningServer, RunningServer];
  try {
    for (const broken of [down503, reset]) {
      const pool = new ReplicaPool([http(broken), http(serve)]);
      const events: ScorerEvent[] = [];
      pool.subscribe((e) => events.push(e));
      const before = (await stats(serve)).calls;
      // Both idle: the first replica is tried first, fails, and the call lands on the second.
      const scores = await pool.score(call);
      assert.equal(scores.length, 1);
      assert.equal(await faultyCount(broken), 1);
      assert.equal((await stats(serve)).calls, before + 1);
      assert.equal(events.length, 1);
      assert.ok(events[0]!.type === 'replica-down' && events[0]!.backend === broken.url && events[0]!.retryInMs === 1000);
      // Set aside: the next calls skip it even though it is idle.
      await pool.score(call);
      await pool.score(call);
      assert.equal(await faultyCount(broken), 1);
      assert.ok(pool.status()[0]!.down);
      await pool.close();
    }
    for (const [broken, message] of [
      [bad400, /score API HTTP 400: always 400/],
      [malformed, /failed to parse score response/],
    ] as const) {
      const pool = new ReplicaPool([http(broken), http(serve)]);
      const before = (await stats(serve)).calls;
      await assert.rejects(pool.score(call), message);
      assert.equal(await faultyCount(broken), 1);
      assert.equal((await stats(serve)).calls, before, 'not retried on the healthy replica');
      assert.equal(pool.status()[0]!.down, false, 'the request was at fault, not the replica');
      await pool.close();
    }
  } finally {
    await Promise.all([serve, ...faulty].map((s) => s.stop()));
  }
});

test('every replica unreachable: the run fails with exit 1 and one line', async () => {
  const run = await runCli(['score', fixture('small.json'), '--url', 'http://127.0.0.1:9/v1', '--url', 'http://127.0.0.1:7/v1', '--timeout', '5']);
  assert.equal(run.code, 1);
  assert.match(run.stderr.trim().split('\n').at(-1)!, /^memscope: baseline failed: .*ECONNREFUSED/);
  const twice = await runCli(['score', fixture('small.json'), '--url', 'http://127.0.0.1:9/v1', '--url', 'http://127.0.0.1:9/v1/']);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr.trim(), /^memscope: --url: http:\/\/127\.0\.0\.1:9\/v1 is given twice$/);
});

/** A replica under the test's control: answers or fails when told to. */
class Controlled implements Scorer {
  fail = false;
  calls = 0;
  readonly pending: (() => void)[] = [];
  hold = false;
  constructor(readonly backend: string) {}
  async score(): Promise<number[]> {
    this.calls++;
    if (this.hold) await new Promise<void>((resolve) => this.pending.push(resolve));
    if (this.fail) throw new ApiCallError('score API HTTP 503: busy', 503);
    return [-1];
  }
  async close() {}
}

test('the least busy replica gets the call; cool-downs double with failures in a row and reset on success', async () => {
  let now = 0;
  const [a, b] = [new Controlled('a'), new Controlled('b')];
  const pool = new ReplicaPool([a, b], { now: () => now });
  const events: ScorerEvent[] = [];
  pool.subscribe((e) => events.push(e));

  // Fewest outstanding: while A holds one call, the next goes to B, then they tie and take turns.
  a.hold = true;
  const first = pool.score(call);
  await pool.score(call);
  assert.deepEqual([a.calls, b.calls], [1, 1]);
  a.hold = false;
  a.pending.shift()!();
  await first;

  a.fail = true;
  await pool.score(call); // A (fewer calls? tie → A), fails, retried on B
  assert.deepEqual([a.calls, b.calls], [2, 2]);
  assert.deepEqual(events.at(-1), { type: 'replica-down', backend: 'a', reason: 'score API HTTP 503: busy', retryInMs: 1000 });
  now = 900;
  await pool.score(call); // A still set aside
  assert.deepEqual([a.calls, b.calls], [2, 3]);
  now = 1000;
  await pool.score(call); // A back in turn, fails again: 2 s
  assert.deepEqual([a.calls, b.calls], [3, 4]);
  assert.equal((events.at(-1) as { retryInMs: number }).retryInMs, 2000);
  now = 3000;
  await pool.score(call);
  assert.equal((events.at(-1) as { retryInMs: number }).retryInMs, 4000);
  now = 7000;
  a.fail = false;
  await pool.score(call);
  assert.deepEqual(events.at(-1), { type: 'replica-up', backend: 'a' });
  a.fail = true;
  await pool.score(call);
  await pool.score(call);
  assert.equal((events.filter((e) => e.type === 'replica-down').at(-1) as { retryInMs: number }).retryInMs, 1000, 'reset after a success');

  // Both failing: each tried once, the last error surfaces.
  b.fail = true;
  now = 100_000;
  const before = [a.calls, b.calls];
  await assert.rejects(pool.score(call), /503/);
  assert.deepEqual([a.calls - before[0]!, b.calls - before[1]!], [1, 1]);
});
