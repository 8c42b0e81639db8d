// The heat scale of the matrix: divergence → one of a few dozen colour levels on viridis
// (perceptually even). Divergences are heavy-tailed (most near 0, a few in the hundreds), so the
// scale is logarithmic: log1p(v) / log1p(max). Cells under the score threshold are not on it at
// all (the screen draws them as background); every cell on it must read as present on a black
// terminal, so the scale starts where viridis stands out from black, not at its near-black end.
import { interpolateViridis } from 'd3-scale-chromatic';
import type { ColorDepth } from './color-depth.ts';
import { SCORE_THRESHOLD } from '../engine/divergence.ts';
import { hexToRgb, sgr, type AnsiName, type Colour } from './term-style.ts';

export const HEAT_LEVELS = 32;

/** With NO_COLOR the matrix is drawn in glyphs, light to dark. */
export const GLYPH_RAMP = [' ', '░', '▒', '▓', '█'] as const;

/** The 16-colour fallback, dark to bright, following viridis's hues; no black, which a dark terminal would not show. */
const ANSI_RAMP: readonly AnsiName[] = ['magenta', 'blue', 'cyan', 'green', 'yellow', 'brightYellow'];

/** Where on viridis the lowest level sits: viridis(0.15) stands out from black by a contrast
 *  ratio of 2.06 (WCAG's formula), where its end, #440154, has 1.38 and disappears on a black terminal. */
export const HEAT_FLOOR = 0.15;

/** WCAG contrast ratio of two colours, 1 (none) to 21 (black on white). */
export function contrastRatio(a: readonly [number, number, number], b: readonly [number, number, number]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

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
  return interpolateViridis(HEAT_FLOOR + (1 - HEAT_FLOOR) * heatFraction(value, max));
}

export function heatLevel(value: number, max: number): number {
  return Math.round(heatFraction(value, max) * (HEAT_LEVELS - 1));
}

export function levelColour(level: number): Colour {
  const t = level / (HEAT_LEVELS - 1);
  const ansi = ANSI_RAMP[Math.min(ANSI_RAMP.length - 1, Math.floor(t * ANSI_RAMP.length))]!;
  return { rgb: hexToRgb(interpolateViridis(HEAT_FLOOR + (1 - HEAT_FLOOR) * t)), ansi };
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
