// Fault injection: a real misbehaving server process, and the real CLI against it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { BIN, ROOT, fixture, runCli, startProcess, startServe, tempDir, waitFor, testScript } from '../support/helpers.ts';

function faultyServer(schedule: string[], env: NodeJS.ProcessEnv = {}) {
  return startProcess([testScript('servers/faulty-server.ts')], { FAULTS: JSON.stringify(schedule), ...env });
}

const FAST = ['--concurrency', '1', '--retry-delay', '20'];
let clean: { memories: { key: string }[]; matrix: number[][] } | undefined;
async function cleanResult() {
  clean ??= JSON.parse((await runCli(['score', fixture('small.json'), '--json'])).stdout);
  return clean!;
}

test('transient failures are retried with backoff and the run completes unchanged', async () => {
  const server = await faultyServer(['503', 'reset', '429:1']);
  try {
    const run = await runCli(['score', fixture('small.json'), '--json', '--url', server.url, ...FAST]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).matrix, (await cleanResult()).matrix);
    // One line per retry (calls retried in one wave would share it), saying how many are left.
    const retries = run.stderr.split('\n').filter((l) => /: retry \d of 3 in /.test(l));
    assert.equal(retries.length, 3, run.stderr);
    assert.match(retries[0]!, /^ {2}score API HTTP 503: injected 503: retry 1 of 3 in \d/);
    assert.match(retries[1]!, /^ {2}connection (reset|closed).*: retry 2 of 3 in \d/);
    assert.match(retries[2]!, /^ {2}score API HTTP 429.*: retry 3 of 3 in 1\.0s$/, 'Retry-After is honoured');
  } finally {
    await server.stop();
  }
});

test('a row that still fails after the retries is marked failed with its reason; the run goes on', async () => {
  const server = await faultyServer(['ok', '503', '503', '503', '503']);
  try {
    const run = await runCli(['score', fixture('small.json'), '--json', '--url', server.url, ...FAST]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.deepEqual(result.memories[0], { key: result.memories[0].key, max: 0, failed: true, reason: 'score API HTTP 503: injected 503 (after 4 tries)' });
    assert.ok(result.memories.slice(1).every((m: { failed: boolean }) => !m.failed));
    assert.deepEqual(result.matrix.slice(1), (await cleanResult()).matrix.slice(1));
    assert.equal(result.calls, 9, 'retries are not extra calls');
  } finally {
    await server.stop();
  }
});

test('4xx other than 408 and 429 is not retried', async () => {
  const dir = await tempDir();
  const server = await faultyServer(['ok', '400'], { LOG: `${dir.path}/log` });
  try {
    const run = await runCli(['score', fixture('small.json'), '--json', '--url', server.url, ...FAST]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).memories[0].reason, 'score API HTTP 400: injected 400');
    const log = (await readFile(`${dir.path}/log`, 'utf8')).trim().split('\n');
    assert.equal(log.length, 9, 'one try per call');
  } finally {
    await server.stop();
    await dir.remove();
  }
});

const malformed: [string, RegExp][] = [
  ['garbage', /^score API answer is not JSON: <html>502 Bad Gateway<\/html>$/],
  ['wrong-count', /^bad score response: expected \d+ scores \(one per assistant response\), got \d+$/],
  ['infinity', /^failed to parse score response: scores\.0\.total_logprob: Invalid input: expected number, received Infinity$/],
  ['positive', /^bad score response: score 0 is a positive logprob \(3\.5\)$/],
  ['error200', /^score API error: model is loading$/],
  ['huge', /^answer is over the 16777216-byte limit$/],
];

test('malformed answers fail that call with a clear reason', async () => {
  for (const [step, reason] of malformed) {
    const server = await faultyServer(['ok', step]);
    try {
      const run = await runCli(['score', fixture('small.json'), '--json', '--url', server.url, ...FAST]);
      assert.equal(run.code, 0, run.stderr);
      const first = JSON.parse(run.stdout).memories[0];
      assert.equal(first.failed, true, step);
      assert.match(first.reason, reason);
    } finally {
      await server.stop();
    }
  }
});

test('a stalled call times out, is retried, then fails its row', async () => {
  const server = await faultyServer(['ok', 'stall', 'stall']);
  try {
    const run = await runCli(['score', fixture('small.json'), '--json', '--url', server.url, ...FAST, '--timeout', '1', '--retries', '1']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).memories[0].reason, 'no answer within 1s (after 2 tries)');
  } finally {
    await server.stop();
  }
});

test('a failed baseline ends the run with exit 1 and one line', async () => {
  const server = await faultyServer(['400']);
  try {
    const run = await runCli(['score', fixture('small.json'), '--json', '--url', server.url, ...FAST]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.trim().split('\n').at(-1), `memscope: baseline failed: score API HTTP 400: injected 400; server: ${server.url}`);
  } finally {
    await server.stop();
  }
});

test('the API key goes to the server only, never into output, even when the server echoes it', async () => {
  const dir = await tempDir();
  const key = 'sk-live-93b1f0e2c4d5a6b7';
  const server = await faultyServer(['ok', 'echo-auth'], { LOG: `${dir.path}/log` });
  try {
    const run = await runCli(['score', fixture('small.json'), '--json', '--url', server.url, ...FAST], { env: { MEMSCOPE_API_KEY: key } });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(`${run.stdout}${run.stderr}`.includes(key), false);
    assert.equal(JSON.parse(run.stdout).memories[0].reason, 'score API HTTP 400: bad header: Bearer [redacted]');
    const log = (await readFile(`${dir.path}/log`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(log.every((l) => l.authorization === `Bearer ${key}`));
  } finally {
    await server.stop();
    await dir.remove();
  }
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

test('a server killed mid-run and restarted seconds later: every row is scored', async () => {
  const port = await freePort();
  let server = await startServe(['--port', String(port), '--latency', '60']);
  const child = spawn(process.execPath, [BIN, 'score', fixture('medium.json'), '--json', '--url', `http://127.0.0.1:${port}/v1`, '--concurrency', '2', '--retries', '6', '--retry-delay', '250'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  try {
    await waitFor(() => ((stderr.match(/: max /g) ?? []).length >= 5 ? true : undefined), 30_000, 'five rows');
    await server.stop();
    await new Promise((r) => setTimeout(r, 1500));
    server = await startServe(['--port', String(port), '--latency', '60']);
    assert.equal(await exited, 0, stderr);
    const result = JSON.parse(stdout);
    assert.ok(result.memories.every((m: { failed: boolean }) => !m.failed), stderr);
    assert.match(stderr, /(refused|reset|closed).*: retry \d of 6 in /);
    const reference = JSON.parse((await runCli(['score', fixture('medium.json'), '--json'])).stdout);
    assert.deepEqual(result.matrix, reference.matrix);
  } finally {
    child.kill();
    await server.stop();
  }
});

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  test(`${signal} aborts the run: exit ${code}, one line`, async () => {
    const child = spawn(process.execPath, [BIN, 'score', fixture('medium.json'), '--latency', '200'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    await waitFor(() => (stderr.includes('scoring: 1/40') ? true : undefined), 20_000, 'the first row');
    child.kill(signal);
    assert.equal(await exited, code);
    assert.equal(stderr.trim().split('\n').at(-1), 'memscope: interrupted');
  });
}

test('Ctrl-C aborts a call in flight at once, without waiting for its timeout', async () => {
  const server = await faultyServer(['stall']);
  try {
    const child = spawn(process.execPath, [BIN, 'score', fixture('small.json'), '--url', server.url, '--timeout', '600'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    await waitFor(() => (stderr.includes('scoring: baseline') ? true : undefined), 20_000, 'the baseline call');
    child.kill('SIGINT');
    // Bounded by the test runner's timeout, not by the 600 s call timeout.
    assert.equal(await exited, 130);
  } finally {
    await server.stop();
  }
});

test('killing an incremental run at any moment leaves a valid weight store', async () => {
  const dir = await tempDir();
  const store = `${dir.path}/weights.json`;
  try {
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [BIN, 'score', fixture('medium.json'), '--mode', 'incremental', '--store', store, '--max-age', '0', '--latency', String(5 + round * 7)], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise((r) => child.on('close', r));
      await waitFor(() => ((stderr.match(/: max /g) ?? []).length >= 2 + round ? true : undefined), 20_000, 'scores');
      child.kill('SIGKILL');
      await exited;
      const data = JSON.parse(await readFile(store, 'utf8'));
      assert.equal(data.format, 'memscope-weights');
      assert.ok(Object.keys(data.memories).length >= 1);
    }
  } finally {
    await dir.remove();
  }
});
