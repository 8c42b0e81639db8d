// The screen's frames: rows and values, the cursor, filter and sort, failed rows, the detail pane,
// the mode views, narrow terminals, colour depths, and untrusted text shown harmlessly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import stringWidth from 'string-width';
import { chatToContext } from '../../src/context/chat-format.ts';
import { contextTexts } from '../../src/context/context-texts.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import type { EngineEvent } from '../../src/engine/events.ts';
import { runOutcome } from '../../src/tui/run-state.ts';
import { KEYS, mount, rowOf, settle } from '../support/screen-harness.tsx';
import { syntheticRun } from '../support/synthetic-run.ts';
import { PARTS_CHAT } from '../support/parts-chat.ts';

type RunStarted = Extract<EngineEvent, { type: 'run-started' }>;

const started = (keys: string[], responses: number[], mode: RunStarted['mode'] = 'full'): RunStarted => ({
  type: 'run-started',
  mode,
  model: 'test-model',
  backend: 'built-in',
  memories: keys.map((key, i) => ({ key, entry: i * 2 })),
  responses,
  totalCalls: keys.length + 1,
});

const rowDone = (key: string, index: number, divergences: number[], first = 0): EngineEvent => ({
  type: 'row-done',
  key,
  index,
  divergences,
  max: Math.max(0, ...divergences),
  first,
});

const KEYS3 = ['deploy-api', 'incident-7', 'person-maya'];
const ENTRIES = [3, 5, 8, 13];

function cursorKey(raw: string): string | undefined {
  // The cursor row's key is drawn in inverse video (SGR 7), after the row's status mark.
  return /(?:^|\n)(?:\u001b\[[0-9;]*m)*[·▶✓✗–](?:\u001b\[[0-9;]*m)* \u001b\[7m([^\u001b]+?)\s*\u001b\[(?:27|0)m/.exec(raw)?.[1];
}

describe('matrix rows', () => {
  it('shows each memory with its status, max divergence and the entry indices of responses', async () => {
    const screen = await mount([
      started(KEYS3, ENTRIES),
      { type: 'baseline-done', scores: [-10, -20, -30, -40] },
      rowDone('deploy-api', 0, [0, 12.5, 0.25, 0]),
      { type: 'row-started', key: 'incident-7', index: 1 },
    ]);
    const lines = screen.lines();
    assert.match(lines[0]!, /context\.json · full matrix · test-model @ built-in/);
    assert.match(lines[1]!, /memory 1\/3 +max +│3 +5 +8 +13/);
    assert.match(rowOf(lines, 'deploy-api'), /^✓ deploy-api +12\.50 /);
    assert.match(rowOf(lines, 'incident-7'), /^▶ incident-7 +… /);
    assert.match(rowOf(lines, 'person-maya'), /^· person-maya +│· +· +· +·/);
    // The scored row's cells in the NO_COLOR glyph ramp, four columns wide here: the cursor on
    // 0, then 12.5 (the top of the scale) and 0.25.
    assert.match(rowOf(lines, 'deploy-api'), /│\[ {2}\]████░░░░/);
    assert.match(screen.text(), /<0\.01 blank {2}0\.01 ░▒▓█ 12\.50 log/, "the legend says what reads as background");
    screen.unmount();
  });

  it('fills rows in as results arrive and counts calls', async () => {
    const screen = await mount([started(KEYS3, ENTRIES)]);
    assert.match(rowOf(screen.lines(), 'person-maya'), /^·/);
    await screen.send(
      { type: 'call-started', call: 0, label: 'baseline' },
      { type: 'call-done', call: 0, ok: true },
      { type: 'activity', text: 'scoring: 3/3 person-maya' },
      rowDone('person-maya', 2, [1, 2, 3, 4]),
    );
    assert.match(rowOf(screen.lines(), 'person-maya'), /^✓ person-maya +4\.000/);
    assert.match(screen.lines()[0]!, /1\/4 calls/);
    // One counter on the activity line: calls (the bar's), not the engine's memories started.
    const activity = screen.lines().at(-2)!;
    assert.match(activity, /scoring: person-maya +━+ +25% 1\/4/);
    assert.doesNotMatch(activity, /3\/3/);
    screen.unmount();
  });

  it('shows a failed row as failed, with its reason across the cells and in the detail pane', async () => {
    const screen = await mount([started(KEYS3, ENTRIES), { type: 'row-failed', key: 'incident-7', index: 1, reason: 'HTTP 503 from server' }]);
    assert.match(rowOf(screen.lines(), 'incident-7'), /^✗ incident-7 +failed +│failed: HTTP 503 from server/);
    await screen.pressKeys('down', 'enter');
    assert.match(screen.text(), /failed +HTTP 503 from server/);
    screen.unmount();
  });

  it('shows the outcome of a run that failed as a whole', async () => {
    const screen = await mount([started(KEYS3, ENTRIES), { type: 'run-failed', reason: 'baseline failed: connection refused (ECONNREFUSED)' }]);
    assert.match(screen.text(), /✗ scoring failed: baseline failed: connection refused \(ECONNREFUSED\)/);
    screen.unmount();
  });

  it('counts an interrupted run as the line after the screen does: calls answered of all', async () => {
    const call = (id: number, ok: boolean): EngineEvent[] => [{ type: 'call-started', call: id, label: 'baseline' }, { type: 'call-done', call: id, ok }];
    const screen = await mount([started(KEYS3, ENTRIES), ...call(0, true), ...call(1, true), ...call(2, false), { type: 'run-interrupted' }]);
    // Three calls ended, one cut short by the interruption: two answered of four.
    assert.match(screen.text(), /■ interrupted at 2\/4 calls/);
    assert.match(runOutcome(screen.store.getSnapshot(), 0), /^interrupted at 2\/4 calls after /);
    screen.unmount();
  });
});

describe('a key in several places (memory parts)', () => {
  it('marks the row (N), explains the mark in help, and keeps the other rows unmarked', async () => {
    const texts = contextTexts(chatToContext(PARTS_CHAT));
    const keys = ['persona', 'human', 'likes-go', 'tea', 'deploy', 'oncall'];
    const screen = await mount([started(keys, [1, 2, 6]), { type: 'baseline-done', scores: [-3, -4, -5] }, rowDone('persona', 0, [1, 0, 0]), rowDone('human', 1, [2, 3, 0])], { texts, size: { columns: 100, rows: 30 } });
    try {
      assert.match(rowOf(screen.lines(), 'human'), /^✓ human \(2\) +3\.000 /);
      for (const key of keys.filter((k) => k !== 'human')) assert.doesNotMatch(rowOf(screen.lines(), key), /\(\d\)/, key);
      // The key column has room for the mark: no key is cut.
      assert.ok(screen.lines().some((l) => / likes-go /.test(l)));
      // On the cursor's row the inverse video covers the key, the mark stays faint beside it.
      await screen.pressKeys('down');
      assert.equal(cursorKey(screen.raw()), 'human');
      await screen.pressKeys('help');
      assert.match(screen.text(), /key \(2\): one memory in 2 places of the context, removed from both\./);
    } finally {
      screen.unmount();
    }
  });
});

describe('keys', () => {
  it('moves the cursor with arrows and hjkl, across rows and response columns', async () => {
    const screen = await mount([started(KEYS3, ENTRIES), rowDone('deploy-api', 0, [1, 2, 3, 4])]);
    assert.equal(cursorKey(screen.raw()), 'deploy-api');
    await screen.press('j');
    assert.equal(cursorKey(screen.raw()), 'incident-7');
    await screen.press(KEYS.down, KEYS.down);
    assert.equal(cursorKey(screen.raw()), 'person-maya', 'the cursor stops at the last row');
    await screen.press('k', KEYS.up);
    assert.equal(cursorKey(screen.raw()), 'deploy-api');
    // The selected response's entry is drawn in inverse in the ruler.
    assert.match(screen.raw(), /\u001b\[7m3\u001b\[(27|0)m/);
    await screen.press('l', KEYS.right);
    assert.match(screen.raw(), /\u001b\[7m8\u001b\[(27|0)m/);
    await screen.press(KEYS.end);
    assert.match(screen.raw(), /\u001b\[7m13\u001b\[(27|0)m/);
    await screen.press(KEYS.home);
    assert.match(screen.raw(), /\u001b\[7m3\u001b\[(27|0)m/);
    await screen.press('G');
    assert.equal(cursorKey(screen.raw()), 'person-maya');
    await screen.press('g');
    assert.equal(cursorKey(screen.raw()), 'deploy-api');
    screen.unmount();
  });

  it('takes keys that arrive together in one chunk one by one', async () => {
    const screen = await mount([started(KEYS3, ENTRIES)]);
    await screen.press('jj');
    assert.equal(cursorKey(screen.raw()), 'person-maya');
    screen.unmount();
  });

  it('cycles the row order with s (position, max divergence, key) and keeps the selected memory', async () => {
    const screen = await mount([
      started(['zeta', 'alpha', 'mid'], ENTRIES),
      rowDone('zeta', 0, [1, 0, 0, 0]),
      rowDone('alpha', 1, [0, 0, 5, 0]),
      rowDone('mid', 2, [0, 3, 0, 0]),
    ]);
    const order = () => screen.lines().filter((l) => /^✓ /.test(l)).map((l) => l.split(/\s+/)[1]);
    assert.deepEqual(order(), ['zeta', 'alpha', 'mid']);
    await screen.pressKeys('sort');
    assert.deepEqual(order(), ['alpha', 'mid', 'zeta']);
    assert.match(screen.lines()[1]!, /↓max/);
    assert.equal(cursorKey(screen.raw()), 'zeta', 'the cursor follows its memory');
    await screen.pressKeys('sort');
    assert.deepEqual(order(), ['alpha', 'mid', 'zeta']);
    assert.match(screen.lines()[1]!, /memory↓/);
    await screen.pressKeys('sort');
    assert.deepEqual(order(), ['zeta', 'alpha', 'mid']);
    screen.unmount();
  });

  it('filters rows by key substring with /, keeps it on Enter and clears it on Esc', async () => {
    const screen = await mount([started(['deploy-a', 'incident-1', 'deploy-b', 'incident-2'], ENTRIES)]);
    await screen.press('/', 'dep');
    assert.match(screen.text(), /filter: dep/);
    assert.match(screen.text(), /2\/4/);
    const shown = () => screen.lines().filter((l) => /^· /.test(l)).map((l) => l.split(/\s+/)[1]);
    assert.deepEqual(shown(), ['deploy-a', 'deploy-b']);
    await screen.pressKeys('enter');
    assert.match(screen.text(), /\/dep 2\/4/);
    await screen.pressKeys('down');
    assert.equal(cursorKey(screen.raw()), 'deploy-b');
    await screen.pressKeys('escape');
    await settle();
    assert.deepEqual(shown(), ['deploy-a', 'incident-1', 'deploy-b', 'incident-2']);
    assert.equal(cursorKey(screen.raw()), 'deploy-b', 'clearing the filter keeps the selection');
    await screen.press('/', 'zzz');
    assert.match(screen.text(), /no memory key matches the filter/);
    await screen.press(KEYS.backspace, KEYS.backspace, KEYS.backspace, 'INC', KEYS.enter);
    assert.deepEqual(shown(), ['incident-1', 'incident-2'], 'the filter ignores case');
    screen.unmount();
  });

  it('opens help with ? and closes it with any key', async () => {
    const screen = await mount([started(KEYS3, ENTRIES)]);
    await screen.pressKeys('help');
    assert.match(screen.text(), /filter memories by key/);
    assert.doesNotMatch(screen.text(), /deploy-api/);
    await screen.press('x');
    assert.doesNotMatch(screen.text(), /filter memories by key/);
    assert.match(screen.text(), /deploy-api/);
    screen.unmount();
  });

  it('quits on q and on Ctrl-C (as an interrupt)', async () => {
    const screen = await mount([started(KEYS3, ENTRIES)]);
    await screen.pressKeys('quit');
    await screen.pressKeys('interrupt');
    assert.deepEqual(screen.quits, [false, true]);
    screen.unmount();
  });
});

describe('detail pane', () => {
  const chat = {
    conversation: [
      { role: 'user' as const, content: 'How do we deploy the api?' },
      { role: 'memory' as const, key: 'deploy-api', content: 'The api deploys with make release-api; Maya is on call.' },
      { role: 'assistant' as const, content: 'Run make release-api. Maya is on call.' },
      { role: 'user' as const, content: 'Thanks.' },
      { role: 'assistant' as const, content: Array.from({ length: 30 }, (_, i) => `Line ${i + 1} of a long answer.`).join('\n') },
    ],
  };

  it('at 80×24 a wrapped memory line starts under the first, and the scroll note leaves the response’s first line whole', async () => {
    // The pane's text is 66 columns wide at 80: the first line breaks exactly at a space; two lines
    // of memory leave room for the where line and the response's first line.
    const long = `The gateway ${'x'.repeat(54)} config lives in config/auth-gateway.yaml.`;
    const answer = 'Reload it with a SIGHUP: the sidecar rereads its config.\n' + Array.from({ length: 30 }, (_, i) => `More ${i + 1}.`).join('\n');
    const texts = contextTexts(chatToContext({ conversation: [{ role: 'user' as const, content: 'q' }, { role: 'memory' as const, key: 'gw', content: long }, { role: 'assistant' as const, content: answer }] }));
    const screen = await mount([started(['gw'], [2]), { type: 'baseline-done', scores: [-3] }, rowDone('gw', 0, [2])], { texts, size: { columns: 80, rows: 24 } });
    await screen.pressKeys('enter');
    const lines = screen.lines();
    const first = lines.findIndex((l) => /memory +The gateway/.test(l));
    assert.ok(first >= 0, lines.join('\n'));
    const start = (line: string) => line.search(/\S/u);
    const textStart = lines[first]!.indexOf('The gateway');
    assert.equal(lines[first + 1]!.slice(0, textStart).trim(), '│');
    assert.equal(start(lines[first + 1]!.slice(textStart - 1)), 1, `continuation under the first line:\n${lines.slice(first, first + 2).join('\n')}`);
    assert.match(screen.text(), /response +Reload it with a SIGHUP: the sidecar rereads its config\. +│/, lines.join('\n'));
    assert.match(screen.text(), /╰─+ ?lines 1–\d+ of \d+/, 'the scroll note in the border');
    const border = lines.find((l) => l.startsWith('╰'))!;
    assert.equal(stringWidth(border), 80, `the border with its note is as wide as the pane:\n${border}`);
    screen.unmount();
  });

  it('shows the memory, the response, divergence, baseline logprob and the rank, and scrolls the response', async () => {
    const texts = contextTexts(chatToContext(chat));
    const screen = await mount(
      [
        started(['deploy-api', 'other'], [2, 4]),
        { type: 'baseline-done', scores: [-12.25, -40.5] },
        rowDone('deploy-api', 0, [7.5, 0]),
        rowDone('other', 1, [9, 0]),
      ],
      { texts },
    );
    await screen.pressKeys('enter');
    const text = screen.text();
    assert.match(text, /deploy-api \(entry 0\) × response at entry 2/);
    assert.match(text, /memory +The api deploys with make release-api; Maya is on call\./);
    assert.match(text, /divergence 7\.500 · baseline logprob -12\.250/);
    assert.match(text, /rank {2,}2 of 2/, 'the label says rank once');
    assert.doesNotMatch(text, /rank +rank/);
    assert.match(text, /response +Run make release-api\. Maya is on call\./);
    await screen.pressKeys('right');
    assert.match(screen.text(), /Line 1 of a long answer\./);
    assert.match(screen.text(), /rank {2,}1 of 2 \(1 tied\)/);
    await screen.pressKeys('scrollDown', 'scrollDown', 'scrollDown');
    assert.doesNotMatch(screen.text(), /Line 1 of a long answer\./);
    assert.match(screen.text(), /Line 4 of a long answer\./);
    assert.match(screen.text(), /lines 4–/);
    await screen.press(']'.repeat(40));
    assert.match(screen.text(), /Line 30 of a long answer\./);
    // The memory's line and the response's 30 scroll together.
    const end = /lines (\d+)–31 of 31/.exec(screen.text());
    assert.ok(end, 'scrolled to the end');
    await screen.pressKeys('scrollUp');
    assert.match(screen.text(), new RegExp(`lines ${Number(end[1]) - 1}–30 of 31`), 'one step back from the end moves at once');
    await screen.pressKeys('enter');
    assert.doesNotMatch(screen.text(), /Line 4 of a long answer\./);
    screen.unmount();
  });
});

describe('untrusted text', () => {
  const hostile = {
    conversation: [
      { role: 'user' as const, content: 'hi' },
      { role: 'memory' as const, key: 'evil\u001b[2Jkey\u0007', content: 'copy \u001b]52;c;aGVsbG8=\u0007 this \u009b31m now \u202eesrever' },
      { role: 'assistant' as const, content: 'answer \u001b[?1049l\u001b[31m red \u001bP+q\u001b\\ \u2066iso\u2069 done' },
    ],
  };

  it('is shown neutralised: the frame holds no escape sequence but the screen’s own colours', async () => {
    const context = chatToContext(hostile);
    const engine = new ScoringEngine(context, { scorer: new BuiltinScorer(), model: 'memscope-builtin' });
    const screen = await mount([], { texts: contextTexts(context), depth: 'truecolor', file: 'ctx\u001b]0;title\u0007.json' });
    screen.store.attach(engine);
    await engine.run({ mode: 'full' });
    screen.store.flush();
    await settle();
    await screen.pressKeys('enter');
    await screen.send({ type: 'row-failed', key: 'evil\u001b[2Jkey\u0007', index: 0, reason: 'server said \u001b[5mblink\u001b[0m' });
    const raw = screen.raw();
    const escapes = raw.match(/\u001b[^m]*?(?:m|$)/g) ?? [];
    for (const sequence of escapes) assert.match(sequence, /^\u001b\[[0-9;]*m$/, `unexpected escape ${JSON.stringify(sequence)}`);
    assert.doesNotMatch(raw, /[\u0007\u009b\u202e\u2066\u2069]/);
    const text = screen.text();
    assert.match(text, /evil␛\[2Jkey␇/);
    assert.match(text, /copy ␛\]52;c;aGVsbG8=␇ this <U\+009B>31m now <U\+202E>esrever/);
    assert.match(text, /answer ␛\[\?1049l␛\[31m red/);
    assert.match(text, /ctx␛\]0;title␇\.json/);
    assert.match(text, /server said ␛\[5mblink␛\[0m/);
    screen.unmount();
  });
});

describe('size', () => {
  it('keeps a 500 × 2000 matrix usable in 80 × 24: one frame of 24 lines, every line within 80 columns', async () => {
    const run = syntheticRun(500, 2000);
    const events = [run.started, run.baseline, ...Array.from({ length: 500 }, (_, i) => run.row(i))];
    const screen = await mount(events, { size: { columns: 80, rows: 24 } });
    const check = () => {
      const lines = screen.lines();
      assert.ok(lines.length <= 24, `${lines.length} lines`);
      for (const line of lines) assert.ok(stringWidth(line) <= 80, `too wide (${stringWidth(line)}): ${line}`);
    };
    check();
    assert.match(screen.lines()[1]!, /memory 1\/500/);
    await screen.pressKeys('lastRow');
    check();
    assert.match(screen.lines()[1]!, /memory 500\/500/);
    assert.equal(cursorKey(screen.raw()), run.keys[499]);
    await screen.pressKeys('lastColumn');
    check();
    assert.match(screen.raw(), new RegExp(`\\u001b\\[7m${run.entries[1999]}\\u001b\\[(27|0)m`));
    await screen.pressKeys('pageUp');
    check();
    assert.ok(!screen.text().includes(` ${run.keys[499]} `), 'a page up scrolls the last row out of view');
    await screen.pressKeys('enter');
    check();
    screen.unmount();
  });

  it('re-lays out when the terminal is resized', async () => {
    const run = syntheticRun(60, 300);
    const screen = await mount([run.started, ...Array.from({ length: 60 }, (_, i) => run.row(i))], { size: { columns: 80, rows: 24 } });
    const rows = () => screen.lines().filter((l) => /^✓ /.test(l)).length;
    const small = rows();
    await screen.resize({ columns: 160, rows: 50 });
    assert.ok(rows() > small, `${rows()} rows after growing, ${small} before`);
    assert.ok(screen.lines().some((l) => stringWidth(l) > 100), 'lines use the new width');
    await screen.resize({ columns: 50, rows: 12 });
    for (const line of screen.lines()) assert.ok(stringWidth(line) <= 50, line);
    assert.ok(rows() >= 3);
    screen.unmount();
  });

  it('says so when the terminal is too small to draw the matrix', async () => {
    const screen = await mount([started(KEYS3, ENTRIES)], { size: { columns: 30, rows: 8 } });
    assert.match(screen.text(), /needs at least 40×10/);
    screen.unmount();
  });

  it('narrow terminals shorten keys and drop the bar before dropping cells', async () => {
    const screen = await mount([started(['a-very-long-memory-key-that-goes-on', 'b'], ENTRIES), rowDone('b', 1, [1, 2, 3, 4])], { size: { columns: 44, rows: 12 } });
    const line = rowOf(screen.lines(), 'b');
    assert.ok(stringWidth(line) <= 44);
    assert.match(screen.text(), /a-very…t-goes-on/);
    assert.match(line, /│\S/, 'cells are drawn');
    screen.unmount();
  });
});

describe('line overlay', () => {
  it('draws the same frame through the overlay as through plain Ink text', async () => {
    const run = syntheticRun(40, 120);
    const events = [run.started, run.baseline, ...Array.from({ length: 30 }, (_, i) => run.row(i)), { type: 'row-failed', key: run.keys[30]!, index: 30, reason: 'boom' } as EngineEvent];
    for (const depth of ['truecolor', 'none'] as const) {
      const overlaid = await mount(events, { depth, size: { columns: 90, rows: 30 } });
      const plain = await mount(events, { depth, size: { columns: 90, rows: 30 }, plain: true });
      for (const screen of [overlaid, plain]) await screen.pressKeys('down', 'right', 'enter');
      assert.doesNotMatch(overlaid.raw(), /\u0001/);
      // Ink re-encodes styles its own way (closing codes instead of resets) and trims trailing
      // blanks; the text is the same.
      const trimmed = (lines: string[]) => lines.map((l) => l.trimEnd());
      assert.deepEqual(trimmed(overlaid.lines()), trimmed(plain.lines()), depth);
      const colours = (raw: string) => [...new Set(raw.match(/[34]8;2;\d+;\d+;\d+/g))].sort();
      assert.deepEqual(colours(overlaid.raw()), colours(plain.raw()));
      overlaid.unmount();
      plain.unmount();
    }
  });
});

describe('colour depth', () => {
  const events = [started(KEYS3, ENTRIES), rowDone('deploy-api', 0, [0, 12.5, 0.25, 40])];

  it('uses 24-bit colours in truecolor, the 256 palette, or the 16 ANSI colours', async () => {
    for (const [depth, pattern] of [
      ['truecolor', /\u001b\[48;2;\d+;\d+;\d+m/],
      ['256', /\u001b\[48;5;\d+m/],
      ['16', /\u001b\[(4[0-7]|10[0-7])m/],
    ] as const) {
      const screen = await mount(events, { depth });
      assert.match(screen.raw(), pattern, depth);
      if (depth !== 'truecolor') assert.doesNotMatch(screen.raw(), /[34]8;2;/, depth);
      screen.unmount();
    }
  });

  it('with NO_COLOR draws no colour at all, the matrix in a glyph ramp', async () => {
    const screen = await mount(events, { depth: 'none' });
    assert.doesNotMatch(screen.raw(), /\u001b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])(;[0-9;]*)?m/);
    // Four responses get cells four columns wide: the cursor, then 12.5, 0.25 and 40.
    assert.match(rowOf(screen.lines(), 'deploy-api'), /│\[ {2}\]▓▓▓▓░░░░████/);
    screen.unmount();
  });
});

describe('mode views', () => {
  it('incremental: scores, weights, skipped memories with their reason, windows offset by first', async () => {
    const screen = await mount([
      started(['m1', 'm2'], [2, 4, 6, 8], 'incremental'),
      { type: 'memory-skipped', key: 'fresh-one', reason: 'scored 10s ago, within --max-age 86400s' },
      rowDone('m1', 0, [3, 1], 2),
      { type: 'memory-scored', key: 'm1', score: 3, weight: 2.25 },
    ]);
    const lines = screen.lines();
    assert.match(lines[1]!, /scored 1 +to score 1 +skipped 1 +failed 0/);
    assert.match(lines[2]!, /score +weight/);
    assert.match(rowOf(lines, 'm1'), /^✓ m1 +3\.000 ████ +2\.250 │\[ {2}\] {4}████▓▓▓▓/, 'the window starts at the third response');
    assert.match(rowOf(lines, 'fresh-one'), /^– fresh-one +skip +│skipped: scored 10s ago, within --max-age 86400s/);
    screen.unmount();
  });

  it('single: the memory’s score over its window', async () => {
    const screen = await mount([started(['only'], [5, 7], 'single'), rowDone('only', 0, [1.5, 2.25])]);
    assert.match(screen.lines()[1]!, /score 3\.750 +sum of divergence over the 2 responses after only/);
    screen.unmount();
  });

  it('fine-tune: the candidates ranked by divergence without memories', async () => {
    const screen = await mount([
      { ...started([], [10, 12, 14], 'finetune'), totalCalls: 2 },
      { type: 'baseline-done', scores: [-5, -6, -7] },
      {
        type: 'run-done',
        result: {
          mode: 'finetune',
          candidates: [
            { entry: 12, divergence: 9.5 },
            { entry: 14, divergence: 1 },
            { entry: 10, divergence: 0 },
          ],
          calls: 2,
        },
      },
    ]);
    const ranked = screen.lines().filter((l) => /^ +\d+ +\d+ /.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '));
    assert.deepEqual(ranked, ['1 12', '2 14', '3 10']);
    // z has no matrix to fold here: Enter still opens the detail pane.
    await screen.pressKeys('overview', 'down', 'enter');
    assert.match(screen.text(), /response at entry 14 · rank 2 of 3/);
    assert.match(screen.text(), /divergence without memories 1\.000 · baseline logprob -7\.000/);
    screen.unmount();
  });
});
