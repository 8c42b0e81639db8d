// SGR styling for the screen at a given colour depth. Ink's own colour props go through chalk,
// which ignores NO_COLOR and drops bold and inverse with colour; the screen styles its text
// here instead, so NO_COLOR keeps the cursor's inverse video and the bold titles.
import type { ColorDepth } from './color-depth.ts';
import { cutToWidth, displayWidth } from '../core/display-width.ts';

export const ESC = '\u001b[';
export const RESET = `${ESC}0m`;

export type Rgb = readonly [number, number, number];

/** "#rrggbb" → [r, g, b]. */
export function hexToRgb(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const CUBE = [0, 95, 135, 175, 215, 255];

function nearestCube(v: number): number {
  let best = 0;
  for (let i = 1; i < CUBE.length; i++) if (Math.abs(CUBE[i]! - v) < Math.abs(CUBE[best]! - v)) best = i;
  return best;
}

/** The nearest of the xterm 256-colour palette's cube (16–231) and grey ramp (232–255). */
export function rgbTo256([r, g, b]: Rgb): number {
  const [ri, gi, bi] = [nearestCube(r), nearestCube(g), nearestCube(b)];
  const cube = 16 + 36 * ri + 6 * gi + bi;
  const cubeDist = (CUBE[ri]! - r) ** 2 + (CUBE[gi]! - g) ** 2 + (CUBE[bi]! - b) ** 2;
  const avg = (r + g + b) / 3;
  const grey = Math.max(0, Math.min(23, Math.round((avg - 8) / 10)));
  const level = 8 + grey * 10;
  const greyDist = (level - r) ** 2 + (level - g) ** 2 + (level - b) ** 2;
  return greyDist < cubeDist ? 232 + grey : cube;
}

/** The 16 ANSI colours by name: foreground codes (background is +10). */
export const ANSI16 = {
  black: 30,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  white: 37,
  gray: 90,
  brightRed: 91,
  brightGreen: 92,
  brightYellow: 93,
  brightBlue: 94,
  brightMagenta: 95,
  brightCyan: 96,
  brightWhite: 97,
} as const;
export type AnsiName = keyof typeof ANSI16;

/** A colour as wanted: exact RGB for deep terminals, and the named ANSI colour it falls back to. */
export interface Colour {
  readonly rgb: Rgb;
  readonly ansi: AnsiName;
}

/** The SGR parameters that set a colour at a depth; '' when the depth has no colour. */
export function colourParams(colour: Colour, depth: ColorDepth, background = false): string {
  switch (depth) {
    case 'truecolor':
      return `${background ? 48 : 38};2;${colour.rgb.join(';')}`;
    case '256':
      return `${background ? 48 : 38};5;${rgbTo256(colour.rgb)}`;
    case '16':
      return String(ANSI16[colour.ansi] + (background ? 10 : 0));
    case 'none':
      return '';
  }
}

export interface StyleSpec {
  readonly fg?: Colour;
  readonly bg?: Colour;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly inverse?: boolean;
  readonly underline?: boolean;
}

/** The opening SGR sequence of a style ('' for none). */
export function sgr(spec: StyleSpec, depth: ColorDepth): string {
  const params: string[] = [];
  if (spec.bold) params.push('1');
  if (spec.dim) params.push('2');
  if (spec.underline) params.push('4');
  if (spec.inverse) params.push('7');
  if (spec.fg) params.push(colourParams(spec.fg, depth));
  if (spec.bg) params.push(colourParams(spec.bg, depth, true));
  const list = params.filter(Boolean);
  return list.length > 0 ? `${ESC}${list.join(';')}m` : '';
}

/** Wraps text in a style; plain when the style is empty. */
export function paint(text: string, open: string): string {
  return open === '' || text === '' ? text : `${open}${text}${RESET}`;
}

/** A run of text in one style. */
export type Segment = readonly [text: string, style: string];

/** Styled segments cut (with '…') or padded to exactly `width` columns. */
export function paintFit(segments: readonly Segment[], width: number): string {
  let out = '';
  let used = 0;
  for (let i = 0; i < segments.length; i++) {
    const [text, style] = segments[i]!;
    const w = displayWidth(text);
    if (used + w > width) {
      out += paint(cutToWidth(text, Math.max(0, width - used - 1)) + '…', style);
      used = width;
      break;
    }
    out += paint(text, style);
    used += w;
  }
  return out + ' '.repeat(Math.max(0, width - used));
}
