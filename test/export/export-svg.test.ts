import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interpolateViridis } from 'd3-scale-chromatic';
import type { FullResult } from '../../src/engine/events.ts';
import { SVG_MAX_WIDTH, resultSvg } from '../../src/export/export-svg.ts';
import { SCORE_THRESHOLD } from '../../src/engine/divergence.ts';
import { HEAT_FLOOR, HEAT_LEVELS, heatFraction, heatLevel, heatValueAt, levelColour } from '../../src/tui/heat-palette.ts';
import { hexToRgb } from '../../src/tui/term-style.ts';

const max = 300;
// A value halfway up a log scale is far below half the maximum.
const middle = Math.expm1(0.5 * Math.log1p(max));
const result: FullResult = {
  mode: 'full',
  model: 'm',
  memories: [
    { key: 'a', max, failed: false },
    { key: 'b', max: middle, failed: false },
  ],
  responses: [0, 1, 2].map((entry) => ({ entry, baseline: -10 })),
  matrix: [
    [max, 0, 1],
    [middle, 0, 0],
  ],
  calls: 3,
};

function cellFills(svg: string): string[] {
  return [...svg.matchAll(/<rect x="\d+" y="\d+" width="\d+" height="\d+" fill="(#[0-9a-f]{6})"><title>/g)].map((m) => m[1]!);
}

test('SVG cells use the screen\'s scale: viridis, logarithmic', () => {
  const fills = cellFills(resultSvg(result));
  assert.equal(fills.length, 6);
  assert.equal(fills[0], interpolateViridis(1), 'the maximum at the top of the scale');
  assert.equal(fills[1], '#ffffff', 'zero is the background, as on the screen');
  assert.equal(fills[2], interpolateViridis(HEAT_FLOOR + (1 - HEAT_FLOOR) * heatFraction(1, max)), '1 on the scale');
  assert.equal(fills[3], interpolateViridis(HEAT_FLOOR + (1 - HEAT_FLOOR) * 0.5), `${middle.toFixed(2)} halfway, as log1p puts it`);
  // The screen's stepped colour for each cell is the SVG's, to within one step of the scale.
  result.matrix.flat().forEach((v, k) => {
    if (v <= SCORE_THRESHOLD) return;
    const level = levelColour(heatLevel(v, max)).rgb;
    const svg = hexToRgb(fills[k]!);
    const step = 256 / (HEAT_LEVELS - 1);
    svg.forEach((c, i) => assert.ok(Math.abs(c - level[i]!) <= step, `cell ${k}: ${svg.join(',')} vs screen ${level.join(',')}`));
  });
});

test('the SVG legend labels its ticks with the divergences at those places on the log scale', () => {
  const svg = resultSvg(result);
  const legendY = Number(/<rect x="\d+" y="(\d+)"[^>]*fill="url\(#heat\)"/.exec(svg)![1]);
  const ticks = [...svg.matchAll(new RegExp(`<text x="[\\d.]+" y="${legendY + 24}" text-anchor="(?:start|middle|end)">([\\d.]+)</text>`, 'g'))].map((m) => Number(m[1]));
  // From the threshold (the screen's legend starts there too) to the maximum, even in scale position.
  const low = heatFraction(SCORE_THRESHOLD, max);
  const at = (f: number) => heatValueAt(low + (1 - low) * f, max);
  assert.deepEqual(ticks, [SCORE_THRESHOLD, at(0.25), at(0.5), at(0.75), max].map((v) => Number(Number.isInteger(v) ? v : v.toFixed(2))));
  assert.equal(ticks[0], 0.01);
  assert.match(svg, /log scale/);
});

test('SVG: cells below 0.01 are the background, whatever the scale; the legend says what the background means', () => {
  const small: FullResult = { ...result, matrix: [[max, 0.009, 0.011], [middle, SCORE_THRESHOLD, 0]] };
  const svg = resultSvg(small);
  const fills = cellFills(svg);
  assert.deepEqual([fills[1], fills[4], fills[5]], ['#ffffff', '#ffffff', '#ffffff']);
  assert.notEqual(fills[2], '#ffffff', '0.011 is on the scale');
  assert.match(svg, /<text [^>]*>&lt; 0\.01<\/text>/);
});

test('SVG: axis titles name the rows (memories by key) and the columns (responses by entry)', () => {
  const svg = resultSvg(result);
  assert.match(svg, />response \(conversation entry\) →<\/text>/);
  assert.match(svg, />memory \(key\) ↓<\/text>/);
});

test(`SVG: drawn at most ${SVG_MAX_WIDTH} px wide; a wider matrix is scaled down, every cell inside its viewBox`, () => {
  for (const cols of [3, 40, 200, 1000]) {
    const wide: FullResult = {
      ...result,
      responses: Array.from({ length: cols }, (_, entry) => ({ entry, baseline: -1 })),
      matrix: result.memories.map(() => Array.from({ length: cols }, (_, j) => (j % 7) / 2)),
    };
    const svg = resultSvg(wide);
    const size = /<svg [^>]*width="(\d+)" height="\d+" viewBox="0 0 (\d+) \d+"/.exec(svg)!;
    const shown = Number(size[1]);
    const viewW = Number(size[2]);
    assert.ok(shown <= SVG_MAX_WIDTH, `${cols} columns: ${shown} px wide`);
    const rights = [...svg.matchAll(/<rect x="(\d+)" y="\d+" width="(\d+)" height="\d+" fill="#[0-9a-f]{6}"><title>/g)].map((m) => Number(m[1]) + Number(m[2]));
    assert.equal(rights.length, 2 * cols);
    assert.ok(Math.max(...rights) <= viewW, `${cols} columns: a cell ends at ${Math.max(...rights)}, the drawing at ${viewW}`);
    // Up to what fits, not scaled: the drawing is its own size.
    if (cols <= 40) assert.equal(shown, viewW);
  }
});

test('with a noise floor, a cell within it is drawn as noise (grey, said in its title and the legend), off the scale', () => {
  // Response 2's floor 0.5: its cell of 1 is within 3 × 0.5; response 0's floor 1 leaves 300 and 17.4 above it.
  const noisy: FullResult = { ...result, responses: result.responses.map((r, j) => ({ ...r, noise: [1, 0, 0.5][j]! })) };
  const svg = resultSvg(noisy);
  const fills = cellFills(svg);
  assert.equal(fills[2], '#e4e4e4');
  assert.equal(fills[0], interpolateViridis(1));
  assert.match(svg, /a × entry 2: 1 \(within the noise, ≤ 1\.50\)/);
  assert.match(svg, />noise<\/text>/);
  // Without floors nothing is noise and the legend has no noise swatch.
  assert.doesNotMatch(resultSvg(result), />noise<\/text>/);
});
