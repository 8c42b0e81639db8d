// The heat scale of the matrix: divergence → one of a few dozen colour levels on viridis
// (perceptually even, and its dark end is not the terminal's black, so a zero cell still
// reads as a cell). Divergences are heavy-tailed (most near 0, a few in the hundreds), so the
// scale is logarithmic: log1p(v) / log1p(max).
import { interpolateViridis } from 'd3-scale-chromatic';
import type { ColorDepth } from './color-depth.ts';
import { SCORE_THRESHOLD } from '../engine/divergence.ts';
import { hexToRgb, sgr, type AnsiName, type Colour } from './term-style.ts';

export const HEAT_LEVELS = 32;

/** With NO_COLOR the matrix is drawn in glyphs, light to dark. */
export const GLYPH_RAMP = [' ', '░', '▒', '▓', '█'] as const;

/** The 16-colour fallback, dark to bright, following viridis's hues (its purple end has no ANSI match that is not loud). */
const ANSI_RAMP: readonly AnsiName[] = ['black', 'blue', 'cyan', 'green', 'yellow', 'brightYellow'];

/** Position of a value on the scale, 0..1. */
export function heatFraction(value: number, max: number): number {
  if (!(value > 0) || !(max > 0)) return 0;
  return Math.min(1, Math.log1p(value) / Math.log1p(max));
}

/** The value at a position of the scale: heatFraction's inverse. */
export function heatValueAt(fraction: number, max: number): number {
  return max > 0 ? Math.expm1(fraction * Math.log1p(max)) : 0;
}

/** The colour of a value on the continuous scale (levelColour is the same scale in steps). */
export function heatHex(value: number, max: number): string {
  return interpolateViridis(heatFraction(value, max));
}

export function heatLevel(value: number, max: number): number {
  return Math.round(heatFraction(value, max) * (HEAT_LEVELS - 1));
}

export function levelColour(level: number): Colour {
  const t = level / (HEAT_LEVELS - 1);
  const ansi = ANSI_RAMP[Math.min(ANSI_RAMP.length - 1, Math.floor(t * ANSI_RAMP.length))]!;
  return { rgb: hexToRgb(interpolateViridis(t)), ansi };
}

/** The glyph of a value when there is no colour: a blank for nothing, then four steps. */
export function heatGlyph(value: number, max: number): string {
  if (!(value > SCORE_THRESHOLD)) return GLYPH_RAMP[0];
  const steps = GLYPH_RAMP.length - 1;
  return GLYPH_RAMP[1 + Math.min(steps - 1, Math.floor(heatFraction(value, max) * steps))]!;
}

/** Relative luminance (sRGB, 0..1), to pick black or white text over a heat colour. */
export function luminance([r, g, b]: readonly [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export interface HeatPalette {
  readonly depth: ColorDepth;
  /** SGR opening a cell's background per level ('' at depth none). */
  readonly background: readonly string[];
  /** SGR for text in a level's colour (bars, legend). */
  readonly foreground: readonly string[];
  /** SGR for the cursor's mark drawn over a level's background. */
  readonly mark: readonly string[];
}

const palettes = new Map<ColorDepth, HeatPalette>();

export function heatPalette(depth: ColorDepth): HeatPalette {
  let palette = palettes.get(depth);
  if (palette === undefined) {
    const levels = Array.from({ length: HEAT_LEVELS }, (_, i) => levelColour(i));
    const black: Colour = { rgb: [0, 0, 0], ansi: 'black' };
    const white: Colour = { rgb: [255, 255, 255], ansi: 'brightWhite' };
    palette = {
      depth,
      background: levels.map((bg) => sgr({ bg }, depth)),
      foreground: levels.map((fg) => sgr({ fg }, depth)),
      mark: levels.map((bg) => sgr({ bg, fg: luminance(bg.rgb) > 0.3 || bg.ansi.startsWith('bright') || bg.ansi === 'yellow' ? black : white, bold: true }, depth)),
    };
    palettes.set(depth, palette);
  }
  return palette;
}
