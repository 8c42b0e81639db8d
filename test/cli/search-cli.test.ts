// `memscope score --search` from the built binary: the JSON shape, the flags' errors, the same
// answer over HTTP (/score and vLLM's /completions), and a recorded search that replay and
// export reproduce exactly.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixture, runCli, startProcess, startServe, tempDir, testScript, type RunningServer } from '../support/helpers.ts';
import { sparseContext } from '../support/sparse-context.ts';

const MEDIUM = fixture('medium.json');

interface SearchJson {
  mode: string;
  memories: { key: string; max: number; failed: boolean; exact: boolean; bound?: number }[];
  responses: { entry: number; baseline: number }[];
  matrix: number[][];
  calls: number;
  search: { threshold: number; calls: number };
}

async function scoreJson(args: string[]): Promise<{ json: SearchJson; stdout: string; stderr: string }> {
  const out = await runCli(['score', ...args, '--json'], { env: { MEMSCOPE_API_KEY: '' } });
  assert.equal(out.code, 0, out.stderr);
  return { json: JSON.parse(out.stdout) as SearchJson, stdout: out.stdout, stderr: out.stderr };
}

describe('score --search (CLI)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let sparse: string;
  before(async () => {
    dir = await tempDir();
    sparse = join(dir.path, 'sparse.json');
    await writeFile(sparse, JSON.stringify(sparseContext(60, 10, 7, 20).chat));
  });
  after(() => dir.remove());

  it('prints the full-mode shape with "search", and "exact" (and "bound") on every memory', async () => {
    const [{ json: exact }, { json: search, stderr }] = await Promise.all([scoreJson([sparse]), scoreJson([sparse, '--search'])]);
    assert.deepEqual(Object.keys(search), ['mode', 'model', 'memories', 'responses', 'matrix', 'calls', 'search']);
    assert.deepEqual(search.search, { threshold: 1, calls: search.calls - 1 });
    assert.ok(search.calls < exact.calls, `${search.calls} calls vs ${exact.calls}`);
    assert.deepEqual(search.responses, exact.responses);
    for (const [i, memory] of search.memories.entries()) {
      assert.deepEqual(Object.keys(memory), memory.exact ? ['key', 'max', 'failed', 'exact'] : ['key', 'max', 'failed', 'exact', 'bound']);
      exact.matrix[i]!.forEach((value, j) => {
        const got = search.matrix[i]![j]!;
        if (value >= 1) assert.equal(got, value);
        else assert.ok(got === 0 || got === value);
      });
    }
    assert.equal(search.memories.filter((m) => m.max >= 1).length, 6, 'memories 0, 10, … 50 matter');
    assert.match(stderr, /full matrix, group search T=1\.0: 60 memories × \d+ responses, 9 calls to start \(splits add more\), backend built-in/);
    assert.match(stderr, /memories 33–40: max 0\.000, cleared\n/);
    assert.match(stderr, /memories 13–16: max 0\.\d+, cleared without a call\n/);
  });

  it('takes --threshold in nats and --margin, and says what is wrong with a misused flag (exit 2)', async () => {
    const { json } = await scoreJson([sparse, '--search', '--threshold', '2.5']);
    assert.equal(json.search.threshold, 2.5);
    // No margin: groups split at T itself; here the same cells ≥ T, with no more calls.
    const [{ json: margin }, { json: none }] = await Promise.all([scoreJson([sparse, '--search']), scoreJson([sparse, '--search', '--margin', '0'])]);
    assert.deepEqual(
      none.memories.map((m) => m.max >= 1),
      margin.memories.map((m) => m.max >= 1),
    );
    assert.ok(none.calls <= margin.calls, `${none.calls} calls without a margin, ${margin.calls} with`);
    const cases: [string[], RegExp][] = [
      [['--search', '--mode', 'single', '--key', 'm0000'], /--search goes with --mode full/],
      [['--search', '--estimate', '8'], /--search and --estimate are two ways to score the full matrix: give one/],
      [['--threshold', '1'], /--threshold goes with --search/],
      [['--search', '--threshold', 'abc'], /--threshold: expected a number of nats more than 0, like 1 or 0\.5, got "abc"/],
      [['--search', '--threshold', '0'], /--threshold: expected a number of nats more than 0/],
      [['--search', '--threshold', '-1'], /--threshold/],
      [['--search', '--threshold', 'Infinity'], /--threshold: expected a number/],
      [['--margin', '0'], /--margin goes with --search/],
      [['--search', '--margin', '1'], /--margin: expected a fraction of T from 0 up to \(not including\) 1, like 0\.5, got "1"/],
      [['--search', '--margin', 'half'], /--margin: expected a fraction of T/],
    ];
    for (const [args, message] of cases) {
      const out = await runCli(['score', sparse, '--json', ...args]);
      assert.equal(out.code, 2, `${args.join(' ')}: ${out.stderr}`);
      assert.match(out.stderr, message);
      assert.doesNotMatch(out.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('records the search; replay --json and export --format json print the run’s JSON exactly', async () => {
    const record = join(dir.path, 'search.jsonl');
    const { stdout } = await scoreJson([MEDIUM, '--search', '--record', record, '--concurrency', '3']);
    const lines = (await import('node:fs')).readFileSync(record, 'utf8').trim().split('\n');
    const types = new Set(lines.slice(1).map((line) => (JSON.parse(line) as { event: { type: string } }).event.type));
    assert.ok(types.has('group-started') && types.has('group-done'));
    const settings = (JSON.parse(lines[0]!) as { settings: { search: number; margin: number } }).settings;
    assert.deepEqual([settings.search, settings.margin], [1, 0.5]);
    const replayed = await runCli(['replay', record, '--json']);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(replayed.stdout, stdout);
    assert.match(replayed.stderr, /group search T=1\.0/);
    const exported = await runCli(['export', record, '--format', 'json']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout, stdout);

    // Cut short: the partial result says which rows were scored alone, and they are exact.
    const cut = join(dir.path, 'cut.jsonl');
    await writeFile(cut, `${lines.slice(0, Math.floor(lines.length * 0.7)).join('\n')}\n{"t":`);
    const partialOut = await runCli(['replay', cut, '--json']);
    assert.equal(partialOut.code, 1, partialOut.stderr);
    const partial = JSON.parse(partialOut.stdout) as SearchJson;
    const full = JSON.parse(stdout) as SearchJson;
    assert.equal(partial.search.threshold, 1);
    const exactRows = partial.memories.flatMap((m, i) => (m.exact ? [i] : []));
    assert.ok(exactRows.length > 0 && exactRows.length < full.memories.filter((m) => m.exact).length);
    for (const i of exactRows) assert.deepEqual(partial.matrix[i], full.matrix[i]);
  });
});

describe('score --search over HTTP', () => {
  let serve: RunningServer;
  let wire: RunningServer;
  let sglangWire: RunningServer;
  before(async () => {
    [serve, wire, sglangWire] = await Promise.all([
      startServe(),
      startProcess([testScript('servers/vllm-wire.ts'), '--port', '0']),
      startProcess([testScript('servers/sglang-wire.ts'), '--port', '0']),
    ]);
  });
  after(async () => {
    await Promise.all([serve.stop(), wire.stop(), sglangWire.stop()]);
  });

  it('gives the built-in run’s answer through /score, vLLM’s /completions and SGLang’s /generate', async () => {
    const { json: local } = await scoreJson([MEDIUM, '--search']);
    const { json: served } = await scoreJson([MEDIUM, '--search', '--url', serve.url, '--concurrency', '4']);
    const { json: vllm } = await scoreJson([MEDIUM, '--search', '--url', wire.url, '--backend', 'completions', '--concurrency', '4']);
    const { json: sglang } = await scoreJson([MEDIUM, '--search', '--url', sglangWire.url, '--backend', 'sglang', '--concurrency', '4']);
    for (const remote of [served, vllm, sglang]) {
      assert.deepEqual(remote.memories.map((m) => [m.key, m.exact]), local.memories.map((m) => [m.key, m.exact]));
      remote.matrix.forEach((row, i) => row.forEach((value, j) => assert.ok(Math.abs(value - local.matrix[i]![j]!) < 1e-6, `cell ${i},${j}: ${value} vs ${local.matrix[i]![j]}`)));
    }
  });
});
