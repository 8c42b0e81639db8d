// The diverging scale of a difference matrix (B − A): drops red, rises blue (RdBu's hues, from
// d3-scale-chromatic), symmetric around 0 and logarithmic like the heat scale (changes are as
// heavy-tailed as divergences): sign(v)·log1p(|v|) / log1p(max |v|). A change too small to score
// (≤ 0.01, the scores' own threshold) is no colour at all, so "nothing changed" reads as blank.
// The size of a change is how far its cell stands out from the terminal's background: RdBu itself
// is white at its middle, which on a dark terminal made the smallest changes the brightest cells.
// So each side runs from the background towards its hue, mixed in linear light: to a bright red or
// blue on a dark terminal, to RdBu's deep ends on a light one.
import { interpolateRdBu } from 'd3-scale-chromatic';
import type { ColorDepth, TerminalBackground } from './color-depth.ts';
import { SCORE_THRESHOLD } from '../engine/divergence.ts';
import { luminance } from './heat-palette.ts';
import { hexToRgb, sgr, type AnsiName, type Colour } from './term-style.ts';

/** Steps on each side of 0; a level runs from −DIFF_STEPS (largest drop) to +DIFF_STEPS. */
export const DIFF_STEPS = 12;

/** With NO_COLOR: drops and rises in glyphs that say their sign, small then large. */
export const DROP_GLYPHS = ['-', '▼'] as const;
export const RISE_GLYPHS = ['+', '▲'] as const;

/** Signed position on the scale, −1..1; 0 for a change too small to count. */
export function diffFraction(value: number, maxAbs: number): number {
  if (!(Math.abs(value) > SCORE_THRESHOLD) || !(maxAbs > 0)) return 0;
  return Math.sign(value) * Math.min(1, Math.log1p(Math.abs(value)) / Math.log1p(maxAbs));
}

/** The level of a change, −DIFF_STEPS..DIFF_STEPS; a real change is never level 0. */
export function diffLevel(value: number, maxAbs: number): number {
  const f = diffFraction(value, maxAbs);
  if (f === 0) return 0;
  return Math.sign(f) * Math.max(1, Math.round(Math.abs(f) * DIFF_STEPS));
}

type Rgb = readonly [number, number, number];

/** Where each side ends on RdBu: mid-strong hues that shine on black, the deep ends on white. */
const SIDE_ENDS: Readonly<Record<TerminalBackground, { readonly background: Rgb; readonly drop: number; readonly rise: number }>> = {
  dark: { background: [0, 0, 0], drop: 0.2, rise: 0.8 },
  light: { background: [255, 255, 255], drop: 0, rise: 1 },
};

/** How far the smallest level is mixed towards its side's end: present, but the faintest. */
const LEAST_MIX = 0.3;

const toLinear = (c: number) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const toByte = (l: number) => Math.round(255 * (l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055));

/** The scale's colour at a level: red for drops, blue for rises, further from the background the larger. */
export function diffColour(level: number, background: TerminalBackground = 'dark'): Colour {
  const side = SIDE_ENDS[background];
  const end = hexToRgb(colourHex(interpolateRdBu(level < 0 ? side.drop : side.rise)));
  const mix = level === 0 ? 0 : LEAST_MIX + ((1 - LEAST_MIX) * (Math.abs(level) - 1)) / (DIFF_STEPS - 1);
  const rgb = side.background.map((b, i) => toByte(toLinear(b) + mix * (toLinear(end[i]!) - toLinear(b)))) as unknown as Rgb;
  // 16 colours: the bright variants stand out on a dark terminal, the plain ones on a light one.
  const strong = Math.abs(level) > DIFF_STEPS / 2;
  const bright = strong === (background === 'dark');
  const ansi: AnsiName = level < 0 ? (bright ? 'brightRed' : 'red') : bright ? 'brightBlue' : 'blue';
  return { rgb: [rgb[0], rgb[1], rgb[2]], ansi };
}

/** d3 answers "rgb(r, g, b)" for interpolated colours; the terminal code wants "#rrggbb". */
function colourHex(css: string): string {
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(css);
  return m ? `#${[m[1], m[2], m[3]].map((v) => Number(v).toString(16).padStart(2, '0')).join('')}` : css;
}

/** A cell's glyph without colour: blank for no change, the sign's glyph, larger past half the scale. */
export function diffGlyph(value: number, maxAbs: number): string {
  const f = diffFraction(value, maxAbs);
  if (f === 0) return ' ';
  const glyphs = f < 0 ? DROP_GLYPHS : RISE_GLYPHS;
  return glyphs[Math.abs(f) >= 0.5 ? 1 : 0];
}

export interface DiffPalette {
  readonly depth: ColorDepth;
  /** SGR opening a cell's background, by level + DIFF_STEPS ('' for level 0 and at depth none). */
  readonly background: readonly string[];
  /** SGR for the cursor's mark over a level's background. */
  readonly mark: readonly string[];
  /** SGR for a number that dropped or rose: mid-scale red and blue, readable on dark and light backgrounds. */
  readonly drop: string;
  readonly rise: string;
}

const palettes = new Map<string, DiffPalette>();

export function diffPalette(depth: ColorDepth, background: TerminalBackground = 'dark'): DiffPalette {
  let palette = palettes.get(`${depth}/${background}`);
  if (palette === undefined) {
    const levels = Array.from({ length: 2 * DIFF_STEPS + 1 }, (_, i) => i - DIFF_STEPS);
    const black: Colour = { rgb: [0, 0, 0], ansi: 'black' };
    const white: Colour = { rgb: [255, 255, 255], ansi: 'brightWhite' };
    palette = {
      depth,
      background: levels.map((level) => (level === 0 ? '' : sgr({ bg: diffColour(level, background) }, depth))),
      mark: levels.map((level) => {
        if (level === 0) return sgr({ inverse: true }, depth);
        const bg = diffColour(level, background);
        return sgr({ bg, fg: luminance(bg.rgb) > 0.3 ? black : white, bold: true }, depth);
      }),
      drop: sgr({ fg: { rgb: hexToRgb(colourHex(interpolateRdBu(0.2))), ansi: 'brightRed' } }, depth),
      rise: sgr({ fg: { rgb: hexToRgb(colourHex(interpolateRdBu(0.8))), ansi: 'brightBlue' } }, depth),
    };
    palettes.set(`${depth}/${background}`, palette);
  }
  return palette;
}
