// `memscope diff A B` through the built CLI: two runs of contexts that differ by inserted and
// removed messages, recomputed here independently from the two results; CSV; and bad input.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FullResult } from '../../src/engine/events.ts';
import { DiffJsonSchema } from '../../src/export/diff-output.ts';
import { runCli, tempDir } from '../support/helpers.ts';

type Message = { role: 'user' | 'assistant' | 'memory'; content: string; key?: string };

const ask = (content: string): Message => ({ role: 'user', content });
const say = (content: string): Message => ({ role: 'assistant', content });
const recall = (key: string, content: string): Message => ({ role: 'memory', key, content });

/** A: the conversation before. */
const CONVERSATION_A: Message[] = [
  ask('How do we deploy billing?'),
  recall('deploy-billing', 'Billing deploys run make ship-billing from the release branch.'),
  say('Billing deploys run make ship-billing from the release branch.'),
  ask('Where is the auth config?'),
  recall('auth-config', 'Auth reads its settings from /etc/auth/config.yaml at start.'),
  say('Auth reads its settings from /etc/auth/config.yaml at start, so edit that file.'),
  recall('old-note', 'The ledger service is deprecated and will be removed in March.'),
  ask('Anything about the ledger?'),
  say('The ledger service is deprecated and will be removed in March.'),
  ask('Who is on call for search?'),
  recall('oncall-search', 'Ravi is on call for search this week and Maya the next.'),
  say('Ravi is on call for search this week and Maya the next.'),
];

/** B: an exchange inserted after the first answer, a user message removed, a memory swapped. */
const CONVERSATION_B: Message[] = [
  ask('How do we deploy billing?'),
  recall('deploy-billing', 'Billing deploys run make ship-billing from the release branch.'),
  say('Billing deploys run make ship-billing from the release branch.'),
  ask('What is the weather like?'),
  say('I cannot see the weather from here.'),
  recall('auth-config', 'Auth reads its settings from /etc/auth/config.yaml at start.'),
  say('Auth reads its settings from /etc/auth/config.yaml at start, so edit that file.'),
  recall('new-note', 'The ledger service moved to the payments team in April.'),
  ask('Anything about the ledger?'),
  say('The ledger service is deprecated and will be removed in March.'),
  ask('Who is on call for search?'),
  recall('oncall-search', 'Ravi is on call for search this week and Maya the next.'),
  say('Ravi is on call for search this week and Maya the next.'),
];

function chat(conversation: Message[], journal: string[] = ['Helping the platform team.']): string {
  return JSON.stringify({ system: 'You are Ada, a coding agent.', journal, conversation });
}

interface Run {
  session: string;
  json: string;
  result: FullResult;
}

let dir: { path: string; remove: () => Promise<void> };
let runA: Run;
let runB: Run;

async function scored(name: string, conversation: Message[]): Promise<Run> {
  const context = join(dir.path, `${name}.json`);
  writeFileSync(context, chat(conversation));
  const session = join(dir.path, `${name}.jsonl`);
  const run = await runCli(['score', context, '--json', '--record', session]);
  assert.equal(run.code, 0, run.stderr);
  const json = join(dir.path, `${name}-result.json`);
  writeFileSync(json, run.stdout);
  return { session, json, result: JSON.parse(run.stdout) as FullResult };
}

before(async () => {
  dir = await tempDir();
  [runA, runB] = [await scored('a', CONVERSATION_A), await scored('b', CONVERSATION_B)];
});
after(() => dir.remove());

/** The expected diff, computed here another way: texts looked up in the chat we wrote, unique texts paired through a map. */
function expected(a: FullResult, b: FullResult, byText: boolean) {
  const textA = (entry: number) => CONVERSATION_A[entry]!.content;
  const textB = (entry: number) => CONVERSATION_B[entry]!.content;
  const pairs: [number, number][] = [];
  for (const [i, r] of a.responses.entries()) {
    const j = byText ? b.responses.findIndex((s) => textB(s.entry) === textA(r.entry)) : b.responses.findIndex((s) => s.entry === r.entry);
    if (j >= 0) pairs.push([i, j]);
  }
  const keysB = b.memories.map((m) => m.key);
  const rows = a.memories.flatMap((m, i) => (keysB.includes(m.key) ? [[i, keysB.indexOf(m.key)] as const] : []));
  return {
    memories: rows.map(([i, k]) => ({ key: a.memories[i]!.key, max_a: a.memories[i]!.max, max_b: b.memories[k]!.max })),
    responses: pairs.map(([i, j]) => ({ entry_a: a.responses[i]!.entry, entry_b: b.responses[j]!.entry })),
    matrix: rows.map(([i, k]) => pairs.map(([p, q]) => b.matrix[k]![q]! - a.matrix[i]![p]!)),
    only_a: a.memories.filter((m) => !keysB.includes(m.key)).map((m) => m.key),
    only_b: b.memories.filter((m) => !a.memories.some((x) => x.key === m.key)).map((m) => m.key),
  };
}

describe('memscope diff --json', () => {
  it('two sessions of contexts differing by inserted and removed messages: responses matched by text', async () => {
    const run = await runCli(['diff', runA.session, runB.session, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    // The output's own schema holds it, strictly (no field it does not name).
    assert.deepEqual(DiffJsonSchema.parse(out), out);
    assert.equal(out.mode, 'diff');
    assert.deepEqual(out.a, { path: runA.session, model: 'memscope-builtin' });
    assert.deepEqual(out.b, { path: runB.session, model: 'memscope-builtin' });
    assert.equal(out.matched_by, 'text');
    const want = expected(runA.result, runB.result, true);
    assert.deepEqual(
      { memories: out.memories, responses: out.responses, matrix: out.matrix, only_a: out.only_a, only_b: out.only_b },
      want,
    );
    // The shape of the change itself: the inserted answer is B's only, every A response found a partner.
    assert.deepEqual(out.only_a, ['old-note']);
    assert.deepEqual(out.only_b, ['new-note']);
    assert.deepEqual(out.responses_only_a, []);
    assert.deepEqual(out.responses_only_b, [4]);
    assert.deepEqual(out.responses, [
      { entry_a: 2, entry_b: 2 },
      { entry_a: 5, entry_b: 6 },
      { entry_a: 8, entry_b: 9 },
      { entry_a: 11, entry_b: 12 },
    ]);
    // The memory that restates an answer keeps its importance for it: the matched cell's change is small
    // next to the cell itself (a shifted match would compare it with an unrelated response).
    const row = out.memories.findIndex((m: { key: string }) => m.key === 'oncall-search');
    const own = runA.result.matrix[runA.result.memories.findIndex((m) => m.key === 'oncall-search')]!.at(-1)!;
    assert.ok(own > 10, `oncall-search matters to its own answer in A (${own})`);
    assert.ok(Math.abs(out.matrix[row].at(-1)) < own / 2, `its change is small: ${out.matrix[row].at(-1)} vs ${own}`);
  });

  it('two saved --json results (no texts): responses matched by entry', async () => {
    const run = await runCli(['diff', runA.json, runB.json, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.matched_by, 'entry');
    const want = expected(runA.result, runB.result, false);
    assert.deepEqual({ memories: out.memories, responses: out.responses, matrix: out.matrix, only_a: out.only_a, only_b: out.only_b }, want);
  });

  it('two saved --json results of conversations that differ: one line says so, why, and that the sessions match by text', async () => {
    const counts = `A has ${runA.result.responses.length} responses, B ${runB.result.responses.length}`;
    const json = await runCli(['diff', runA.json, runB.json, '--json']);
    assert.equal(json.code, 0, json.stderr);
    // JSON stays data: the warning is one line on stderr.
    assert.equal(json.stderr.trimEnd().split('\n').length, 1, json.stderr);
    assert.match(json.stderr, /^memscope: diff: the conversations appear to differ \(/);
    assert.ok(json.stderr.includes(counts), json.stderr);
    assert.match(json.stderr, /results carry no response texts, so responses were matched by entry; diff the two sessions \(score --record\) to match them by text/);
    const text = await runCli(['diff', runA.json, runB.json]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^diff B − A: .*\nwarning: the conversations appear to differ \(/);
    // A run against its own saved result agrees: no warning.
    const self = await runCli(['diff', runA.json, runA.json, '--json']);
    assert.equal(self.stderr, '');
  });

  it('an estimated run says so on its side', async () => {
    const estimated = await runCli(['score', join(dir.path, 'b.json'), '--estimate', '3', '--json']);
    assert.equal(estimated.code, 0, estimated.stderr);
    const file = join(dir.path, 'b-estimated.json');
    writeFileSync(file, estimated.stdout);
    const run = await runCli(['diff', runB.json, file, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.deepEqual(out.b, { path: file, model: 'memscope-builtin', estimate: 3 });
    assert.deepEqual(out.a, { path: runB.json, model: 'memscope-builtin' });
    const text = await runCli(['diff', runB.json, file]);
    assert.match(text.stdout, /B: .*b-estimated\.json \(memscope-builtin, 4 memories × 5 responses, ESTIMATED from 3 ablations\)/);
  });

  it('a run against itself is all zeros; a searched result ("search", "exact", "bound") is accepted', async () => {
    const self = await runCli(['diff', runA.session, runA.json, '--json']);
    assert.equal(self.code, 0, self.stderr);
    assert.ok((JSON.parse(self.stdout) as { matrix: number[][] }).matrix.flat().every((v) => v === 0));
    // The same context searched: every cell at or over the threshold is exact, so only cells
    // under it may differ from the full run's.
    const searchedRun = await runCli(['score', join(dir.path, 'a.json'), '--search', '--threshold', '1', '--json']);
    assert.equal(searchedRun.code, 0, searchedRun.stderr);
    assert.ok('search' in JSON.parse(searchedRun.stdout));
    const searched = join(dir.path, 'searched.json');
    writeFileSync(searched, searchedRun.stdout);
    const run = await runCli(['diff', runA.session, searched, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { memories: unknown[]; matrix: number[][] };
    assert.equal(out.memories.length, runA.result.memories.length);
    out.matrix.forEach((row, i) => row.forEach((change, j) => {
      const full = runA.result.matrix[i]![j]!;
      if (full >= 1) assert.ok(Math.abs(change) < 1e-9, `cell ${i},${j}: ${full} in the full run, changed by ${change}`);
      else assert.ok(change <= 0 && change >= -full - 1e-9, `cell ${i},${j}: under the threshold, 0 or exact`);
    }));
  });
});

describe('memscope diff --csv and text', () => {
  it('--csv: the matrix with memory keys and response headers ("a5 b6" where entries differ)', async () => {
    const [csv, json] = await Promise.all([runCli(['diff', runA.session, runB.session, '--csv']), runCli(['diff', runA.session, runB.session, '--json'])]);
    assert.equal(csv.code, 0, csv.stderr);
    const out = JSON.parse(json.stdout);
    const lines = csv.stdout.trimEnd().split('\r\n');
    assert.equal(lines[0], 'memory,2,a5 b6,a8 b9,a11 b12');
    assert.equal(lines.length, 1 + out.memories.length);
    lines.slice(1).forEach((line: string, i: number) => {
      const [key, ...cells] = line.split(',');
      assert.equal(key, out.memories[i].key);
      assert.deepEqual(cells.map(Number), out.matrix[i]);
    });
  });

  it('without a terminal: a text table, largest change first, and what only one run has', async () => {
    const run = await runCli(['diff', runA.session, runB.session]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^diff B − A: 3 memories × 4 responses compared, responses matched by text/);
    assert.match(run.stdout, /only in A: old-note\nonly in B: new-note\nresponses only in B: entries 4\n$/);
  });
});

describe('memscope diff: bad input is one line and exit 2', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['a context file', () => [join(dir.path, 'a.json'), runB.session], /a\.json: neither a memscope session nor a saved --json result \(a context: score it first/],
    ['not JSON', () => [runA.session, write('junk.txt', 'hello\nworld\n')], /junk\.txt: neither a memscope session .* \(not JSON\)/],
    ['a JSON array', () => [runA.session, write('list.json', '[1, 2]')], /list\.json: neither a memscope session nor a saved --json result/],
    ['a single-mode result', () => [write('single.json', '{"mode":"single","key":"k","score":1,"calls":2}'), runB.json], /single\.json: a single-mode run; diff compares full-matrix runs/],
    ['a result with a broken matrix', () => [runA.json, write('broken.json', JSON.stringify({ ...runA.result, matrix: [[1]] }))], /broken\.json: \$\.matrix: 1 rows for 4 memories/],
    ['a result with a value its schema does not allow', () => [write('bad.json', '{"mode":"incremental","scored":[],"skipped":[{"key":"k","reason":"r","failed":false}],"calls":1}'), runB.json], /bad\.json: \$\.skipped\[0\]\.failed: false is not allowed: expected one of true$/m],
    ['a missing file', () => [runA.session, join(dir.path, 'nope.jsonl')], /nope\.jsonl: no such session or result file/],
    ['one run only', () => [runA.session], /diff: name two runs/],
  ];
  function write(name: string, text: string): string {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  }
  it('a session whose run did not finish: exit 1, as every unfinished run', async () => {
    const run = await runCli(['diff', runA.session, write('unfinished.jsonl', readFileSync(runB.session, 'utf8').trimEnd().split('\n').slice(0, -1).join('\n') + '\n'), '--json']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^memscope: .*unfinished\.jsonl: the run has not finished: no result to compare\n$/);
  });
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const run = await runCli(['diff', ...args(), '--json']);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    });
  }
});
