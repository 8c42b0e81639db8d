// Recording, replay and export of sessions through the real CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { csvCell } from '../../src/export/export-csv.ts';
import { BIN, ROOT, fixture, runCli, tempDir, waitFor } from '../support/helpers.ts';

/** A small RFC 4180 reader, to parse the export back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    }
    else cell += c;
  }
  return rows;
}

test('record a run, replay it headless: exactly the JSON the run printed', async () => {
  const dir = await tempDir();
  try {
    for (const args of [[], ['--mode', 'single', '--key', 'incident-101'], ['--mode', 'finetune', '--count', '20'], ['--mode', 'incremental', '--store', `${dir.path}/w.json`]]) {
      const file = `${dir.path}/run-${args[1] ?? 'full'}.jsonl`;
      const run = await runCli(['score', fixture('small.json'), '--json', '--record', file, ...args]);
      assert.equal(run.code, 0, run.stderr);
      const replay = await runCli(['replay', file, '--json']);
      assert.equal(replay.code, 0, replay.stderr);
      assert.equal(replay.stdout, run.stdout, args.join(' '));
    }
  } finally {
    await dir.remove();
  }
});

test('the session header has the full context, the backend and settings, and never the key', async () => {
  const dir = await tempDir();
  const key = 'sk-rec-0a1b2c3d4e5f';
  try {
    const file = `${dir.path}/s.jsonl`;
    const run = await runCli(['score', fixture('small.json'), '--record', file], { env: { MEMSCOPE_API_KEY: key } });
    assert.equal(run.code, 0, run.stderr);
    const text = await readFile(file, 'utf8');
    assert.equal(text.includes(key), false);
    const [header, ...events] = text.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(header.format, 'memscope-session');
    assert.equal(header.version, 1);
    assert.equal(header.context.format, 'memscope-context');
    assert.deepEqual(header.backend, { urls: ['built-in'], model: 'memscope-builtin' });
    assert.equal(header.settings.mode, 'full');
    assert.equal(events[0].event.type, 'run-started');
    assert.equal(events.at(-1).event.type, 'run-done');
    for (let i = 1; i < events.length; i++) assert.ok(events[i].t >= events[i - 1].t, 'time offsets only grow');
    const again = await runCli(['score', fixture('small.json'), '--record', file]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists: --force overwrites it, or name a free file$/m);
  } finally {
    await dir.remove();
  }
});

test('a recording killed mid-run replays its complete events and says so', async () => {
  const dir = await tempDir();
  try {
    const file = `${dir.path}/killed.jsonl`;
    const child = spawn(process.execPath, [BIN, 'score', fixture('medium.json'), '--record', file, '--latency', '40', '--concurrency', '1'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise((r) => child.on('close', r));
    await waitFor(() => ((stderr.match(/: max /g) ?? []).length >= 3 ? true : undefined), 20_000, 'three rows');
    child.kill('SIGKILL');
    await exited;
    const replay = await runCli(['replay', file]);
    assert.equal(replay.code, 1);
    assert.match(replay.stderr, /: max /, 'the complete rows are replayed');
    assert.match(replay.stderr.trim().split('\n').at(-1)!, /no result to print: the (run has not finished|recording was cut short)$/);

    // A kill in the middle of a write leaves a partial last line: replayed up to it, and said.
    const text = await readFile(file, 'utf8');
    await writeFile(`${dir.path}/cut.jsonl`, text + '{"t":99.5,"event":{"type":"row-do');
    const cut = await runCli(['replay', `${dir.path}/cut.jsonl`]);
    assert.match(cut.stderr, /the tail was cut \(a partial last line\); replayed \d+ complete events/);
  } finally {
    await dir.remove();
  }
});

test('a corrupt line is an error naming its line; a newer format is refused', async () => {
  const dir = await tempDir();
  try {
    const file = `${dir.path}/s.jsonl`;
    await runCli(['score', fixture('small.json'), '--record', file]);
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[4] = '{"t": 3, "event": {"type": "row-done", "key": 5}}';
    await writeFile(`${dir.path}/bad.jsonl`, lines.join('\n'));
    const bad = await runCli(['replay', `${dir.path}/bad.jsonl`, '--json']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr.trim(), /bad\.jsonl: line 5: \$\.event\.key: Invalid input: expected string, received number$/);
    lines[4] = 'not json at all';
    await writeFile(`${dir.path}/junk.jsonl`, lines.join('\n'));
    assert.match((await runCli(['replay', `${dir.path}/junk.jsonl`])).stderr, /junk\.jsonl: line 5: corrupt line \(invalid JSON\)/);
    const header = JSON.parse(lines[0]!);
    await writeFile(`${dir.path}/new.jsonl`, [JSON.stringify({ ...header, version: 2 }), ...lines.slice(1)].join('\n'));
    const newer = await runCli(['replay', `${dir.path}/new.jsonl`]);
    assert.equal(newer.code, 2);
    assert.match(newer.stderr, /line 1: session format version 2 is newer than this memscope reads \(1\); upgrade memscope/);
  } finally {
    await dir.remove();
  }
});

test('exports: CSV parses back to the matrix, JSON is the --json output, SVG is well-formed XML', async () => {
  const dir = await tempDir();
  try {
    const file = `${dir.path}/s.jsonl`;
    const run = await runCli(['score', fixture('small.json'), '--json', '--record', file]);
    const result = JSON.parse(run.stdout);
    const csv = await runCli(['export', file, '--format', 'csv']);
    const table = parseCsv(csv.stdout);
    assert.deepEqual(table[0], ['memory', ...result.responses.map((r: { entry: number }) => String(r.entry))]);
    result.memories.forEach((m: { key: string }, i: number) => {
      assert.equal(table[i + 1]![0], m.key);
      assert.deepEqual(table[i + 1]!.slice(1).map(Number), result.matrix[i]);
    });
    assert.equal((await runCli(['export', file, '--format', 'json'])).stdout, run.stdout);
    const out = `${dir.path}/m.svg`;
    assert.equal((await runCli(['export', file, '--format', 'svg', '-o', out])).code, 0);
    const svg = await readFile(out, 'utf8');
    assert.equal(XMLValidator.validate(svg), true);
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(svg);
    assert.equal(parsed.svg['@_xmlns'], 'http://www.w3.org/2000/svg');
    const cells = (svg.match(/<rect x="\d+" y="\d+" width="\d+" height="\d+" fill="#/g) ?? []).length;
    assert.equal(cells, result.memories.length * result.responses.length);
  } finally {
    await dir.remove();
  }
});

test('hostile text is harmless in every export', async () => {
  const dir = await tempDir();
  try {
    const file = `${dir.path}/h.jsonl`;
    assert.equal((await runCli(['score', fixture('hostile.json'), '--record', file])).code, 0);
    for (const format of ['csv', 'json', 'svg']) {
      const out = (await runCli(['export', file, '--format', format])).stdout;
      const raw = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/.exec(out);
      assert.equal(raw, null, `${format}: raw U+${raw?.[0].charCodeAt(0).toString(16)}`);
      if (format === 'svg') assert.equal(XMLValidator.validate(out), true);
    }
    assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
    assert.equal(csvCell('-1+2'), "'-1+2");
  } finally {
    await dir.remove();
  }
});

function spawnCli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  return { child, out, exited };
}

test('replay --follow shows a session while another process writes it, until its end', async () => {
  const dir = await tempDir();
  let follower: ReturnType<typeof spawnCli> | undefined;
  let writer: ReturnType<typeof spawnCli> | undefined;
  try {
    const file = `${dir.path}/live.jsonl`;
    // The follower starts first and waits for the file to appear.
    follower = spawnCli(['replay', '--follow', file, '--json']);
    await new Promise((r) => setTimeout(r, 300));
    writer = spawnCli(['score', fixture('medium.json'), '--json', '--record', file, '--latency', '30', '--concurrency', '2']);
    assert.equal(await writer.exited, 0, writer.out.stderr);
    assert.equal(await follower.exited, 0, follower.out.stderr);
    assert.equal(follower.out.stdout, writer.out.stdout, 'the followed result is the run’s result');
    const rows = (follower.out.stderr.match(/: max /g) ?? []).length;
    assert.equal(rows, 40);
  } finally {
    for (const spawned of [follower, writer]) if (spawned?.child.exitCode === null) spawned.child.kill('SIGKILL');
    await dir.remove();
  }
});

test('watch re-scores when another process rewrites the context atomically, and says what changed', async () => {
  const dir = await tempDir();
  let watcher: ReturnType<typeof spawnCli> | undefined;
  try {
    const file = `${dir.path}/ctx.json`;
    const chat = JSON.parse(await readFile(fixture('small.json'), 'utf8'));
    await writeFile(file, JSON.stringify(chat));
    watcher = spawnCli(['watch', file, '--json', '--record', `${dir.path}/w.jsonl`]);
    const { out } = watcher;
    const results = () => out.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    // On a timeout, what watch said is the clue.
    const until = (what: string, ok: () => boolean) =>
      waitFor(() => (ok() ? true : undefined), 20_000, what).catch((error: Error) => {
        throw new Error(`${error.message}; watch's stderr:\n${out.stderr}`);
      });
    await until('the first result', () => results().length >= 1);
    assert.equal(results()[0].memories.length, 8);

    // Rename-on-save, as editors and agents do: write a temp file, then rename it over.
    chat.conversation.push({ role: 'memory', key: 'new-fact', content: 'The staging database is called ophelia and lives in rack 7.' });
    chat.conversation.push({ role: 'user', content: 'What is staging called?' });
    chat.conversation.push({ role: 'assistant', content: 'The staging database is called ophelia and lives in rack 7.' });
    await writeFile(`${file}.tmp`, JSON.stringify(chat));
    const { rename } = await import('node:fs/promises');
    await rename(`${file}.tmp`, file);
    await until('the second result', () => results().length >= 2);
    const second = results()[1];
    assert.equal(second.memories.length, 9);
    assert.equal(second.memories[8].key, 'new-fact');
    assert.match(out.stderr, /changed: 1 memory added \(new-fact\); 1 response appended/);

    // A half-written save is reported, not fatal; the next good save scores again.
    await writeFile(file, '{"conversation": [');
    await until('the notice', () => /invalid JSON .*waiting for the next change/.test(out.stderr));
    chat.conversation.pop();
    await writeFile(file, JSON.stringify(chat));
    await until('the third result', () => results().length >= 3);
    assert.match(out.stderr, /changed: 1 response removed \(run 3\)/);

    // Deleted: said at once; put back as it was: said, and not scored again.
    const { rm } = await import('node:fs/promises');
    await rm(file);
    await until('the deletion notice', () => /ctx\.json was deleted: showing run 3; waiting for the file to come back/.test(out.stderr));
    await writeFile(file, JSON.stringify(chat, null, 2));
    await until('the unchanged notice', () => /ctx\.json is back: the same context as run 3, not scored again/.test(out.stderr));
    // Put back changed: scored, and the notice says it is back, with the new run's number.
    chat.conversation.pop();
    await writeFile(file, JSON.stringify(chat));
    await until('the fourth result', () => results().length >= 4);
    assert.match(out.stderr, /ctx\.json changed: text changed, same memories and responses \(run 4\)/);
    watcher.child.kill('SIGINT');
    assert.equal(await watcher.exited, 130);

    // Each run was recorded as a session of its own, and replays to the result it printed.
    for (const [i, name] of ['w.jsonl', 'w-2.jsonl', 'w-3.jsonl'].entries()) {
      const replayed = await runCli(['replay', `${dir.path}/${name}`, '--json']);
      assert.equal(replayed.code, 0, replayed.stderr);
      assert.equal(replayed.stdout, out.stdout.trim().split('\n').filter(Boolean)[i] + '\n', name);
    }
  } finally {
    // A failed test must not leave watch running: the test process would wait for it forever.
    if (watcher?.child.exitCode === null) watcher.child.kill('SIGKILL');
    await dir.remove();
  }
});
