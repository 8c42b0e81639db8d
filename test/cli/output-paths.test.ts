// Files written where the user said: --record and -o need an existing folder; an existing
// recording is kept unless --force.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixture, runCli, tempDir } from '../support/helpers.ts';

test('--record, export -o and convert -o into a missing folder: exit 2 naming it, nothing made', async () => {
  const dir = await tempDir();
  try {
    const missing = join(dir.path, 'no', 'such');
    const record = await runCli(['score', fixture('small.json'), '--json', '--record', join(missing, 'run.jsonl')]);
    assert.equal(record.code, 2);
    assert.equal(record.stdout, '');
    assert.equal(record.stderr, `memscope: --record: ${join(missing, 'run.jsonl')}: the folder ${missing} does not exist (memscope makes no folders here: create it first)\n`);
    const session = join(dir.path, 'run.jsonl');
    assert.equal((await runCli(['score', fixture('small.json'), '--record', session])).code, 0);
    const exported = await runCli(['export', session, '--format', 'csv', '-o', join(missing, 'run.csv')]);
    assert.equal(exported.code, 2);
    assert.match(exported.stderr, /^memscope: -o: .*run\.csv: the folder .*no\/such does not exist/);
    const converted = await runCli(['convert', fixture('small.json'), '-o', join(missing, 'n.json')]);
    assert.equal(converted.code, 2);
    assert.match(converted.stderr, /^memscope: -o: .*n\.json: the folder .*no\/such does not exist/);
    assert.equal(existsSync(join(dir.path, 'no')), false, 'no folder was made');
    // An existing folder still works.
    assert.equal((await runCli(['export', session, '--format', 'csv', '-o', join(dir.path, 'run.csv')])).code, 0);
  } finally {
    await dir.remove();
  }
});

test('--record on an existing file says how to overwrite; --force does; --force alone is a usage error', async () => {
  const dir = await tempDir();
  try {
    const file = join(dir.path, 'run.jsonl');
    await writeFile(file, 'old\n');
    const refused = await runCli(['score', fixture('small.json'), '--json', '--record', file]);
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, '');
    assert.equal(refused.stderr, `memscope: --record: ${file}: already exists: --force overwrites it, or name a free file\n`);
    assert.equal(await readFile(file, 'utf8'), 'old\n');
    const forced = await runCli(['score', fixture('small.json'), '--json', '--record', file, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    const replayed = await runCli(['replay', file, '--json']);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(replayed.stdout, forced.stdout);
    const alone = await runCli(['score', fixture('small.json'), '--force']);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /^memscope: --force goes with --record/);
  } finally {
    await dir.remove();
  }
});
