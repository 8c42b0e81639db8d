// The heat scale's legend for the footer: the value range over the colours (or glyphs).
import { displayWidth } from '../core/display-width.ts';
import { GLYPH_RAMP } from './heat-palette.ts';
import { SCORE_THRESHOLD } from '../engine/divergence.ts';
import { formatDivergence } from './screen-format.ts';
import type { Theme } from './screen-theme.ts';
import { paint } from './term-style.ts';

// Cells under the threshold the AST keeps (0.01) read as background: the legend says so first.
const ZERO_NOTE = `<${SCORE_THRESHOLD}`;

/** How a cell within the run's noise floor is drawn (--noise): faint, on the background. */
export const NOISE_GLYPH = '~';

/** The legend's note on noise cells, and its width; empty without a noise floor. */
export function noiseNote(theme: Theme, noise: boolean): [text: string, width: number] {
  return noise ? [`${paint(NOISE_GLYPH, theme.style.zero)} ${paint('noise', theme.style.faint)}  `, NOISE_GLYPH.length + 8] : ['', 0];
}

/** The legend: what reads as background (and, with a noise floor, what is noise), then the value range over the colour (or glyph) scale; and its width. */
export function heatLegend(max: number, theme: Theme, swatches = 8, noise = false): { text: string; width: number } {
  const plain = theme.depth === 'none';
  const low = String(SCORE_THRESHOLD);
  const zero: [text: string, width: number] = plain ? [`${paint(ZERO_NOTE, theme.style.faint)} blank  `, ZERO_NOTE.length + 8] : [`${paint('·', theme.style.zero)} ${paint(ZERO_NOTE, theme.style.faint)}  `, ZERO_NOTE.length + 4];
  const [noiseText, noiseWidth] = noiseNote(theme, noise);
  zero[0] += noiseText;
  zero[1] += noiseWidth;
  const high = formatDivergence(max);
  let ramp = '';
  if (plain) ramp = GLYPH_RAMP.slice(1).join('');
  else {
    for (let i = 0; i < swatches; i++) {
      const level = Math.round((i / (swatches - 1)) * (theme.heat.background.length - 1));
      ramp += paint(' ', theme.heat.background[level]!);
    }
  }
  const rampWidth = plain ? GLYPH_RAMP.length - 1 : swatches;
  return { text: `${zero[0]}${low} ${ramp} ${high} ${paint('log', theme.style.faint)}`, width: zero[1] + low.length + 1 + rampWidth + 1 + displayWidth(high) + 4 };
}
