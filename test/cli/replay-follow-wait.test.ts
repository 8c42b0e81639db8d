// replay --follow on a file that is not there yet: said, waited for (--wait), then given up on;
// a missing folder is an error at once. --instant and --speed together are refused.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, ROOT, fixture, runCli, tempDir, waitFor } from '../support/helpers.ts';

test('replay --follow: waits for a missing file, gives up after --wait, a missing folder fails at once', async () => {
  const dir = await tempDir();
  try {
    const file = join(dir.path, 'later.jsonl');
    const gaveUp = await runCli(['replay', file, '--follow', '--wait', '1', '--json']);
    assert.equal(gaveUp.code, 2);
    assert.equal(gaveUp.stdout, '');
    assert.equal(gaveUp.stderr, `memscope: waiting for ${file} to appear (up to 1 s; --wait SECONDS)\nmemscope: --follow: ${file} did not appear within 1 s; --wait SECONDS waits longer\n`);
    const noFolder = await runCli(['replay', join(dir.path, 'nope', 'x.jsonl'), '--follow', '--json']);
    assert.equal(noFolder.code, 2);
    assert.equal(noFolder.stderr, `memscope: --follow: ${join(dir.path, 'nope', 'x.jsonl')}: the folder ${join(dir.path, 'nope')} does not exist\n`);
    // The file appears while it waits: followed to its end.
    const done = join(dir.path, 'done.jsonl');
    const run = await runCli(['score', fixture('small.json'), '--json', '--record', done]);
    assert.equal(run.code, 0, run.stderr);
    const child = spawn(process.execPath, [BIN, 'replay', file, '--follow', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(() => (stderr.includes('waiting for') ? true : undefined), 20_000, 'the waiting line');
    await copyFile(done, file);
    assert.equal(await closed, 0, stderr);
    assert.match(stderr, /^memscope: waiting for .*later\.jsonl to appear \(up to 30 s; --wait SECONDS\)\nfollowing /);
    assert.equal(stdout, run.stdout);
    const stray = await runCli(['replay', done, '--wait', '5']);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /--wait goes with --follow/);
  } finally {
    await dir.remove();
  }
});

test('replay --instant --speed 4: refused, one line, before anything is read', async () => {
  const run = await runCli(['replay', 'no-such.jsonl', '--instant', '--speed', '4']);
  assert.equal(run.code, 2);
  assert.equal(run.stderr, 'memscope: --instant and --speed: give one (--instant shows the end at once, --speed X replays X times faster)\n');
});
