// The diff screen's frames: rows with max A, max B and the change, memories and responses in one
// run only, the orders of `s`, the detail pane with both cells, the diverging colours and NO_COLOR
// glyphs, untrusted keys shown harmlessly, and q.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { DiffApp } from '../../components/DiffApp.tsx';
import { diffDetail } from '../../src/tui/diff-detail.ts';
import type { DiffRun } from '../../src/tui/diff-lines.ts';
import type { ContextTexts } from '../../src/context/context-texts.ts';
import type { FullResult } from '../../src/engine/events.ts';
import { compareRuns } from '../../src/engine/run-diff.ts';
import type { ColorDepth } from '../../src/tui/color-depth.ts';
import { diffRows } from '../../src/tui/diff-view.ts';
import { LineOverlay } from '../../src/tui/line-overlay.ts';
import { screenTheme } from '../../src/tui/screen-theme.ts';
import { KEYS, bindingKeys, settle } from '../support/screen-harness.tsx';
import { DIFF_KEYS } from '../../src/tui/key-table.ts';

const HOSTILE = 'evil\u001b[31m';

function result(keys: string[], entries: number[], matrix: number[][]): FullResult {
  return {
    mode: 'full',
    model: 'm',
    memories: keys.map((key, i) => ({ key, max: Math.max(0, ...matrix[i]!), failed: false })),
    responses: entries.map((entry, j) => ({ entry, baseline: -10 - j })),
    matrix,
    calls: keys.length + 1,
  };
}

function texts(responses: Record<number, string>, memories: Record<string, string>): ContextTexts {
  return { response: (entry) => responses[entry], memory: (key) => memories[key] };
}

// B inserts an answer ("inserted", entry 4) before "second": later responses move by two entries.
const A = result(['drop', 'rise', 'same', 'gone', HOSTILE], [2, 4, 6], [[50, 10, 0], [1, 0, 2], [5, 5, 5], [3, 3, 3], [1, 1, 1]]);
const B = result(['same', 'rise', 'drop', 'new', HOSTILE], [2, 4, 6, 8], [[5, 0, 5, 5], [1, 0, 0, 45], [2, 0, 10, 0], [7, 7, 7, 7], [1, 0, 1, 1]]);
const TEXTS_A = texts({ 2: 'first answer', 4: 'second answer', 6: 'third answer' }, { drop: 'the drop memory in A', rise: 'rise text' });
const TEXTS_B = texts({ 2: 'first answer', 4: 'inserted answer', 6: 'second answer', 8: 'third answer' }, { drop: 'the drop memory, edited in B', rise: 'rise text' });

async function mount(depth: ColorDepth = 'none', size = { columns: 110, rows: 30 }, runs = { a: A, b: B, textsA: TEXTS_A, textsB: TEXTS_B }, paths = ['runs/before.jsonl', 'runs/after.jsonl'], background: 'dark' | 'light' = 'dark') {
  const { a, b, textsA, textsB } = runs;
  const runA: DiffRun = { path: paths[0]!, model: 'model-a', result: a, texts: textsA };
  const runB: DiffRun = { path: paths[1]!, model: 'model-b', result: b, texts: textsB };
  const diff = compareRuns({ result: a, responseText: (e) => textsA.response(e) }, { result: b, responseText: (e) => textsB.response(e) });
  const quits: boolean[] = [];
  const overlay = new LineOverlay();
  const instance = render(<DiffApp a={runA} b={runB} diff={diff} depth={depth} background={background} size={size} overlay={overlay} onQuit={(i) => quits.push(i)} />);
  await settle();
  const raw = () => overlay.compose(instance.lastFrame() ?? '');
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      instance.stdin.write(key);
      await settle();
    }
  };
  return {
    raw,
    lines: () => stripVTControlCharacters(raw()).split('\n'),
    press,
    pressKeys: (...bindings: (keyof typeof DIFF_KEYS)[]) => press(...bindingKeys(DIFF_KEYS, ...bindings)),
    quits,
    unmount: () => instance.unmount(),
  };
}

function screen80(a: FullResult, b: FullResult, t: ContextTexts, paths: string[]) {
  return mount('none', { columns: 80, rows: 24 }, { a, b, textsA: t, textsB: t }, paths);
}

/** Memory keys of the matrix rows, top to bottom. */
function rowKeys(lines: string[]): string[] {
  return lines.flatMap((line) => {
    const m = /^[ AB✗] (\S+)\s+[-\d.—]+\s+[-\d.—]+/.exec(line);
    return m ? [m[1]!] : [];
  });
}

describe('the diff screen', () => {
  it('on a light background colours a change by how far it stands out from white, on a dark one from black', async () => {
    const colours = async (background: 'dark' | 'light') => {
      const screen = await mount('truecolor', undefined, undefined, undefined, background);
      const found = [...screen.raw().matchAll(/48;2;(\d+);(\d+);(\d+)/g)].map((m) => Number(m[1]) + Number(m[2]) + Number(m[3]));
      screen.unmount();
      return found;
    };
    const dark = await colours('dark');
    const light = await colours('light');
    assert.ok(dark.length > 0 && light.length > 0);
    // Averaged over the cells, the light mapping is the brighter one.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(light) > mean(dark), `light ${mean(light)} vs dark ${mean(dark)}`);
  });

  it('at 80 columns cuts long keys in the middle, as the main screen does, and names both runs in the header', async () => {
    const keys = ['config-auth-gateway-endpoint-timeout-1', 'config-auth-gateway-endpoint-timeout-2'];
    const a = result(keys, [2, 4], [[1, 2], [3, 4]]);
    const b = result(keys, [2, 4], [[2, 2], [3, 9]]);
    const texts2 = texts({ 2: 'x', 4: 'y' }, {});
    const paths = ['/home/user/.local/state/memscope/sessions/2026-12-04T15-02-11-before-finetune.jsonl', '/home/user/.local/state/memscope/sessions/2026-12-04T15-09-40-after-finetune.jsonl'];
    const screen = await screen80(a, b, texts2, paths);
    const lines = screen.lines();
    for (const n of ['1', '2']) assert.ok(lines.some((l) => new RegExp(`config-\\S*…\\S*-${n} `).test(l)), `key -${n} keeps its tail:\n${lines.join('\n')}`);
    assert.match(lines[0]!, / A 2026-\S*…\S*\.jsonl → B 2026-\S*…\S*\.jsonl /, 'both runs named, each cut in the middle');
    assert.ok(lines.every((l) => l.length <= 80));
    screen.unmount();
  });

  it('shows both runs, each memory with max in A, in B and the change, and what only one run has', async () => {
    const screen = await mount();
    const lines = screen.lines();
    assert.match(lines[0]!, /memscope diff +B − A · A runs\/before\.jsonl \(model-a\) → B runs\/after\.jsonl \(model-b\) +4×3 compared/);
    assert.match(lines[1]!, /memory 1\/6 +max A +max B +change │2 +4 +6/);
    assert.match(lines.find((l) => / drop /.test(l))!, /drop +50\.00 +10\.00 +-40\.00 │/);
    assert.match(lines.find((l) => / rise /.test(l))!, /rise +2\.000 +45\.00 +\+43\.00 │/);
    assert.match(lines.find((l) => / same /.test(l))!, /same +5\.000 +5\.000 +0\.000 │/);
    assert.match(lines.find((l) => / gone /.test(l))!, /^A gone +3\.000 +— +│only in A: not in run B/);
    assert.match(lines.find((l) => / new /.test(l))!, /^B new +— +7\.000 +│only in B: not in run A/);
    assert.match(lines.join('\n'), /responses matched by text \(the conversations differ\) +only in B: responses 4/);
    assert.match(lines.at(-1)!, /s sort: position/);
    screen.unmount();
  });

  it('s orders rows by the largest change, then the largest drop, then the largest rise; one-run rows stay last', async () => {
    const screen = await mount();
    // The rise (+43) is larger than the drop (−40): sorted, it comes first.
    assert.deepEqual(rowKeys(screen.lines()), ['drop', 'rise', 'same', 'evil␛[31m', 'gone', 'new']);
    await screen.pressKeys('sort');
    assert.deepEqual(rowKeys(screen.lines()), ['rise', 'drop', 'same', 'evil␛[31m', 'gone', 'new']);
    assert.match(screen.lines().at(-1)!, /sort: largest change/);
    await screen.pressKeys('sort');
    assert.match(screen.lines().at(-1)!, /sort: largest drop/);
    // Unchanged rows (same, and the hostile key's) sit between the drop and the rise.
    assert.deepEqual(rowKeys(screen.lines()).slice(0, 4), ['drop', 'same', 'evil␛[31m', 'rise']);
    await screen.pressKeys('sort');
    assert.match(screen.lines().at(-1)!, /sort: largest rise/);
    const rise = rowKeys(screen.lines());
    assert.deepEqual(rise.slice(0, 4), ['rise', 'same', 'evil␛[31m', 'drop']);
    assert.deepEqual(rise.slice(-2), ['gone', 'new']);
    screen.unmount();
  });

  it('a scrolled ruler shows labels whole: none cut by an arrow or by the cursor’s longer "aN bM"', async () => {
    // 60 responses at three-digit entries; B inserts one first, so the cursor's label reads "a100 b102".
    const n = 60;
    const entriesA = Array.from({ length: n }, (_, j) => 100 + 2 * j);
    const entriesB = [100, ...entriesA.map((e) => e + 2)];
    const rows = [0, 1, 2].map((i) => entriesA.map((_, j) => (i * 7 + j) % 5));
    const a = result(['one', 'two', 'three'], entriesA, rows);
    const b = result(['one', 'two', 'three'], entriesB, rows.map((r) => [0, ...r]));
    const answer = (j: number) => `answer ${j}`;
    const textsA = texts(Object.fromEntries(entriesA.map((e, j) => [e, answer(j)])), {});
    const textsB = texts(Object.fromEntries([[100, 'inserted'], ...entriesA.map((e, j) => [e + 2, answer(j)])]), {});
    const screen = await mount('none', { columns: 80, rows: 24 }, { a, b, textsA, textsB });
    const whole = new Set(entriesA.map(String));
    const wholeB = new Set(entriesB.map(String));
    let scrolled = false;
    try {
      for (let move = 0; move < n; move++) {
        const ruler = screen.lines()[1]!;
        const cells = ruler.slice(ruler.indexOf('│') + 1);
        const cursor = /\u001b\[7m([^\u001b]+)/.exec(screen.raw().split('\n')[1]!)?.[1] ?? '';
        const pair = /^a(\d+) b(\d+)$/.exec(cursor);
        assert.ok(pair ? whole.has(pair[1]!) && wholeB.has(pair[2]!) : whole.has(cursor), `the cursor's label "${cursor}" is whole: ${ruler}`);
        // Only the cursor's label (#), whole, may touch an arrow; the others stand apart, whole entries.
        const others = cells.replace(cursor, '#');
        assert.doesNotMatch(others, /[◀▶][^\s#]|[^\s#][◀▶]/, ruler);
        for (const label of others.replace(/[◀▶#]/g, ' ').trim().split(/\s+/).filter(Boolean)) assert.ok(whole.has(label), `"${label}" is cut: ${ruler}`);
        scrolled ||= cells.includes('◀');
        await screen.pressKeys('right');
      }
      assert.ok(scrolled, 'the ruler scrolled');
    } finally {
      screen.unmount();
    }
  });

  it('Enter shows both cells, both maxima and baselines, the memory in each run and the response text', async () => {
    const screen = await mount();
    // The cursor starts on "drop" × the first response; → moves to the second (a4 b6).
    await screen.pressKeys('right', 'enter');
    const text = screen.lines().join('\n');
    assert.match(text, /drop × response a4 b6/);
    assert.match(text, /cell +B − A 0\.000 · A 10\.00 · B 10\.00/);
    assert.match(text, /max +A 50\.00 · B 10\.00 · change -40\.00/);
    assert.match(text, /baseline +logprob A -11\.000 · B -12\.000/);
    assert.match(text, /memory A +the drop memory in A/);
    assert.match(text, /memory B +the drop memory, edited in B/);
    assert.match(text, /response +second answer/);
    await screen.pressKeys('left');
    assert.match(screen.lines().join('\n'), /cell +B − A -48\.00 · A 50\.00 · B 2\.000/);
    screen.unmount();
  });

  it('a response longer than the pane keeps its lines whole: the scroll note sits in the bottom border, as on the main screen', () => {
    const long = Array.from({ length: 30 }, () => 'abcdef').join(' ');
    const textsA = texts({ 2: long }, {});
    const diff = compareRuns({ result: A, responseText: (e) => textsA.response(e) }, { result: B, responseText: (e) => textsA.response(e) });
    const run = (result: FullResult): DiffRun => ({ path: 'r.jsonl', model: 'm', result, texts: textsA });
    const row = diffRows(diff).find((r) => r.key === 'drop');
    const pane = (scroll: number) => diffDetail({ a: run(A), b: run(B), diff, row, column: 0, scroll, width: 50, height: 8, theme: screenTheme('none') });
    const { lines, maxScroll } = pane(0);
    const plain = lines.map((line) => stripVTControlCharacters(line));
    // The wrap's lines as they are: the text is 36 columns wide here, five words a line.
    const wrapped = 'abcdef abcdef abcdef abcdef abcdef';
    assert.match(plain.at(-2)!, new RegExp(`^│ {11}${wrapped} +│$`), plain.join('\n'));
    assert.match(plain.at(-1)!, /^╰─+ lines 1–2 of 6 · \[ \] scroll ─╯$/, plain.at(-1));
    assert.equal(plain.at(-1)!.length, 50);
    assert.equal(maxScroll, 4);
    const end = pane(4).lines.map((line) => stripVTControlCharacters(line));
    assert.match(end.at(-1)!, /lines 5–6 of 6/);
    assert.match(end.at(-2)!, /^│ {11}(abcdef ?)+ +│$/, 'the last line of the text, whole');
  });

  it('colours drops red and rises blue (truecolor, 16 colours); with NO_COLOR the cells carry the sign in glyphs', async () => {
    const colour = await mount('truecolor');
    const dropLine = colour.raw().split('\n').find((l) => stripVTControlCharacters(l).includes(' drop '))!;
    const riseLine = colour.raw().split('\n').find((l) => stripVTControlCharacters(l).includes(' rise '))!;
    const backgrounds = (line: string) => [...line.matchAll(/48;2;(\d+);(\d+);(\d+)m/g)].map((m) => m.slice(1).map(Number) as [number, number, number]);
    // The cursor sits on drop × first response (-48): its background is the drop's, red over blue.
    assert.ok(backgrounds(dropLine).some(([r, , b]) => r > b + 50), `a red cell in ${JSON.stringify(backgrounds(dropLine))}`);
    assert.ok(backgrounds(riseLine).some(([r, , b]) => b > r + 50), `a blue cell in ${JSON.stringify(backgrounds(riseLine))}`);
    colour.unmount();
    // 16 colours: the named red and blue backgrounds (41/101 drop, 44/104 rise).
    const ansi = await mount('16');
    const ansiLine = (key: string) => ansi.raw().split('\n').find((l) => stripVTControlCharacters(l).includes(` ${key} `))!;
    assert.match(ansiLine('drop'), /\u001b\[[0-9;]*\b(41|101)m/);
    assert.match(ansiLine('rise'), /\u001b\[(44|104)m/);
    ansi.unmount();
    const plain = await mount('none');
    const rows = plain.lines();
    assert.doesNotMatch(plain.raw(), /\u001b\[[0-9;]*(38|48);/);
    assert.match(rows.find((l) => / rise /.test(l))!, /│ {8}▲▲▲▲/);
    assert.match(rows.find((l) => / same /.test(l))!, /│ {12} /);
    await plain.pressKeys('down');
    // The cursor left "drop": its first cell (-48, the largest drop) shows the large drop glyph.
    assert.match(plain.lines().find((l) => / drop /.test(l))!, /│▼▼▼▼/);
    plain.unmount();
  });

  it('shows an untrusted key neutralised, filters by key, and q quits', async () => {
    const screen = await mount('truecolor');
    assert.ok(!screen.raw().includes(HOSTILE), 'the raw escape never reaches the frame');
    assert.ok(screen.lines().some((l) => l.includes('evil␛[31m')));
    await screen.press('/', 'r', 'i', KEYS.enter);
    assert.deepEqual(rowKeys(screen.lines()), ['rise']);
    await screen.pressKeys('quit');
    assert.deepEqual(screen.quits, [false]);
    screen.unmount();
  });
});
