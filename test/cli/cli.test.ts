// The real CLI as a user runs it: exit codes, one-line errors, JSON shapes, convert and schema.
import assert from 'node:assert/strict';
import { open, writeFile, mkdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fixture, runCli, tempDir } from '../support/helpers.ts';

test('--version and --help', async () => {
  const version = await runCli(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /memscope score <file>/);
});

test('the demo without a terminal scores the bundled fixture headless and exits 0', async () => {
  const run = await runCli([]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /full matrix: 40 memories × 100 responses, 41 calls, backend built-in/);
  assert.match(run.stderr, /^done: 41 calls in /m);
  assert.match(run.stdout, /memory importance \(max divergence over 100 responses\)/);
});

test('full --json has exactly the documented shape', async () => {
  const run = await runCli(['score', fixture('small.json'), '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(result), ['mode', 'model', 'memories', 'responses', 'matrix', 'calls']);
  assert.equal(result.mode, 'full');
  assert.equal(result.model, 'memscope-builtin');
  assert.equal(result.memories.length, 8);
  for (const m of result.memories) assert.deepEqual(Object.keys(m), ['key', 'max', 'failed']);
  for (const r of result.responses) assert.deepEqual(Object.keys(r), ['entry', 'baseline']);
  assert.equal(result.matrix.length, 8);
  for (const row of result.matrix) assert.equal(row.length, result.responses.length);
  assert.equal(result.calls, 9);
});

test('the other modes print their documented JSON', async () => {
  const dir = await tempDir();
  try {
    const single = JSON.parse((await runCli(['score', fixture('small.json'), '--json', '--mode', 'single', '--key', 'incident-101'])).stdout);
    assert.deepEqual(Object.keys(single), ['mode', 'key', 'score', 'calls']);
    assert.equal(single.calls, 2);
    assert.ok(single.score > 0);
    const finetune = JSON.parse((await runCli(['score', fixture('small.json'), '--json', '--mode', 'finetune', '--count', '10'])).stdout);
    assert.deepEqual(Object.keys(finetune), ['mode', 'candidates', 'calls']);
    const divs = finetune.candidates.map((c: { divergence: number }) => c.divergence);
    assert.deepEqual(divs, [...divs].sort((a, b) => b - a));
    const run = await runCli(['score', fixture('small.json'), '--json', '--mode', 'incremental', '--store', `${dir.path}/w.json`]);
    assert.equal(run.code, 0, run.stderr);
    const incremental = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(incremental), ['mode', 'scored', 'skipped', 'calls']);
    assert.equal(incremental.calls, incremental.scored.length * 2);
    const store = JSON.parse(await readFile(`${dir.path}/w.json`, 'utf8'));
    assert.equal(Object.keys(store.memories).length, incremental.scored.length);
  } finally {
    await dir.remove();
  }
});

test('convert writes the native form, which scores to the same JSON', async () => {
  const dir = await tempDir();
  try {
    const out = `${dir.path}/native.json`;
    const convert = await runCli(['convert', fixture('small.json'), '-o', out]);
    assert.equal(convert.code, 0, convert.stderr);
    const native = JSON.parse(await readFile(out, 'utf8'));
    assert.equal(native.format, 'memscope-context');
    const [a, b] = await Promise.all([runCli(['score', fixture('small.json'), '--json']), runCli(['score', out, '--json'])]);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(JSON.parse(b.stdout), JSON.parse(a.stdout));
  } finally {
    await dir.remove();
  }
});

test('schema prints a JSON Schema derived from the zod formats', async () => {
  for (const name of ['context', 'chat', 'weights']) {
    const run = await runCli(['schema', name]);
    assert.equal(run.code, 0);
    const schema = JSON.parse(run.stdout);
    assert.match(schema.$schema, /json-schema\.org/);
    assert.equal(schema.type, 'object');
  }
  const chat = JSON.parse((await runCli(['schema', 'chat'])).stdout);
  assert.deepEqual(chat.properties.conversation.items.properties.role.enum, ['user', 'assistant', 'tool', 'memory', 'system']);
});

test('bad files and usage: exit 2, one line naming the file and the place, no stack', async () => {
  const dir = await tempDir();
  try {
    const d = dir.path;
    await writeFile(`${d}/bad.json`, '{"conversation": [{"role": "user", "content": "x"},]}');
    await writeFile(`${d}/binary.json`, Buffer.from([0x7b, 0x00, 0xff, 0x13]));
    await writeFile(`${d}/latin1.json`, Buffer.from([0x7b, 0xe9, 0x7d]));
    await mkdir(`${d}/folder.json`);
    const huge = await open(`${d}/huge.json`, 'w');
    await huge.truncate(1024 ** 3);
    await huge.close();
    const cases: [string[], RegExp][] = [
      [['score', `${d}/bad.json`], /^memscope: .*bad\.json: line 1, column 52: invalid JSON \(value expected\)$/],
      [['score', `${d}/missing.json`], /^memscope: .*missing\.json: no such context file$/],
      [['score', `${d}/folder.json`], /^memscope: .*folder\.json: is a directory/],
      [['score', `${d}/binary.json`], /^memscope: .*binary\.json: byte 1: binary data/],
      [['score', `${d}/latin1.json`], /^memscope: .*latin1\.json: not valid UTF-8/],
      [['score', `${d}/huge.json`], /^memscope: .*huge\.json: 1\.0 GiB is over the 256 MiB limit/],
      [['score'], /^memscope: score: name a context file$/],
      [['score', fixture('small.json'), '--mode', 'fast'], /^memscope: --mode: expected one of full, single, incremental, finetune/],
      [['score', fixture('small.json'), '--mode', 'single'], /^memscope: --mode single needs --key K$/],
      [['score', fixture('small.json'), '--bogus'], /^memscope: unknown option --bogus \(--help lists the options\)$/],
      [['score', fixture('small.json'), '--concurency', '3'], /^memscope: unknown option --concurency: did you mean --concurrency\?/],
      [['score', fixture('small.json'), '--timeout', '-1'], /^memscope: --timeout: expected seconds, more than 0, got "-1" \(a value starting with "-" goes as --timeout=-1\)$/],
      [['score', fixture('small.json'), '--timeout'], /^memscope: --timeout needs a value: seconds, more than 0$/],
      [['score', fixture('small.json'), '--backend'], /^memscope: --backend needs a value: one of score, completions, sglang$/],
      [['export', 'run.jsonl'], /^memscope: export: --format is required \(one of csv, json, svg, cast\)$/],
      [['replay', fixture('small.json')], /^memscope: .*small\.json: not a session \(it is a context: use "memscope score"\)$/],
      [['score', fixture('small.json'), '--concurrency', '0'], /^memscope: --concurrency: expected a whole number ≥ 1/],
      [['score', fixture('small.json'), '--api-key-env', 'MEMSCOPE_NO_SUCH_VAR'], /^memscope: --api-key-env: environment variable MEMSCOPE_NO_SUCH_VAR is not set$/],
      [['frobnicate'], /^memscope: unknown command "frobnicate"/],
    ];
    for (const [args, expected] of cases) {
      const run = await runCli(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr.trim(), expected);
      assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${run.stderr}`);
      assert.equal(run.stdout, '');
    }
  } finally {
    await dir.remove();
  }
});

test('a context with no memories is not an error: it says so and makes no calls', async () => {
  const dir = await tempDir();
  try {
    await writeFile(`${dir.path}/plain.json`, JSON.stringify({ conversation: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] }));
    const run = await runCli(['score', `${dir.path}/plain.json`, '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, 'full matrix: nothing to score: the context has no memories\n');
    assert.equal(JSON.parse(run.stdout).calls, 0);
  } finally {
    await dir.remove();
  }
});

test('hostile text never reaches the terminal raw, in any mode or output', async () => {
  const dir = await tempDir();
  try {
    const hostile = fixture('hostile.json');
    const runs = [
      ['score', hostile],
      ['score', hostile, '--json'],
      ['score', hostile, '--mode', 'single', '--key', 'k1-\u001b]0;pwned ti'],
      ['score', hostile, '--mode', 'finetune', '--json'],
      ['score', hostile, '--mode', 'incremental', '--store', `${dir.path}/w.json`, '--max-age', '0'],
      ['convert', hostile],
    ];
    for (const args of runs) {
      const run = await runCli(args);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
      for (const out of [run.stdout, run.stderr]) {
        const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/.exec(out);
        assert.equal(raw, null, `${args.join(' ')}: raw U+${raw?.[0].charCodeAt(0).toString(16)} in ${JSON.stringify(out.slice(0, 200))}`);
      }
    }
    // The text is shown, neutralised, not dropped.
    const text = await runCli(['score', hostile]);
    assert.match(text.stdout, /k0-␛\[31mred␛\[0m/);
    // JSON still carries the exact text, escaped.
    const convert = JSON.parse((await runCli(['convert', hostile])).stdout);
    assert.equal(convert.sections[3].nodes[1].key, 'k0-\u001b[31mred\u001b[0m');
  } finally {
    await dir.remove();
  }
});
