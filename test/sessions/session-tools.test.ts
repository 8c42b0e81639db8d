// The cast export of the replay screen and the headless sessions list, through the real CLI.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import { fixture, runCli, tempDir } from '../support/helpers.ts';

/** The screen's own sequences: SGR, row moves, erase line/screen, synchronized update, hidden cursor. */
const SCREEN_SEQUENCE = /\u001b\[[0-9;]*m|\u001b\[\d+;1H|\u001b\[K|\u001b\[2J|\u001b\[\?2026[hl]|\u001b\[\?25[lh]/g;

test('export --format cast: an asciicast v2 of the replay screen, hostile text neutralised', async () => {
  const dir = await tempDir();
  try {
    const session = join(dir.path, 'hostile.jsonl');
    const run = await runCli(['score', fixture('hostile.json'), '--record', session, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const out = join(dir.path, 'hostile.cast');
    const exported = await runCli(['export', session, '--format', 'cast', '-o', out]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /wrote .*hostile\.cast \(asciicast v2, \d+ events\)/);

    const [first, ...rest] = readFileSync(out, 'utf8').trimEnd().split('\n');
    const header = JSON.parse(first!);
    assert.equal(header.version, 2);
    assert.equal(header.width, 120);
    assert.equal(header.height, 40);
    assert.equal(typeof header.timestamp, 'number');
    assert.equal(typeof header.env.TERM, 'string');
    assert.ok(rest.length >= 2, 'several frames');
    let last = 0;
    let data = '';
    for (const line of rest) {
      const event = JSON.parse(line);
      assert.ok(Array.isArray(event) && event.length === 3, line.slice(0, 80));
      const [time, kind, text] = event as [unknown, unknown, unknown];
      assert.equal(typeof time, 'number');
      assert.equal(kind, 'o');
      assert.equal(typeof text, 'string');
      assert.ok((time as number) >= last, 'times never go back');
      last = time as number;
      data += text as string;
    }
    // The hostile keys are on screen, as stand-ins.
    assert.match(data, /k0-␛\[31mred/);
    assert.match(data, /k1-␛\]0;pwned/);
    assert.match(data, /model␛\[5m @ built-in/);
    assert.match(data, /✓ done: \d+ calls/);
    // The player's cursor comes back at the last row, and nothing scrolls the 40-row screen: every
    // frame is drawn by cursor moves, with no line feed that would push the title row out.
    assert.ok(data.endsWith('\u001b[40;1H\u001b[?25h'), JSON.stringify(data.slice(-40)));
    assert.ok(!data.includes('\n'), `a line feed at ${data.indexOf('\n')}: ${JSON.stringify(data.slice(Math.max(0, data.indexOf('\n') - 40), data.indexOf('\n') + 5))}`);
    // No key hints in a cast: keys do nothing in a player.
    assert.doesNotMatch(data, /␣|\bpause\b|\bseek\b|\bq\b.{0,20}quit/);
    // The header names the session the same way in every frame.
    const names = new Set([...data.matchAll(/ memscope (?:\u001b\[[0-9;]*m)* ([^ ·\u001b]+)/g)].map((m) => m[1]));
    assert.deepEqual([...names], ['hostile.jsonl']);
    // Every escape in the data is one of the screen's own; no BEL, no C1, no OSC from the context.
    const rest_ = data.replace(SCREEN_SEQUENCE, '');
    assert.doesNotMatch(rest_, /\u001b/, 'no raw escape besides the screen’s');
    assert.doesNotMatch(data, /[\u0000-\u0009\u000b-\u001a\u001c-\u001f\u007f-\u009f]/, 'no other control character');

    // A killed run exports too: the cast stops where the recording does.
    const lines = readFileSync(session, 'utf8').split('\n');
    writeFileSync(join(dir.path, 'cut.jsonl'), `${lines.slice(0, 5).join('\n')}\n{"t":`);
    const cut = await runCli(['export', join(dir.path, 'cut.jsonl'), '--format', 'cast']);
    assert.equal(cut.code, 0, cut.stderr);
    assert.match(cut.stdout, /replay 4\/4 ×1 end +[^"]*tail cut|replay 4\/4 ×1 end tail cut/);
  } finally {
    await dir.remove();
  }
});

test('sessions headless: a table or JSON lines, states read from the files', async () => {
  const dir = await tempDir();
  try {
    const done = join(dir.path, 'a-done.jsonl');
    const run = await runCli(['score', fixture('small.json'), '--record', done, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const text = readFileSync(done, 'utf8');
    const lines = text.trim().split('\n');
    const header = JSON.parse(lines[0]!);
    // The recording process has exited: a file without an end event is cut.
    writeFileSync(join(dir.path, 'b-cut.jsonl'), `${lines.slice(0, 6).join('\n')}\n{"t":3,"ev`);
    // A process that is alive (a sleeping child) stands for a run still being written.
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(join(dir.path, 'c-running.jsonl'), `${[JSON.stringify({ ...header, pid: alive.pid, created: '2030-01-01T00:00:00.000Z' }), ...lines.slice(1, 6)].join('\n')}\n`);
      writeFileSync(join(dir.path, 'd-interrupted.jsonl'), `${[JSON.stringify({ ...header, created: '2020-01-01T00:00:00.000Z' }), ...lines.slice(1, 4), '{"t":9,"event":{"type":"run-interrupted"}}'].join('\n')}\n`);
      writeFileSync(join(dir.path, 'notes.txt'), 'not a session');

      const json = await runCli(['sessions', '--json'], { env: { MEMSCOPE_SESSIONS: dir.path } });
      assert.equal(json.code, 0, json.stderr);
      const list = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(
        list.map((s) => [s.path.split('/').at(-1), s.state, s.mode, s.memories, s.responses]),
        [
          ['c-running.jsonl', 'running', 'full', 8, 12],
          ['a-done.jsonl', 'done', 'full', 8, 12],
          ['b-cut.jsonl', 'cut', 'full', 8, 12],
          ['d-interrupted.jsonl', 'interrupted', 'full', 8, 12],
        ],
      );
      assert.equal(list[1].context, header.source.path);

      const table = await runCli(['sessions'], { env: { MEMSCOPE_SESSIONS: dir.path } });
      assert.equal(table.code, 0, table.stderr);
      const rows = table.stdout.trim().split('\n');
      assert.match(rows[0]!, /^time +context +mode +memories +responses +state +file$/);
      assert.equal(rows.length, 6);
      assert.match(rows[2]!, /small\.json +full +8 +12 +done +.*a-done\.jsonl$/);
      // Context paths are recorded absolute: the list reads the same from any directory.
      assert.ok(isAbsolute(header.source.path), header.source.path);
      // The directory's size, and how many sessions it keeps.
      assert.match(rows[5]!, /^4 sessions, \d+(\.\d)? kB in .* \(the newest 100 are kept; MEMSCOPE_SESSIONS_KEEP\)$/);
    } finally {
      alive.kill();
    }
    const empty = await runCli(['sessions'], { env: { MEMSCOPE_SESSIONS: join(dir.path, 'none') } });
    assert.equal(empty.code, 0);
    assert.match(empty.stderr, /no sessions in .*none/);
  } finally {
    await dir.remove();
  }
});

test('replay --json of an unfinished full run prints the rows done so far, rebuilt through the reducer', async () => {
  const dir = await tempDir();
  try {
    const file = join(dir.path, 'run.jsonl');
    const run = await runCli(['score', fixture('small.json'), '--record', file, '--json', '--concurrency', '1']);
    assert.equal(run.code, 0, run.stderr);
    const finished = JSON.parse(run.stdout);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    // Up to the third row-done, then a partial line: a run killed mid-write.
    let rowsDone = 0;
    const keep = lines.findIndex((line) => line.includes('"type":"row-done"') && ++rowsDone === 3);
    writeFileSync(join(dir.path, 'cut.jsonl'), `${lines.slice(0, keep + 1).join('\n')}\n{"t":1`);
    const replay = await runCli(['replay', join(dir.path, 'cut.jsonl'), '--json']);
    assert.equal(replay.code, 1, 'an unfinished run exits 1, its partial result printed');
    assert.match(replay.stderr, /the recording was cut short: partial result, 3 of 8 memories scored \(rows not scored read 0\)/);
    const partial = JSON.parse(replay.stdout);
    assert.deepEqual(Object.keys(partial), Object.keys(finished), 'the shape of the finished run’s --json');
    assert.deepEqual(partial.responses, finished.responses);
    const done = partial.memories.map((m: { max: number }, i: number) => (i < 3 ? finished.matrix[i] : finished.matrix[i].map(() => 0)));
    assert.deepEqual(partial.matrix, done, 'the first three rows as scored, the rest 0');
    assert.deepEqual(partial.memories.slice(0, 3), finished.memories.slice(0, 3));
    assert.equal(partial.calls, 4, 'the baseline and three rows');

    // Without --json there is still no result.
    assert.equal((await runCli(['replay', join(dir.path, 'cut.jsonl')])).code, 1);
  } finally {
    await dir.remove();
  }
});
