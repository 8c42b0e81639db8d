// The heat scale's legend for the footer: the value range over the colours (or glyphs).
import { displayWidth } from '../src/core/display-width.ts';
import { GLYPH_RAMP } from '../src/screen/heat-palette.ts';
import { SCORE_THRESHOLD } from '../src/engine/divergence.ts';
import { formatDivergence } from '../src/screen/screen-format.ts';
import type { Theme } from '../src/screen/screen-theme.ts';
import { paint } from '../src/screen/term-style.ts';

// Cells under the threshold the AST keeps (0.01) read as background: the legend says so first.
const ZERO_NOTE = `<${SCORE_THRESHOLD}`;

/** The legend: what reads as background, then the value range over the colour (or glyph) scale. */
export function legend(max: number, theme: Theme, swatches = 8): string {
  const low = String(SCORE_THRESHOLD);
  const zero = theme.depth === 'none' ? `${paint(ZERO_NOTE, theme.style.faint)} blank  ` : `${paint('·', theme.style.zero)} ${paint(ZERO_NOTE, theme.style.faint)}  `;
  const high = formatDivergence(max);
  let ramp = '';
  if (theme.depth === 'none') ramp = GLYPH_RAMP.slice(1).join('');
  else {
    for (let i = 0; i < swatches; i++) {
      const level = Math.round((i / (swatches - 1)) * (theme.heat.background.length - 1));
      ramp += paint(' ', theme.heat.background[level]!);
    }
  }
  return `${zero}${low} ${ramp} ${high} ${paint('log', theme.style.faint)}`;
}

export function legendWidth(max: number, theme: Theme, swatches = 8): number {
  const rampWidth = theme.depth === 'none' ? GLYPH_RAMP.length - 1 : swatches;
  const zero = theme.depth === 'none' ? ZERO_NOTE.length + 8 : ZERO_NOTE.length + 4;
  return zero + String(SCORE_THRESHOLD).length + 1 + rampWidth + 1 + displayWidth(formatDivergence(max)) + 4;
}
