// What the command line says when the input is not what the user meant: a misspelt --key, an
// empty file, a context with nothing to score, two results of different conversations.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixture, runCli, tempDir } from '../support/helpers.ts';

test('--mode single with a key the context lacks: exit 2, the nearest keys, no run', async () => {
  const run = await runCli(['score', fixture('small.json'), '--mode', 'single', '--key', 'incident-11', '--json']);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, `memscope: --key incident-11: ${fixture('small.json')} has no memory with this key; nearest: incident-101, incident-105, person-lena-1-7\n`);
  const good = await runCli(['score', fixture('small.json'), '--mode', 'single', '--key', 'incident-101', '--json']);
  assert.equal(good.code, 0, good.stderr);
  assert.equal(JSON.parse(good.stdout).key, 'incident-101');
});

test('an empty file says so; nothing to score is one line; one response is singular', async () => {
  const dir = await tempDir();
  try {
    const empty = join(dir.path, 'empty.json');
    await writeFile(empty, '');
    const run = await runCli(['score', empty]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `memscope: ${empty}: the file is empty\n`);
    const plain = join(dir.path, 'plain.json');
    await writeFile(plain, JSON.stringify({ conversation: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] }));
    const text = await runCli(['score', plain]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stderr + text.stdout, 'full matrix: nothing to score: the context has no memories\n');
    const quiet = join(dir.path, 'quiet.json');
    await writeFile(quiet, JSON.stringify({ conversation: [{ role: 'user', content: 'hi' }] }));
    const finetune = await runCli(['score', quiet, '--mode', 'finetune', '--count', '1']);
    assert.equal(finetune.code, 0, finetune.stderr);
    assert.equal(finetune.stderr + finetune.stdout, 'fine-tune candidates: nothing to score: the context has no assistant responses\n');
    const one = join(dir.path, 'one.json');
    await writeFile(one, JSON.stringify({ conversation: [{ role: 'user', content: 'hi' }, { role: 'memory', key: 'k', content: 'a fact' }, { role: 'assistant', content: 'hello' }] }));
    const single = await runCli(['score', one]);
    assert.equal(single.code, 0, single.stderr);
    assert.match(single.stdout, /^memory importance \(max divergence over 1 response\):/);
  } finally {
    await dir.remove();
  }
});
