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
