// The detail pane's text: the selected cell in full (the memory, a scrollable excerpt of the
// response, the divergence, the baseline logprob, the rank), and the framed, labelled lines the diff
// screen's pane is made of too. All context text is neutralised before it is drawn.
import { formatThreshold } from '../engine/group-search.ts';
import { isNoiseCell } from '../engine/noise-floor.ts';
import wrapAnsi from 'wrap-ansi';
import type { ContextTexts } from '../context/context-texts.ts';
import { displayWidth, fit } from '../core/display-width.ts';
import { baselineAt, cellValue, rankAt, type MemoryRow, type RunState } from './run-state.ts';
import { neutralize, neutralizeKeepingNewlines } from '../core/sanitize.ts';
import { formatDivergence, formatLogprob } from './screen-format.ts';
import type { Theme } from './screen-theme.ts';
import { scrollWindow } from './scroll-window.ts';
import { paint, paintFit, type Segment } from './term-style.ts';

export interface DetailInput {
  readonly state: RunState;
  readonly texts: ContextTexts;
  /** Index into state.memories of the selected row; undefined in fine-tune mode or when empty. */
  readonly row: number | undefined;
  /** Selected response column. */
  readonly column: number;
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
  /** Fine-tune mode: the selected candidate. */
  readonly candidate?: { readonly entry: number; readonly divergence: number | undefined; readonly rank: number | undefined; readonly column: number };
}

/** The label column's width; text starts after it. */
export const LABEL = 10;

/** Lines of untrusted text, wrapped to `width` columns. */
export function wrapText(text: string, width: number): string[] {
  const safe = neutralizeKeepingNewlines(text).replace(/\r\n?/g, '\n');
  // Untrimmed, so a text's own indentation stays; but a line the wrap made starts with the space
  // it broke at, one column right of the line above it: that space goes.
  return safe.split('\n').flatMap((paragraph) => wrapAnsi(paragraph, Math.max(1, width), { hard: true, trim: false }).split('\n').map((line, i) => (i > 0 && line.startsWith(' ') ? line.slice(1) : line)));
}

/** Untrusted text wrapped to `width`, blank lines dropped, at most `most` lines (the last cut with '…' when there were more). */
export function wrapAtMost(text: string, width: number, most: number): string[] {
  const lines = wrapText(text, width).filter((line) => line.trim() !== '');
  if (lines.length <= most) return lines;
  if (most <= 0) return [];
  const shown = lines.slice(0, most);
  shown[most - 1] = fit(shown[most - 1]!, width - 1) + '…';
  return shown;
}

// The pane is rebuilt on each result and on each move to another memory, and the response under
// the cursor is often the same one; a long one is worth remembering.
let lastWrap: { text: string; width: number; lines: string[] } | undefined;

function wrapResponse(text: string, width: number): string[] {
  if (lastWrap?.text !== text || lastWrap.width !== width) lastWrap = { text, width, lines: wrapText(text, width) };
  return lastWrap.lines;
}

/** The lines about the cell: its value and baseline, then where it ranks. */
function cellLines(state: RunState, row: MemoryRow, index: number, column: number, theme: Theme): [string, Segment[]][] {
  const s = theme.style;
  switch (row.status) {
    case 'pending':
      return [['cell', [['not scored yet', s.faint]]]];
    case 'scoring':
      return [['cell', [['scoring…', s.accent]]]];
    case 'failed':
      return [['failed', [[neutralize(row.reason ?? ''), s.badStrong]]]];
    case 'skipped':
      return [['skipped', [[neutralize(row.reason ?? ''), s.warn]]]];
    case 'cancelled':
      return [['cancelled', [[neutralize(row.reason ?? ''), s.warn]]]];
    case 'done': {
      const value = cellValue(row, column);
      const base = baselineAt(state, row, column);
      const summary: Segment[][] = [[[row.noiseOnly ? 'max: only noise moved it' : `max ${formatDivergence(row.max)}${state.noise !== null && state.mode === 'full' ? ' above the noise' : ''}`, '']]];
      if (row.weight !== null) summary.push([[`weight ${formatDivergence(row.weight)}`, '']]);
      if (row.exact === false && row.bound !== null && state.search !== null) {
        // Cleared with its group by the search: not scored alone.
        return [['cell', [[`< ${formatDivergence(row.bound)}: cleared with its group (T=${formatThreshold(state.search.threshold)}), not scored alone`, s.faint]]]];
      }
      if (value === undefined) {
        const last = row.first + (row.divergences?.length ?? 0) - 1;
        return [
          ['cell', [[`outside this memory's window (entries ${state.responses[row.first]}–${state.responses[last]})`, s.faint]]],
          ['memory', joinSegments(summary, [' · ', s.faint])],
        ];
      }
      const cell: Segment[][] = [[['divergence ', ''], [formatDivergence(value), s.title]]];
      const floor = state.noise?.floors[column] ?? 0;
      // Within the noise (--noise): measured, but not a finding; the detail says by how much.
      if (isNoiseCell(value, floor)) cell.push([[`within the noise (≤ ${formatDivergence(state.noise!.factor * floor)}: ${state.noise!.factor} × floor ${formatDivergence(floor)})`, s.faint]]);
      if (base !== undefined) cell.push([[`baseline logprob ${formatLogprob(base)}`, '']]);
      const rank = rankAt(state, index, column);
      const ranking: Segment[][] = rank ? [[[String(rank.rank), s.title], [` of ${rank.of}${rank.tied > 0 ? ` (${rank.tied} tied)` : ''}`, '']]] : [];
      return [
        ['cell', joinSegments(cell, [' · ', s.faint])],
        ['rank', joinSegments([...ranking, ...summary], [' · ', s.faint])],
      ];
    }
  }
}

export function joinSegments(parts: readonly Segment[][], separator: Segment): Segment[] {
  return parts.flatMap((part, i) => (i === 0 ? part : [separator, ...part]));
}

export function frame(title: string, body: string[], width: number, height: number, theme: Theme, note = ''): string[] {
  const s = theme.style;
  const inner = Math.max(0, width - 4);
  const titleText = fit(title, Math.max(0, Math.min(displayWidth(title), width - 6)));
  const top = paint('╭─ ', s.faint) + paint(titleText, s.title) + paint(' ' + '─'.repeat(Math.max(0, width - 5 - displayWidth(titleText))) + '╮', s.faint);
  const lines = body.slice(0, Math.max(0, height - 2)).map((line) => `${paint('│', s.faint)} ${line} ${paint('│', s.faint)}`);
  while (lines.length < height - 2) lines.push(`${paint('│', s.faint)} ${' '.repeat(inner)} ${paint('│', s.faint)}`);
  const shownNote = note && displayWidth(note) + 5 <= width ? note : '';
  const bottom = shownNote ? paint('╰' + '─'.repeat(width - 4 - displayWidth(shownNote)), s.faint) + paint(shownNote, s.faint) + paint(' ─╯', s.faint) : paint('╰' + '─'.repeat(Math.max(0, width - 2)) + '╯', s.faint);
  return [top, ...lines, bottom];
}

export function labelled(label: string, text: string | Segment[], inner: number, theme: Theme): string {
  const segments: Segment[] = typeof text === 'string' ? [[text, '']] : text;
  return paint(fit(label, LABEL), theme.style.faint) + paintFit(segments, inner - LABEL);
}

export interface DetailView {
  readonly lines: string[];
  /** The largest useful scroll of the response text. */
  readonly maxScroll: number;
}

/** The pane's lines and how far its text can scroll. */
export function detailView(props: DetailInput): DetailView {
  const { state, texts, row, column, scroll, width, height, theme, candidate } = props;
  const s = theme.style;
  const inner = Math.max(0, width - 4);
  const textWidth = Math.max(1, inner - LABEL);
  // Fixed lines about the cell first; then the memory's and the response's text, which scroll together.
  const body: string[] = [];
  const scrolled: [label: string, text: string][] = [];
  let title: string;
  let entry = candidate?.entry ?? state.responses[column];
  if (candidate) {
    title = `response at entry ${candidate.entry}${candidate.rank !== undefined ? ` · rank ${candidate.rank} of ${state.responses.length}` : ''}`;
    const base = state.baseline?.[candidate.column];
    const parts: Segment[][] = [
      candidate.divergence === undefined ? [['not scored yet', s.faint]] : [['divergence without memories ', ''], [formatDivergence(candidate.divergence), s.title]],
    ];
    if (base !== undefined) parts.push([[`baseline logprob ${formatLogprob(base)}`, '']]);
    body.push(labelled('cell', joinSegments(parts, [' · ', s.faint]), inner, theme));
  } else if (row !== undefined) {
    const memory = state.memories[row]!;
    const at = memory.entry !== null ? ` (entry ${memory.entry})` : '';
    title = `${neutralize(memory.key)}${at}${entry !== undefined ? ` × response at entry ${entry}` : ''}`;
    for (const [label, segments] of cellLines(state, memory, row, column, theme)) body.push(labelled(label, segments, inner, theme));
    const where = texts.where?.(memory.key);
    if (where !== undefined) body.push(labelled('where', [[neutralize(where), '']], inner, theme));
    const memoryText = texts.memory(memory.key);
    if (memoryText === undefined) body.push(labelled('memory', [['(not in this context)', s.faint]], inner, theme));
    else wrapText(memoryText, textWidth).filter((l) => l.trim() !== '').forEach((line, i) => scrolled.push([i === 0 ? 'memory' : '', line]));
  } else {
    // A filter that matches nothing: no memory, so no cell and no response either.
    title = 'no memory selected';
    body.push(labelled('', [[state.memories.length > 0 ? 'no memory key matches the filter (Esc clears it)' : 'no memories in this run', s.faint]], inner, theme));
    entry = undefined;
  }
  const responseText = entry !== undefined ? texts.response(entry) : undefined;
  if (responseText !== undefined) wrapResponse(responseText, textWidth).forEach((line, i) => scrolled.push([i === 0 ? 'response' : '', line]));
  return scrolledPane(title, body, scrolled, { scroll, width, height, theme });
}

/** Labelled lines of text that scroll together, e.g. a memory and a response: label, line. */
export type ScrolledLines = readonly (readonly [label: string, line: string])[];

/**
 * A framed pane: the fixed `body` lines, then as much of `scrolled` as the room left holds, from
 * `scroll` on. The scroll note sits in the bottom border, where it cuts no line of text.
 */
export function scrolledPane(title: string, body: readonly string[], scrolled: ScrolledLines, pane: { scroll: number; width: number; height: number; theme: Theme }): DetailView {
  const { scroll, width, height, theme } = pane;
  const inner = Math.max(0, width - 4);
  const { first, count, maxScroll, note } = scrollWindow(scrolled.length, Math.max(1, height - 2 - body.length), scroll);
  const shown = scrolled.slice(first, first + count).map(([label, line]) => labelled(label, [[line, '']], inner, theme));
  return { lines: frame(title, [...body, ...shown], width, height, theme, note), maxScroll };
}
