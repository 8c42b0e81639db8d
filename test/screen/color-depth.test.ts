// Colour depth from the environment, and the colours and glyphs of the heat scale at each depth.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colorDepth, terminalBackground } from '../../src/tui/color-depth.ts';
import { DIFF_STEPS, diffColour, diffPalette } from '../../src/tui/diff-palette.ts';
import { GLYPH_RAMP, HEAT_LEVELS, contrastRatio, heatFraction, heatGlyph, heatLevel, heatPalette, levelColour } from '../../src/tui/heat-palette.ts';
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

  it('runs along viridis to its yellow end, every level standing out from a black terminal', () => {
    assert.deepEqual(levelColour(HEAT_LEVELS - 1).rgb, [253, 231, 37]);
    assert.equal(levelColour(HEAT_LEVELS - 1).ansi, 'brightYellow');
    // viridis's own end, #440154, has a contrast of 1.38 on black: the lowest level must not be it.
    assert.ok(contrastRatio([68, 1, 84], [0, 0, 0]) < 1.4);
    for (let level = 0; level < HEAT_LEVELS; level++) {
      const colour = levelColour(level);
      assert.ok(contrastRatio(colour.rgb, [0, 0, 0]) >= 2, `level ${level} ${colour.rgb.join(',')} on black`);
      assert.notEqual(colour.ansi, 'black', `level ${level} in 16 colours`);
    }
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
    assert.match(heatPalette('truecolor').background[0]!, /^\u001b\[48;2;70;52;128m$/);
    assert.match(heatPalette('256').background[0]!, /^\u001b\[48;5;\d+m$/);
    assert.equal(heatPalette('16').background[0], '\u001b[45m');
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

describe('terminalBackground', () => {
  it('takes MEMSCOPE_BACKGROUND, then COLORFGBG, else dark', () => {
    assert.equal(terminalBackground({}), 'dark');
    assert.equal(terminalBackground({ MEMSCOPE_BACKGROUND: 'light', COLORFGBG: '15;0' }), 'light');
    assert.equal(terminalBackground({ COLORFGBG: '0;15' }), 'light');
    assert.equal(terminalBackground({ COLORFGBG: '15;default;0' }), 'dark');
    assert.equal(terminalBackground({ COLORFGBG: '0;7' }), 'light');
    assert.equal(terminalBackground({ COLORFGBG: '7;8' }), 'dark');
    assert.equal(terminalBackground({ COLORFGBG: 'nonsense', MEMSCOPE_BACKGROUND: 'purple' }), 'dark');
  });
});

describe('the diff scale', () => {
  const levels = Array.from({ length: DIFF_STEPS }, (_, i) => i + 1);
  for (const [background, ground] of [['dark', [0, 0, 0]], ['light', [255, 255, 255]]] as const) {
    it(`on a ${background} terminal, a larger change stands further out from the background, on both sides`, () => {
      for (const sign of [-1, 1]) {
        const contrasts = levels.map((level) => contrastRatio(diffColour(sign * level, background).rgb, ground));
        contrasts.forEach((c, i) => assert.ok(i === 0 || c > contrasts[i - 1]!, `${background}, side ${sign}: ${contrasts.map((x) => x.toFixed(2)).join(' ')}`));
        assert.ok(contrasts[0]! > 1.05, `the smallest change is still visible (${contrasts[0]!.toFixed(2)})`);
      }
    });
    it(`on a ${background} terminal, the sign is in the hue: drops red, rises blue`, () => {
      for (const level of levels) {
        const [dr, , db] = diffColour(-level, background).rgb;
        const [rr, , rb] = diffColour(level, background).rgb;
        assert.ok(dr > db, `drop ${level}`);
        assert.ok(rb > rr, `rise ${level}`);
      }
    });
  }

  it('in 16 colours, the bright variants mark large changes on a dark terminal and small ones on a light one', () => {
    assert.equal(diffColour(-DIFF_STEPS, 'dark').ansi, 'brightRed');
    assert.equal(diffColour(1, 'dark').ansi, 'blue');
    assert.equal(diffColour(-DIFF_STEPS, 'light').ansi, 'red');
    assert.equal(diffColour(1, 'light').ansi, 'brightBlue');
    assert.notEqual(diffPalette('truecolor', 'dark').background[0], diffPalette('truecolor', 'light').background[0]);
  });
});
