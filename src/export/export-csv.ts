// CSV export of a run's result. Cells are neutralised (no control characters) and guarded
// against spreadsheet formula injection: a cell starting with = + - @ is prefixed with '.
import type { RunResult } from '../engine/events.ts';
import { neutralize } from '../core/sanitize.ts';

export function csvCell(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  let text = neutralize(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

function rows(result: RunResult): (string | number | boolean)[][] {
  switch (result.mode) {
    case 'full':
      return [
        ['memory', ...result.responses.map((r) => r.entry)],
        ...result.memories.map((m, i) => [m.key, ...result.matrix[i]!]),
      ];
    case 'single':
      return [['memory', 'score'], [result.key, result.score]];
    case 'finetune':
      return [['entry', 'divergence'], ...result.candidates.map((c) => [c.entry, c.divergence])];
    case 'incremental':
      return [
        ['memory', 'score', 'weight', 'skipped'],
        ...result.scored.map((s) => [s.key, s.score, s.weight, '']),
        ...result.skipped.map((s) => [s.key, '', '', s.reason]),
      ];
  }
}

/** Rows as CSV text: cells quoted where they must be, CRLF line ends (RFC 4180). */
export function csvText(rows: readonly (readonly (string | number | boolean)[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function resultCsv(result: RunResult): string {
  return csvText(rows(result));
}
