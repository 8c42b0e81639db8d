// `memscope diff A B` headless: the comparison as JSON (--json), the difference matrix as CSV
// (--csv), or a short table of the memories whose importance changed most. Context text (keys,
// paths, model names) is neutralised in text and CSV, escaped in JSON.
import { z } from 'zod';
import { changedWithinNoise, entryMatchWarning, type RunDiff } from '../engine/run-diff.ts';
import { neutralize, safeJson } from '../core/sanitize.ts';
import type { RunInput } from '../sessions/run-input.ts';
import { csvText } from './export-csv.ts';
import { formatNumber } from './headless.ts';

const DiffRunSchema = z.strictObject({
  path: z.string(),
  model: z.string().nullable(),
  /** The run's matrix is estimated from this many random ablations (--estimate K). */
  estimate: z.number().int().positive().optional(),
});

/** The `--json` output of `memscope diff`; key order is the output's. */
export const DiffJsonSchema = z
  .strictObject({
    mode: z.literal('diff'),
    a: DiffRunSchema,
    b: DiffRunSchema,
    /**
     * Memories in both runs and scored in both, in A's order: the matrix's rows. `within_noise`:
     * some cell changed, but none by more than its response's noise band.
     */
    memories: z.array(z.strictObject({ key: z.string(), max_a: z.number(), max_b: z.number(), within_noise: z.literal(true).optional() })),
    /**
     * Matched responses: the matrix's columns. `noise` (when either run measured its noise): the
     * band within which a change is noise, A's noise limit plus B's.
     */
    responses: z.array(z.strictObject({ entry_a: z.number().int(), entry_b: z.number().int(), noise: z.number().nonnegative().optional() })),
    /** B − A, memories × responses. */
    matrix: z.array(z.array(z.number())),
    only_a: z.array(z.string()),
    only_b: z.array(z.string()),
    matched_by: z.enum(['entry', 'text']),
    responses_only_a: z.array(z.number().int()),
    responses_only_b: z.array(z.number().int()),
    /** Keys in both runs not compared because their row failed in one run or both. */
    failed: z.array(z.strictObject({ key: z.string(), a: z.boolean(), b: z.boolean() })),
  })
  .meta({ title: 'memscope diff result', description: 'The --json output of memscope diff A B.' });

export type DiffJson = z.infer<typeof DiffJsonSchema>;

function side(input: RunInput): DiffJson['a'] {
  return { path: input.path, model: input.model, ...(input.result.estimate !== undefined ? { estimate: input.result.estimate } : {}) };
}

export function diffJson(a: RunInput, b: RunInput, diff: RunDiff): DiffJson {
  return {
    mode: 'diff',
    a: side(a),
    b: side(b),
    memories: diff.memories.map((m, i) => ({ key: m.key, max_a: m.maxA, max_b: m.maxB, ...(changedWithinNoise(diff, i) ? { within_noise: true as const } : {}) })),
    responses: diff.responses.map((r, j) => ({ entry_a: r.entryA, entry_b: r.entryB, ...(measuredNoise(diff) ? { noise: diff.noise[j]! } : {}) })),
    matrix: diff.matrix,
    only_a: diff.onlyA.map((m) => m.key),
    only_b: diff.onlyB.map((m) => m.key),
    matched_by: diff.matchedBy,
    responses_only_a: diff.responsesOnlyA.map((r) => r.entry),
    responses_only_b: diff.responsesOnlyB.map((r) => r.entry),
    failed: diff.failed,
  };
}

/** Whether either run measured its noise: then every response says its band, 0 included. */
function measuredNoise(diff: RunDiff): boolean {
  return diff.noise.some((band) => band > 0);
}

export function diffJsonText(a: RunInput, b: RunInput, diff: RunDiff): string {
  return `${safeJson(diffJson(a, b, diff))}\n`;
}

/** A response column's title: its entry, or "a12 b13" when the entry differs between the runs. */
export function responseHeader(entryA: number, entryB: number): string {
  return entryA === entryB ? String(entryA) : `a${entryA} b${entryB}`;
}

/** The difference matrix with the memory keys down the side and the response entries across. */
export function diffCsv(diff: RunDiff): string {
  const rows: (string | number)[][] = [
    ['memory', ...diff.responses.map((r) => responseHeader(r.entryA, r.entryB))],
    ...diff.memories.map((m, i) => [m.key, ...diff.matrix[i]!]),
  ];
  return csvText(rows);
}

/** A change with its sign; one that rounds to nothing has none (not "-0.000"). */
function signed(value: number): string {
  const text = formatNumber(Math.abs(value));
  return /^[0.]+$/.test(text) ? text : `${value < 0 ? '-' : '+'}${text}`;
}

function runLine(name: string, input: RunInput): string {
  const estimated = input.result.estimate !== undefined ? `, ESTIMATED from ${input.result.estimate} ablations` : '';
  return `  ${name}: ${neutralize(input.path)} (${neutralize(input.model ?? 'model?')}, ${input.result.memories.length} memories × ${input.result.responses.length} responses${estimated})`;
}

function keyList(label: string, keys: readonly string[]): string[] {
  return keys.length === 0 ? [] : [`${label}: ${keys.map(neutralize).join(', ')}`];
}

/** The human-readable comparison: memories by the size of their change, then what only one run has. */
export function diffText(a: RunInput, b: RunInput, diff: RunDiff): string {
  const how = diff.matchedBy === 'entry' ? 'by conversation entry' : 'by text (the conversations differ)';
  const lines = [
    `diff B − A: ${diff.memories.length} memories × ${diff.responses.length} responses compared, responses matched ${how}`,
    ...(entryMatchWarning(diff) !== undefined ? [`warning: ${entryMatchWarning(diff)}`] : []),
    runLine('A', a),
    runLine('B', b),
    ...(measuredNoise(diff) ? [`noise: a change within A's and B's noise limits together (up to ${formatNumber(Math.max(...diff.noise))}) is noise; ~ marks a memory that changed only within it`] : []),
    'memory importance, largest change first (max divergence in A, in B, change):',
  ];
  // Memories that changed only within the noise go after every real change, whatever their size.
  const noise = new Set(diff.memories.flatMap((_, i) => (changedWithinNoise(diff, i) ? [i] : [])));
  const order = diff.memories.map((m, i) => ({ m, i })).sort((x, y) => Number(noise.has(x.i)) - Number(noise.has(y.i)) || Math.abs(y.m.maxB - y.m.maxA) - Math.abs(x.m.maxB - x.m.maxA));
  for (const { m, i } of order) {
    const change = `${noise.has(i) ? '~' : ''}${signed(m.maxB - m.maxA)}`;
    lines.push(`  ${formatNumber(m.maxA).padStart(10)} ${formatNumber(m.maxB).padStart(10)} ${change.padStart(10)}  ${neutralize(m.key)}`);
  }
  if (order.length === 0) lines.push('  (no memory in both runs)');
  lines.push(...keyList('only in A', diff.onlyA.map((m) => m.key)));
  lines.push(...keyList('only in B', diff.onlyB.map((m) => m.key)));
  lines.push(...keyList('failed in a run, not compared', diff.failed.map((f) => f.key)));
  if (diff.responsesOnlyA.length > 0) lines.push(`responses only in A: entries ${diff.responsesOnlyA.map((r) => r.entry).join(', ')}`);
  if (diff.responsesOnlyB.length > 0) lines.push(`responses only in B: entries ${diff.responsesOnlyB.map((r) => r.entry).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
