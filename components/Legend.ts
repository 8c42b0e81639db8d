// The heat scale's legend for the footer: the value range over the colours (or glyphs).
import { displayWidth } from '../src/core/display-width.ts';
import { GLYPH_RAMP } from '../src/screen/heat-palette.ts';
import { formatDivergence } from '../src/screen/screen-format.ts';
import type { Theme } from '../src/screen/screen-theme.ts';
import { paint } from '../src/screen/term-style.ts';

/** The legend: the value range over the colour (or glyph) scale. */
export function legend(max: number, theme: Theme, swatches = 8): string {
  const low = formatDivergence(0);
  const high = formatDivergence(max);
  let ramp = '';
  if (theme.depth === 'none') ramp = GLYPH_RAMP.slice(1).join('');
  else {
    for (let i = 0; i < swatches; i++) {
      const level = Math.round((i / (swatches - 1)) * (theme.heat.background.length - 1));
      ramp += paint(' ', theme.heat.background[level]!);
    }
  }
  return `${low} ${ramp} ${high} ${paint('log', theme.style.faint)}`;
}

export function legendWidth(max: number, theme: Theme, swatches = 8): number {
  const rampWidth = theme.depth === 'none' ? GLYPH_RAMP.length - 1 : swatches;
  return displayWidth(formatDivergence(0)) + 1 + rampWidth + 1 + displayWidth(formatDivergence(max)) + 4;
}
