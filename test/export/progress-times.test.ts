// "done" times count from each run's own start: under watch every run has its own, and a replay
// says how long the recorded run took, not how long replaying it did.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { EngineEvent } from '../../src/engine/events.ts';
import { printProgress } from '../../src/export/headless.ts';
import { fixture, runCli, tempDir } from '../support/helpers.ts';

const started: EngineEvent = { type: 'run-started', mode: 'full', model: null, backend: 'built-in', memories: [], responses: [], totalCalls: 1 };
const done: EngineEvent = { type: 'run-done', result: { mode: 'full', model: null, memories: [], responses: [], matrix: [], calls: 1 } };

test('each run of a watch is timed from its own start', () => {
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      text += String(chunk);
      callback();
    },
  });
  const print = printProgress(sink);
  for (const at of [1_000, 6_000, 9_000]) {
    print(started, at);
    print(done, at + 40);
  }
  assert.deepEqual(text.match(/done: .*/g), ['done: 1 calls in 0.04s', 'done: 1 calls in 0.04s', 'done: 1 calls in 0.04s']);
});

test('replay --json prints the recorded run time', async () => {
  const dir = await tempDir();
  try {
    const file = `${dir.path}/run.jsonl`;
    const run = await runCli(['score', fixture('small.json'), '--record', file, '--json', '--latency', '30']);
    assert.equal(run.code, 0, run.stderr);
    const recorded = /done: 9 calls in (\d+\.\d\d)s/.exec(run.stderr)?.[1];
    const replayed = await runCli(['replay', file, '--json']);
    assert.equal(replayed.code, 0, replayed.stderr);
    const shown = /done: 9 calls in (\d+\.\d\d)s/.exec(replayed.stderr)?.[1];
    assert.ok(recorded !== undefined && shown !== undefined, replayed.stderr);
    // The recording's clock starts when the recorder opens, a moment before the run: close, not 0.
    assert.ok(Number(shown) >= 0.05, `replayed time ${shown}s for a run of ${recorded}s`);
    assert.ok(Math.abs(Number(shown) - Number(recorded)) < 0.1, `replayed ${shown}s, ran ${recorded}s`);
  } finally {
    await dir.remove();
  }
});
