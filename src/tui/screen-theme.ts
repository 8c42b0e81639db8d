// The screen's styles by role, at one colour depth. With NO_COLOR only attributes remain
// (bold, dim, inverse), so the cursor and titles still stand out.
import type { ColorDepth } from './color-depth.ts';
import { heatPalette, type HeatPalette } from './heat-palette.ts';
import { sgr, type Colour } from './term-style.ts';

const CYAN: Colour = { rgb: [102, 204, 221], ansi: 'cyan' };
const GREEN: Colour = { rgb: [135, 200, 120], ansi: 'green' };
const RED: Colour = { rgb: [240, 98, 98], ansi: 'brightRed' };
const YELLOW: Colour = { rgb: [229, 192, 123], ansi: 'yellow' };
const GREY: Colour = { rgb: [128, 128, 128], ansi: 'gray' };
const BAR_BG: Colour = { rgb: [38, 52, 84], ansi: 'blue' };
// Cells under the score threshold: a dot just above the background.
const DOT: Colour = { rgb: [72, 72, 72], ansi: 'gray' };
const WHITE: Colour = { rgb: [235, 235, 235], ansi: 'brightWhite' };

export type Role =
  | 'bar'
  | 'barTitle'
  | 'barDim'
  | 'title'
  | 'dim'
  | 'accent'
  | 'good'
  | 'bad'
  | 'badStrong'
  | 'warn'
  | 'cursor'
  | 'key'
  | 'faint'
  | 'zero';

export interface Theme {
  readonly depth: ColorDepth;
  readonly heat: HeatPalette;
  readonly style: Readonly<Record<Role, string>>;
}

const themes = new Map<ColorDepth, Theme>();

export function screenTheme(depth: ColorDepth): Theme {
  let theme = themes.get(depth);
  if (theme === undefined) {
    const plain = depth === 'none';
    const s = (spec: Parameters<typeof sgr>[0]) => sgr(spec, depth);
    theme = {
      depth,
      heat: heatPalette(depth),
      style: {
        bar: plain ? s({ inverse: true }) : s({ bg: BAR_BG, fg: WHITE }),
        barTitle: plain ? s({ inverse: true, bold: true }) : s({ bg: BAR_BG, fg: CYAN, bold: true }),
        barDim: plain ? s({ inverse: true }) : s({ bg: BAR_BG, fg: GREY }),
        title: s({ bold: true }),
        dim: s({ dim: true }),
        faint: plain ? s({ dim: true }) : s({ fg: GREY }),
        accent: s({ fg: CYAN }),
        good: s({ fg: GREEN }),
        bad: s({ fg: RED }),
        badStrong: s({ fg: RED, bold: true }),
        warn: s({ fg: YELLOW }),
        cursor: s({ inverse: true }),
        key: s({ fg: CYAN, bold: true }),
        zero: plain ? s({ dim: true }) : s({ fg: DOT }),
      },
    };
    themes.set(depth, theme);
  }
  return theme;
}
