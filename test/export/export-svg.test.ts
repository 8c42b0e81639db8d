import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interpolateViridis } from 'd3-scale-chromatic';
import type { FullResult } from '../../src/engine/events.ts';
import { resultSvg } from '../../src/export/export-svg.ts';
import { HEAT_FLOOR, HEAT_LEVELS, heatLevel, levelColour } from '../../src/tui/heat-palette.ts';
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
  return [...svg.matchAll(/<rect x="\d+" y="\d+" width="\d+" height="\d+" fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]!);
}

test('SVG cells use the screen\'s scale: viridis, logarithmic', () => {
  const fills = cellFills(resultSvg(result));
  assert.equal(fills.length, 6);
  assert.equal(fills[0], interpolateViridis(1), 'the maximum at the top of the scale');
  assert.equal(fills[1], interpolateViridis(HEAT_FLOOR), 'zero at the bottom');
  assert.equal(fills[3], interpolateViridis(HEAT_FLOOR + (1 - HEAT_FLOOR) * 0.5), `${middle.toFixed(2)} halfway, as log1p puts it`);
  // The screen's stepped colour for each cell is the SVG's, to within one step of the scale.
  result.matrix.flat().forEach((v, k) => {
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
  assert.deepEqual(ticks, [0, Math.expm1(0.25 * Math.log1p(max)), middle, Math.expm1(0.75 * Math.log1p(max)), max].map((v) => Number(Number.isInteger(v) ? v : v.toFixed(2))));
  assert.match(svg, /log scale/);
});
