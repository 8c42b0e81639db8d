// The backend table (src/run/backends.ts) is the one place a backend is described: these tests
// read every entry and check that settings, the scorer factory, the session header and --help
// do what it says, so an entry that is wrong or a place that ignores the table fails here.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { loadContext } from '../../src/context/load-context.ts';
import { DEFAULT_CONCURRENCY } from '../../src/core/limiter.ts';
import { BACKEND_FLAGS, BACKEND_NAMES, BACKENDS, BUILTIN, backendHelp, backendRun, backendsTaking } from '../../src/run/backends.ts';
import { parseScoreSettings } from '../../src/run/score-settings.ts';
import { createScorer } from '../../src/run/scoring-run.ts';
import { HttpClient } from '../../src/scoring/http-client.ts';
import { sessionHeader } from '../../src/sessions/session-header.ts';
import { fixture, runCli, startProcess, startServe, tempDir, testScript } from '../support/helpers.ts';

const SMALL = fixture('small.json');
const URL_OF = 'http://127.0.0.1:9/v1';
const FLAG_VALUES = { 'logprobs-field': 'echo', 'max-model-len': '1000' } as const;

test('a backend that needs a URL refuses to run without one; the others run on the built-in scorer', async () => {
  for (const name of BACKEND_NAMES) {
    const { needsUrl } = BACKENDS[name];
    if (needsUrl !== undefined) {
      await assert.rejects(parseScoreSettings([SMALL, '--backend', name], {}), { message: `--backend ${name} needs --url (${needsUrl})` });
      continue;
    }
    const settings = await parseScoreSettings([SMALL, '--backend', name], {});
    assert.equal(backendRun(settings), BUILTIN);
    const scorer = createScorer(settings, null);
    assert.equal(scorer.backend, 'built-in');
    await scorer.close();
  }
});

test('each backend takes exactly the flags its entry lists, and the error names the backends that take it', async () => {
  assert.equal(backendsTaking('logprobs-field'), 'completions');
  assert.equal(backendsTaking('max-model-len'), 'completions or sglang');
  for (const name of BACKEND_NAMES) {
    for (const flag of BACKEND_FLAGS) {
      const args = [SMALL, '--url', URL_OF, '--backend', name, `--${flag}`, FLAG_VALUES[flag]];
      if (BACKENDS[name].flags.includes(flag)) await parseScoreSettings(args, {});
      else await assert.rejects(parseScoreSettings(args, {}), { message: `--${flag} goes with --backend ${backendsTaking(flag)}` });
    }
  }
});

test('each backend sends its default priority unless --priority says otherwise', async () => {
  for (const name of BACKEND_NAMES) {
    const settings = await parseScoreSettings([SMALL, '--url', URL_OF, '--backend', name], {});
    assert.equal(settings.priority, BACKENDS[name].defaultPriority, name);
    assert.equal((await parseScoreSettings([SMALL, '--url', URL_OF, '--backend', name, '--priority', '2'], {})).priority, 2);
  }
  assert.equal(BACKENDS.score.defaultPriority, 5, "the reference's priority");
});

test('each backend with a URL makes an HTTP client on the shared base, one per --url', async () => {
  for (const name of BACKEND_NAMES) {
    const settings = await parseScoreSettings([SMALL, '--url', URL_OF, '--url', 'http://127.0.0.1:7/v1', '--backend', name], {});
    const scorer = createScorer(settings, 'm');
    // A replica pool over two clients, wrapped in retries: it names both servers.
    assert.match(scorer.backend, /127\.0\.0\.1:9.*, .*127\.0\.0\.1:7/);
    await scorer.close();
    const one = BACKENDS[name].create({ ...settings, urls: [URL_OF], retries: 0 }, 'm');
    await one.close();
  }
  const settings = await parseScoreSettings([SMALL, '--url', URL_OF], {});
  const direct = BACKENDS.completions.create({ ...settings, urls: [URL_OF] }, 'm');
  await direct.close();
  // Retries wrap the client; the client inside is an HttpClient.
  const inner = (direct as unknown as { inner: unknown }).inner;
  assert.ok(inner instanceof HttpClient);
});

test('the session header records what the entry says: the built-in its latency, completions its answer shape', async () => {
  const loaded = await loadContext(SMALL);
  const header = async (args: string[]) => sessionHeader(loaded, await parseScoreSettings([SMALL, ...args], {}), 'm', '0.0.0', new Date(0)).settings;
  assert.equal((await header(['--latency', '20'])).latencyMs, 20);
  assert.equal('latencyMs' in (await header([])), false);
  assert.equal('latencyMs' in (await header(['--url', URL_OF, '--latency', '20'])), false, 'latency is the built-in scorer’s');
  assert.equal((await header(['--url', URL_OF, '--backend', 'completions', '--logprobs-field', 'echo'])).logprobsField, 'echo');
  for (const name of ['score', 'sglang']) {
    const recorded = await header(['--url', URL_OF, '--backend', name]);
    assert.equal(recorded.backend, name);
    assert.equal('logprobsField' in recorded, false);
  }
});

test('--help describes every backend with its table entry', async () => {
  const [general, score] = await Promise.all([runCli(['--help']), runCli(['score', '--help'])]);
  assert.equal(general.code, 0);
  // score --help wraps the table's lines into its column: compare the words.
  const words = (text: string) => text.replace(/\s+/g, ' ');
  assert.ok(words(score.stdout).includes(words(backendHelp())), 'the --backend lines are the table’s');
  for (const name of BACKEND_NAMES) assert.ok(BACKENDS[name].help.length > 0, `${name} has help`);
});

test('--concurrency bounds the calls in flight, and the HTTP pool opens no more connections than that', async () => {
  const serve = await startServe();
  const dir = await tempDir();
  try {
    for (const [flags, bound] of [[['--concurrency', '3'], 3], [[], DEFAULT_CONCURRENCY]] as const) {
      const log = `${dir.path}/calls-${bound}.jsonl`;
      // Each call is held 200 ms on the way, so the calls the engine lets go overlap there.
      const proxy = await startProcess([testScript('servers/proxy.ts')], { UPSTREAM: `http://127.0.0.1:${serve.port}`, LOG: log, DELAY: '200' });
      try {
        const run = await runCli(['score', SMALL, '--json', '--url', `${proxy.url}/v1`, ...flags]);
        assert.equal(run.code, 0, run.stderr);
        const calls = (await readFile(log, 'utf8'))
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { inFlight: number; client: number });
        assert.equal(calls.length, JSON.parse(run.stdout).calls);
        assert.equal(Math.max(...calls.map((c) => c.inFlight)), bound, 'as many calls in flight as allowed, never more');
        const connections = new Set(calls.map((c) => c.client)).size;
        assert.ok(connections <= bound, `${connections} connections for ${bound} calls in flight: each is kept alive and reused`);
      } finally {
        await proxy.stop();
      }
    }
  } finally {
    await serve.stop();
    await dir.remove();
  }
});
