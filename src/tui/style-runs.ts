// One styled line built piece by piece: neighbouring pieces of one style share one escape
// sequence, which keeps a wide matrix line short enough to write within a frame's budget.
import { RESET } from './term-style.ts';

// Properties, not methods: callers take them apart.
export interface StyleRuns {
  /** Appends text in a style ('' for none). */
  readonly put: (style: string, text: string) => void;
  /** The line so far, its last style reset. */
  readonly text: () => string;
}

export function styleRuns(): StyleRuns {
  let out = '';
  let current = '';
  return {
    put: (style, text) => {
      if (style !== current) {
        out += current === '' ? style : RESET + style;
        current = style;
      }
      out += text;
    },
    text: () => (current === '' ? out : out + RESET),
  };
}
