// Colour depth from the environment, and the colours and glyphs of the heat scale at each depth.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colorDepth } from '../../src/tui/color-depth.ts';
import { GLYPH_RAMP, HEAT_LEVELS, heatFraction, heatGlyph, heatLevel, heatPalette, levelColour } from '../../src/tui/heat-palette.ts';
import { colourParams, rgbTo256, sgr } from '../../src/tui/term-style.ts';

const tty = (env: Record<string, string>) => colorDepth({ env, isTTY: true });

describe('colorDepth', () => {
  it('honours NO_COLOR whatever else is set, unless it is empty', () => {
    assert.equal(tty({ NO_COLOR: '1', COLORTERM: 'truecolor', FORCE_COLOR: '3' }), 'none');
    assert.equal(tty({ NO_COLOR: '', COLORTERM: 'truecolor' }), 'truecolor');
  });

  it('honours FORCE_COLOR levels, even without a terminal', () => {
    assert.equal(colorDepth({ env: { FORCE_COLOR: '0' }, isTTY: true }), 'none');
    assert.equal(colorDepth({ env: { FORCE_COLOR: '1' }, isTTY: false }), '16');
    assert.equal(colorDepth({ env: { FORCE_COLOR: '2' }, isTTY: false }), '256');
    assert.equal(colorDepth({ env: { FORCE_COLOR: '3' }, isTTY: false }), 'truecolor');
  });

  it('has no colour without a terminal or on a dumb one', () => {
    assert.equal(colorDepth({ env: { COLORTERM: 'truecolor' }, isTTY: false }), 'none');
    assert.equal(tty({ TERM: 'dumb' }), 'none');
  });

  it('finds truecolor, 256 and 16 colours from what the terminal advertises', () => {
    assert.equal(tty({ TERM: 'xterm-256color', COLORTERM: 'truecolor' }), 'truecolor');
    assert.equal(tty({ TERM: 'xterm-256color', COLORTERM: '24bit' }), 'truecolor');
    assert.equal(tty({ TERM: 'xterm-kitty' }), 'truecolor');
    assert.equal(tty({ TERM: 'xterm-256color', TERM_PROGRAM: 'iTerm.app' }), 'truecolor');
    assert.equal(tty({ TERM: 'xterm-direct' }), 'truecolor');
    assert.equal(tty({ TERM: 'tmux-256color' }), '256');
    assert.equal(tty({ TERM: 'screen-256color' }), '256');
    assert.equal(tty({ TERM: 'xterm' }), '16');
    assert.equal(tty({ TERM: 'linux' }), '16');
    assert.equal(tty({}), '16');
  });
});

describe('heat scale', () => {
  it('is logarithmic from 0 to the largest divergence, and clamps', () => {
    assert.equal(heatFraction(0, 100), 0);
    assert.equal(heatFraction(100, 100), 1);
    assert.equal(heatFraction(500, 100), 1);
    assert.equal(heatFraction(5, 0), 0);
    assert.equal(heatFraction(Number.NaN, 10), 0);
    assert.ok(heatFraction(1, 300) > 0.1, 'small divergences stay visible next to large ones');
    assert.equal(heatLevel(0, 10), 0);
    assert.equal(heatLevel(10, 10), HEAT_LEVELS - 1);
    let last = -1;
    for (let v = 0; v <= 300; v += 0.5) {
      const level = heatLevel(v, 300);
      assert.ok(level >= last, `level falls at ${v}`);
      last = level;
    }
  });

  it('runs along viridis, dark purple to yellow', () => {
    assert.deepEqual(levelColour(0).rgb, [68, 1, 84]);
    assert.deepEqual(levelColour(HEAT_LEVELS - 1).rgb, [253, 231, 37]);
    assert.equal(levelColour(0).ansi, 'black');
    assert.equal(levelColour(HEAT_LEVELS - 1).ansi, 'brightYellow');
  });

  it('draws glyphs without colour: blank for nothing, then ░ ▒ ▓ █', () => {
    assert.equal(heatGlyph(0, 10), ' ');
    assert.equal(heatGlyph(0.005, 10), ' ', 'at or under the 0.01 score threshold is nothing');
    assert.equal(heatGlyph(10, 10), '█');
    const steps = [0.02, 0.3, 1, 3, 10].map((v) => GLYPH_RAMP.indexOf(heatGlyph(v, 10) as (typeof GLYPH_RAMP)[number]));
    assert.ok(steps.every((step, i) => step >= 1 && (i === 0 || step >= steps[i - 1]!)), `ramp steps ${steps.join(',')}`);
    assert.ok(new Set(steps).size >= 3, `only ${new Set(steps).size} glyphs for values 0.02..10`);
  });

  it('writes cell backgrounds in the depth’s own form', () => {
    assert.match(heatPalette('truecolor').background[0]!, /^\u001b\[48;2;68;1;84m$/);
    assert.match(heatPalette('256').background[0]!, /^\u001b\[48;5;53m$/);
    assert.equal(heatPalette('16').background[0], '\u001b[40m');
    assert.equal(heatPalette('16').background[HEAT_LEVELS - 1], '\u001b[103m');
    assert.equal(heatPalette('none').background[5], '');
  });
});

describe('terminal styles', () => {
  it('maps RGB to the nearest xterm-256 colour', () => {
    assert.equal(rgbTo256([255, 0, 0]), 196);
    assert.equal(rgbTo256([0, 0, 0]), 16);
    assert.equal(rgbTo256([255, 255, 255]), 231);
    assert.equal(rgbTo256([128, 128, 128]), 244);
    assert.equal(rgbTo256([0, 95, 135]), 24);
  });

  it('keeps attributes but drops colours at depth none', () => {
    const colour = { rgb: [10, 20, 30] as const, ansi: 'cyan' as const };
    assert.equal(sgr({ fg: colour, bold: true, inverse: true }, 'none'), '\u001b[1;7m');
    assert.equal(sgr({ fg: colour }, 'none'), '');
    assert.equal(sgr({ fg: colour }, '16'), '\u001b[36m');
    assert.equal(colourParams(colour, '16', true), '46');
    assert.equal(sgr({ bg: colour }, 'truecolor'), '\u001b[48;2;10;20;30m');
  });
});
