// Column widths of text as the terminal draws it (wide CJK and emoji take two columns), and
// fitting text to a width: cut with an ellipsis, padded with spaces.
import stringWidth from 'string-width';

const ASCII = /^[\x20-\x7e]*$/;
const segmenter = new Intl.Segmenter();

export function displayWidth(text: string): number {
  return ASCII.test(text) ? text.length : stringWidth(text);
}

/** The longest prefix of `text` that fits in `width` columns. */
export function cutToWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (ASCII.test(text)) return text.slice(0, width);
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > width) break;
    out += segment;
    used += w;
  }
  return out;
}

/** Exactly `width` columns: cut with '…' when too long, padded when short. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const w = displayWidth(text);
  if (w > width) {
    const cut = cutToWidth(text, width - 1) + '…';
    return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
  }
  const pad = ' '.repeat(width - w);
  return align === 'left' ? text + pad : pad + text;
}

/** Columns `from`..`to` of a plain (unstyled) text; a wide character cut in half becomes a space. */
export function sliceColumns(text: string, from: number, to: number): string {
  if (ASCII.test(text)) return text.slice(from, to).padEnd(to - from);
  let out = '';
  let col = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = stringWidth(segment);
    if (col >= to) break;
    if (col >= from && col + w <= to) out += segment;
    else if (col + w > from && col < to) out += ' '.repeat(Math.min(col + w, to) - Math.max(col, from));
    col += w;
  }
  return out + ' '.repeat(Math.max(0, to - from - displayWidth(out)));
}

/** The longest suffix of `text` that fits in `width` columns. */
export function tailToWidth(text: string, width: number): string {
  if (width <= 0) return '';
  const segments = [...segmenter.segment(text)].map((s) => s.segment);
  let out = '';
  let used = 0;
  for (let i = segments.length - 1; i >= 0; i--) {
    const w = displayWidth(segments[i]!);
    if (used + w > width) break;
    out = segments[i]! + out;
    used += w;
  }
  return out;
}

/**
 * Exactly `width` columns, cut in the middle when too long ("config-au…gateway-1"): the tail of a
 * key or path (a number, a file name) is what tells similar ones apart.
 */
export function fitMiddle(text: string, width: number): string {
  if (width <= 0) return '';
  const w = displayWidth(text);
  if (w <= width) return text + ' '.repeat(width - w);
  if (width < 5) return fit(text, width);
  const headRoom = Math.floor((width - 1) * 0.4);
  const head = cutToWidth(text, headRoom);
  const tail = tailToWidth(text, width - 1 - displayWidth(head));
  const out = `${head}…${tail}`;
  return out + ' '.repeat(Math.max(0, width - displayWidth(out)));
}

/** Exactly `width` columns, keeping the end when too long ("…/fixtures/large.json"): for paths. */
export function fitTail(text: string, width: number): string {
  if (width <= 0) return '';
  const w = displayWidth(text);
  if (w <= width) return text + ' '.repeat(width - w);
  const out = '…' + tailToWidth(text, width - 1);
  return out + ' '.repeat(Math.max(0, width - displayWidth(out)));
}
