// Comparing runs that measured their server's noise (--noise): a change within A's and B's noise
// limits together is noise, not a change in importance, in the comparison itself, the text and
// JSON outputs and the diff screen; runs without noise compare exactly as before.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { DiffApp } from '../../components/DiffApp.tsx';
import type { FullResult } from '../../src/engine/events.ts';
import { changedWithinNoise, compareRuns, isNoiseChange, type RunDiff } from '../../src/engine/run-diff.ts';
import { DiffJsonSchema, diffJson, diffText } from '../../src/export/diff-output.ts';
import type { RunInput } from '../../src/sessions/run-input.ts';
import { diffDetail } from '../../src/tui/diff-detail.ts';
import { diffRows, maxAbsChange, orderDiffRows } from '../../src/tui/diff-view.ts';
import { LineOverlay } from '../../src/tui/line-overlay.ts';
import { screenTheme } from '../../src/tui/screen-theme.ts';
import { settle } from '../support/screen-harness.tsx';

function result(keys: string[], matrix: number[][], noise?: number[]): FullResult {
  return {
    mode: 'full',
    model: 'm',
    memories: keys.map((key, i) => ({ key, max: Math.max(0, ...matrix[i]!), failed: false })),
    responses: matrix[0]!.map((_, j) => ({ entry: 2 * j + 1, baseline: -10 - j, ...(noise ? { noise: noise[j]! } : {}) })),
    matrix,
    calls: keys.length + 1,
  };
}

const KEYS = ['real', 'jitter', 'still'];
// Floors 0.05 and 0.02 in A, 0.03 and 0.04 in B: bands 3 × (0.05 + 0.03) = 0.24 and 3 × (0.02 + 0.04) = 0.18.
const A = result(KEYS, [[4, 0.1], [0.2, 0.15], [0, 0]], [0.05, 0.02]);
const B = result(KEYS, [[1, 0.1], [0.05, 0.3], [0, 0]], [0.03, 0.04]);
const side = (r: FullResult) => ({ result: r });

function input(path: string, r: FullResult): RunInput {
  return { path, kind: 'result', model: r.model, result: r };
}

describe('diff with noise floors', () => {
  it('bands are both runs\' noise limits added; a change within its band is noise, past it a change', () => {
    const diff = compareRuns(side(A), side(B));
    assert.deepEqual(diff.noise.map((b) => +b.toFixed(6)), [0.24, 0.18]);
    assert.equal(isNoiseChange(-3, diff.noise[0]!), false);
    assert.equal(isNoiseChange(-0.15, diff.noise[0]!), true);
    assert.equal(isNoiseChange(0.15, diff.noise[1]!), true);
    assert.equal(isNoiseChange(0.19, diff.noise[1]!), false);
    // real: −3 (a change); jitter: −0.15 and +0.15, both within; still: nothing moved at all.
    assert.deepEqual(KEYS.map((_, i) => changedWithinNoise(diff, i)), [false, true, false]);
  });

  it('without noise floors nothing is noise and the comparison is as before', () => {
    const diff = compareRuns(side(result(KEYS, A.matrix)), side(result(KEYS, B.matrix)));
    assert.deepEqual(diff.noise, [0, 0]);
    assert.deepEqual(KEYS.map((_, i) => changedWithinNoise(diff, i)), [false, false, false]);
    const json = diffJson(input('a.json', result(KEYS, A.matrix)), input('b.json', result(KEYS, B.matrix)), diff);
    assert.ok(json.responses.every((r) => !('noise' in r)));
    assert.ok(json.memories.every((m) => !('within_noise' in m)));
    assert.equal(maxAbsChange(diff), 3);
  });

  it('--json says each response\'s band and marks the memory that changed only within it', () => {
    const diff = compareRuns(side(A), side(B));
    const json = DiffJsonSchema.parse(diffJson(input('a.json', A), input('b.json', B), diff));
    assert.deepEqual(json.responses.map((r) => +r.noise!.toFixed(6)), [0.24, 0.18]);
    assert.deepEqual(json.memories.map((m) => m.within_noise ?? false), [false, true, false]);
    // The matrix stays the measured B − A: the band says how to read it.
    assert.equal(json.matrix[1]![1]!.toFixed(2), '0.15');
  });

  it('the text lists real changes first and marks a change within the noise with ~', () => {
    const diff = compareRuns(side(A), side(B));
    const lines = diffText(input('a.json', A), input('b.json', B), diff).split('\n');
    assert.ok(lines.some((l) => l.startsWith('noise: ') && l.includes('0.240')), lines.join('\n'));
    const rows = lines.filter((l) => /^\s+\d/.test(l));
    assert.match(rows[0]!, /-3\.000\s+real$/);
    // "still" (no change, 0) and "jitter" (−0.05 in its max, all within the noise): jitter last, marked.
    assert.match(rows.at(-1)!, /~[-+]?0\.\d+\s+jitter$/);
  });

  it('the diff screen draws noise cells as ~, says so in the legend and the detail pane, and sorts them after real changes', async () => {
    const diff: RunDiff = compareRuns(side(A), side(B));
    const rows = diffRows(diff);
    // A memory that changed only within the noise goes after every measured change, 0 included.
    assert.deepEqual(orderDiffRows(rows, 'change', '').map((i) => rows[i]!.key), ['real', 'still', 'jitter']);
    // The scale's top is the largest real change, not a noise cell.
    assert.equal(maxAbsChange(diff), 3);
    const overlay = new LineOverlay();
    const runA = { path: 'a.jsonl', model: 'm', result: A, texts: { response: () => undefined, memory: () => undefined } };
    const runB = { ...runA, path: 'b.jsonl', result: B };
    const instance = render(<DiffApp a={runA} b={runB} diff={diff} depth="truecolor" background="dark" size={{ columns: 100, rows: 20 }} overlay={overlay} onQuit={() => undefined} />);
    await settle();
    const frame = stripVTControlCharacters(overlay.compose(instance.lastFrame() ?? ''));
    instance.unmount();
    const jitterRow = frame.split('\n').find((l) => l.includes('jitter'))!;
    assert.match(jitterRow, /~\+?-?0\.\d+\s+│~\s*~/, frame);
    assert.match(frame, /~ noise/);
    const detail = diffDetail({ a: runA, b: runB, diff, row: rows[1], column: 1, scroll: 0, width: 100, height: 10, theme: screenTheme('none') });
    assert.match(stripVTControlCharacters(detail.lines.join('\n')), /within the noise \(±0\.18\d*\): no change/);
    const real = diffDetail({ a: runA, b: runB, diff, row: rows[0], column: 0, scroll: 0, width: 100, height: 10, theme: screenTheme('none') });
    assert.match(stripVTControlCharacters(real.lines.join('\n')), /noise ±0\.24/);
  });
});
