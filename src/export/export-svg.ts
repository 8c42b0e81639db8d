// SVG export: a heatmap of the matrix with memory keys, response entries and a colour legend,
// for a browser or a slide, on the screen's scale (viridis, logarithmic; see heat-palette.ts)
// so that a cell reads the same in both. All text is neutralised and XML-escaped.
import type { FullResult } from '../engine/events.ts';
import { SCORE_THRESHOLD } from '../engine/divergence.ts';
import { isNoiseCell, noiseLimit } from '../engine/noise-floor.ts';
import { heatFraction, heatHex, heatValueAt } from '../tui/heat-palette.ts';
import { neutralize } from '../core/sanitize.ts';

export function xmlEscape(text: string): string {
  return neutralize(text).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** The widest the SVG is drawn by default: a larger matrix is scaled down to it (its viewBox keeps every cell), not cut. */
export const SVG_MAX_WIDTH = 1400;
const BACKGROUND = '#ffffff';
/** A cell within its response's noise floor (--noise): measured, not a finding; off the scale. */
const NOISE_FILL = '#e4e4e4';
const LABEL_W = 220;
const RIGHT_MARGIN = 30;

/** On the scale: above the threshold the AST keeps; the screen draws the rest as background too. */
function onScale(value: number): boolean {
  return value > SCORE_THRESHOLD;
}

/** The legend: what reads as background (and, with a noise floor, what is noise), then the scale from the threshold to the maximum, ticks even on it. */
function legend(x: number, y: number, width: number, max: number, noise: boolean): string[] {
  const out = [
    `<rect x="${x}" y="${y}" width="12" height="12" stroke="#999999" fill="${BACKGROUND}"/>`,
    `<text x="${x + 16}" y="${y + 10}">&lt; ${SCORE_THRESHOLD}</text>`,
  ];
  if (noise) out.push(`<rect x="${x}" y="${y + 16}" width="12" height="12" stroke="#999999" fill="${NOISE_FILL}"/>`, `<text x="${x + 16}" y="${y + 26}">noise</text>`);
  if (!onScale(max)) {
    out.push(`<text x="${x}" y="${y + 40}">divergence (nats): no cell above ${SCORE_THRESHOLD}</text>`);
    return out;
  }
  const left = x + 70;
  const barW = Math.max(60, width - 70);
  // The bar runs from the threshold to the maximum, even in scale position, as the screen's does.
  const low = heatFraction(SCORE_THRESHOLD, max);
  const at = (f: number) => heatValueAt(low + (1 - low) * f, max);
  out.push(`<defs><linearGradient id="heat">${Array.from({ length: 11 }, (_, k) => `<stop offset="${k * 10}%" stop-color="${heatHex(at(k / 10), max)}"/>`).join('')}</linearGradient></defs>`);
  out.push(`<rect x="${left}" y="${y}" width="${barW}" height="12" fill="url(#heat)"/>`);
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
    out.push(`<text x="${left + f * barW}" y="${y + 24}" text-anchor="${anchor}">${f === 0 ? SCORE_THRESHOLD : fmt(at(f))}</text>`);
  }
  out.push(`<text x="${x}" y="${y + 40}">divergence (nats), log scale</text>`);
  return out;
}

export function resultSvg(result: FullResult, title = 'memscope: memory importance'): string {
  const rows = result.memories.length;
  const cols = result.responses.length;
  const floors = result.responses.map((r) => r.noise ?? 0);
  const noiseAt = (v: number, j: number) => isNoiseCell(v, floors[j]!);
  // Each memory's max is already its largest divergence above the noise (the engine's fullWithNoise).
  const max = Math.max(0, ...result.memories.map((m) => m.max));
  const left = LABEL_W + 10;
  // Cells share what the default width leaves them; below 2 px the whole drawing is scaled down instead.
  const cellW = Math.max(2, Math.min(18, Math.floor((SVG_MAX_WIDTH - left - RIGHT_MARGIN) / Math.max(1, cols))));
  const cellH = Math.max(4, Math.min(18, Math.floor(2400 / Math.max(1, rows))));
  const top = 84;
  const width = Math.max(left + cols * cellW, left + 300) + RIGHT_MARGIN;
  const legendY = top + rows * cellH + 30;
  const height = legendY + 60;
  const shownW = Math.min(width, SVG_MAX_WIDTH);
  const shownH = Math.round((height * shownW) / width);
  const rowLabelEvery = Math.ceil(10 / cellH);
  const colLabelEvery = Math.ceil(28 / cellW);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${shownW}" height="${shownH}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, Menlo, monospace" font-size="10">`,
    `<title>${xmlEscape(title)}</title>`,
    `<rect width="100%" height="100%" fill="${BACKGROUND}"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">${xmlEscape(title)}</text>`,
    `<text x="10" y="40">${xmlEscape(`${rows} memories × ${cols} responses · model ${result.model ?? 'unknown'} · ${result.calls} calls · divergence = max(0, baseline − without)`)}</text>`,
    // Axis titles: the columns are responses by conversation entry, the rows memories by key.
    `<text x="${left}" y="${top - 22}" font-weight="bold">response (conversation entry) →</text>`,
    `<text x="${LABEL_W}" y="${top - 6}" text-anchor="end" font-weight="bold">memory (key) ↓</text>`,
  ];
  result.responses.forEach((r, j) => {
    if (j % colLabelEvery === 0) out.push(`<text x="${left + j * cellW + cellW / 2}" y="${top - 6}" text-anchor="middle">${r.entry}</text>`);
  });
  // The matrix's frame, so that blank (background) cells still show where the matrix is.
  out.push(`<rect x="${left - 0.5}" y="${top - 0.5}" width="${cols * cellW + 1}" height="${rows * cellH + 1}" fill="none" stroke="#cccccc"/>`);
  out.push(`<g shape-rendering="crispEdges">`);
  result.memories.forEach((m, i) => {
    const y = top + i * cellH;
    if (i % rowLabelEvery === 0) {
      const label = m.key.length > 34 ? `${m.key.slice(0, 33)}…` : m.key;
      out.push(`<text x="${LABEL_W}" y="${y + cellH - 2}" text-anchor="end"${m.failed ? ' fill="#c00"' : ''}>${xmlEscape(label)}${m.failed ? ' (failed)' : ''}</text>`);
    }
    result.matrix[i]!.forEach((v, j) => {
      const noise = noiseAt(v, j);
      const fill = noise ? NOISE_FILL : onScale(v) ? heatHex(v, max) : BACKGROUND;
      const note = noise ? ` (within the noise, ≤ ${fmt(noiseLimit(floors[j]!))})` : '';
      out.push(`<rect x="${left + j * cellW}" y="${y}" width="${cellW}" height="${cellH}" fill="${fill}"><title>${xmlEscape(`${m.key} × entry ${result.responses[j]!.entry}: ${fmt(v)}${note}`)}</title></rect>`);
    });
  });
  out.push(`</g>`);
  out.push(...legend(left, legendY, Math.min(370, Math.max(cols * cellW, 300)), max, floors.some((f) => f > 0)));
  out.push(`</svg>`);
  return `${out.join('\n')}\n`;
}
