// SVG export: a heatmap of the matrix with memory keys, response entries and a colour legend,
// for a browser or a slide, on the screen's scale (viridis, logarithmic; see heat-palette.ts)
// so that a cell reads the same in both. All text is neutralised and XML-escaped.
import type { FullResult } from '../engine/events.ts';
import { heatHex, heatValueAt } from '../tui/heat-palette.ts';
import { neutralize } from '../core/sanitize.ts';

export function xmlEscape(text: string): string {
  return neutralize(text).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

export function resultSvg(result: FullResult, title = 'memscope: memory importance'): string {
  const rows = result.memories.length;
  const cols = result.responses.length;
  const max = Math.max(0, ...result.memories.map((m) => m.max));
  const cellW = Math.max(2, Math.min(18, Math.floor(1400 / Math.max(1, cols))));
  const cellH = Math.max(4, Math.min(18, Math.floor(2400 / Math.max(1, rows))));
  const labelW = 220;
  const top = 70;
  const left = labelW + 10;
  const width = left + cols * cellW + 30;
  const legendY = top + rows * cellH + 30;
  const height = legendY + 60;
  const colour = (v: number) => heatHex(v, max);
  const rowLabelEvery = Math.ceil(10 / cellH);
  const colLabelEvery = Math.ceil(28 / cellW);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, Menlo, monospace" font-size="10">`,
    `<title>${xmlEscape(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">${xmlEscape(title)}</text>`,
    `<text x="10" y="40">${xmlEscape(`${rows} memories × ${cols} responses · model ${result.model ?? 'unknown'} · ${result.calls} calls · divergence = max(0, baseline − without)`)}</text>`,
  ];
  result.responses.forEach((r, j) => {
    if (j % colLabelEvery === 0) out.push(`<text x="${left + j * cellW + cellW / 2}" y="${top - 6}" text-anchor="middle">${r.entry}</text>`);
  });
  out.push(`<g shape-rendering="crispEdges">`);
  result.memories.forEach((m, i) => {
    const y = top + i * cellH;
    if (i % rowLabelEvery === 0) {
      const label = m.key.length > 34 ? `${m.key.slice(0, 33)}…` : m.key;
      out.push(`<text x="${labelW}" y="${y + cellH - 2}" text-anchor="end"${m.failed ? ' fill="#c00"' : ''}>${xmlEscape(label)}${m.failed ? ' (failed)' : ''}</text>`);
    }
    result.matrix[i]!.forEach((v, j) => {
      out.push(`<rect x="${left + j * cellW}" y="${y}" width="${cellW}" height="${cellH}" fill="${colour(v)}"><title>${xmlEscape(`${m.key} × entry ${result.responses[j]!.entry}: ${fmt(v)}`)}</title></rect>`);
    });
  });
  out.push(`</g>`);
  const legendW = Math.min(300, cols * cellW);
  // The gradient is even in scale position; its ticks say which divergence sits where.
  out.push(`<defs><linearGradient id="heat">${Array.from({ length: 11 }, (_, k) => `<stop offset="${k * 10}%" stop-color="${heatHex(heatValueAt(k / 10, max), max)}"/>`).join('')}</linearGradient></defs>`);
  out.push(`<rect x="${left}" y="${legendY}" width="${legendW}" height="12" fill="url(#heat)"/>`);
  for (const f of max > 0 ? [0, 0.25, 0.5, 0.75, 1] : [0]) {
    const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
    out.push(`<text x="${left + f * legendW}" y="${legendY + 24}" text-anchor="${anchor}">${fmt(heatValueAt(f, max))}</text>`);
  }
  out.push(`<text x="${left}" y="${legendY + 40}">divergence (nats), log scale</text>`);
  out.push(`</svg>`);
  return `${out.join('\n')}\n`;
}
