// Comparing two full-matrix runs (before and after fine-tuning, two models, two versions of a
// context): memories matched by key, responses by conversation entry or, where the two
// conversations differ, by the response's text, so an inserted or removed message does not shift
// every later response onto the wrong partner. The difference is B − A, cell by cell. Where either
// run measured its server's noise (--noise), a change within the two runs' noise limits together
// is noise, not a change in importance: each side's value may be off by its own limit.
import { SCORE_THRESHOLD } from './divergence.ts';
import type { FullResult } from './events.ts';
import { noiseLimit } from './noise-floor.ts';

/** One run as the comparison sees it: its result and, when known, the text of each response. */
export interface DiffSide {
  readonly result: FullResult;
  /** The response's text by conversation entry; undefined when the run's context is not known. */
  readonly responseText?: ((entry: number) => string | undefined) | undefined;
}

export interface MemoryMatch {
  readonly key: string;
  /** Row of the memory in A's and in B's result. */
  readonly a: number;
  readonly b: number;
  readonly maxA: number;
  readonly maxB: number;
}

export interface LoneMemory {
  readonly key: string;
  /** Row in its own run's result. */
  readonly row: number;
  readonly max: number;
  readonly failed: boolean;
}

export interface ResponseMatch {
  /** Column of the response in A's and in B's result. */
  readonly a: number;
  readonly b: number;
  readonly entryA: number;
  readonly entryB: number;
}

export interface LoneResponse {
  readonly column: number;
  readonly entry: number;
}

export interface RunDiff {
  /** Memories in both runs and scored in both, in A's order. */
  readonly memories: MemoryMatch[];
  readonly onlyA: LoneMemory[];
  readonly onlyB: LoneMemory[];
  /** Keys in both runs whose row failed in one or both: not compared. */
  readonly failed: { readonly key: string; readonly a: boolean; readonly b: boolean }[];
  readonly responses: ResponseMatch[];
  readonly responsesOnlyA: LoneResponse[];
  readonly responsesOnlyB: LoneResponse[];
  /** How responses were matched: by entry (same conversation) or by text (the conversations differ). */
  readonly matchedBy: 'entry' | 'text';
  /**
   * Matched by entry for want of texts (a saved --json result has none) while the two conversations
   * look different: what differs (the response counts, or an entry). Undefined when they agree.
   */
  readonly unmatchedConversations?: string;
  /** matrix[i][j] = B − A for memories[i] × responses[j]. */
  readonly matrix: number[][];
  /**
   * Per matched response, the band within which a change is noise: A's noise limit plus B's
   * (NOISE_FACTOR × each run's floor for that response); 0 where neither run measured noise.
   */
  readonly noise: number[];
}

/** Memories by key: those in both (A's order), and those in one run only. */
export function matchMemories(a: FullResult['memories'], b: FullResult['memories']): Pick<RunDiff, 'memories' | 'onlyA' | 'onlyB' | 'failed'> {
  const rowB = new Map<string, number>();
  b.forEach((m, i) => {
    if (!rowB.has(m.key)) rowB.set(m.key, i);
  });
  const keysA = new Set(a.map((m) => m.key));
  const memories: MemoryMatch[] = [];
  const failed: RunDiff['failed'] = [];
  const onlyA: LoneMemory[] = [];
  a.forEach((m, i) => {
    const j = rowB.get(m.key);
    if (j === undefined) onlyA.push({ key: m.key, row: i, max: m.max, failed: m.failed });
    else if (m.failed || b[j]!.failed) failed.push({ key: m.key, a: m.failed, b: b[j]!.failed });
    else memories.push({ key: m.key, a: i, b: j, maxA: m.max, maxB: b[j]!.max });
  });
  const onlyB = b.flatMap((m, j) => (keysA.has(m.key) ? [] : [{ key: m.key, row: j, max: m.max, failed: m.failed }]));
  return { memories, onlyA, onlyB, failed };
}

/** Above this many cells the text alignment stops being exact (see alignSequences). */
export const ALIGN_CELL_LIMIT = 20_000_000;

/**
 * The longest common subsequence of two sequences, as index pairs in order. The common head and
 * tail are matched first (an edit is usually local), then the middle by dynamic programming; a
 * middle too large for that is matched greedily in order instead.
 */
export function alignSequences<T>(a: readonly T[], b: readonly T[], limit = ALIGN_CELL_LIMIT): [number, number][] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const pairs: [number, number][] = [];
  for (let i = 0; i < head; i++) pairs.push([i, i]);
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  if (n > 0 && m > 0) {
    const middle = (n + 1) * (m + 1) <= limit ? lcsMiddle(a, b, head, n, m) : greedyMiddle(a, b, head, n, m);
    pairs.push(...middle);
  }
  for (let k = tail; k > 0; k--) pairs.push([a.length - k, b.length - k]);
  return pairs;
}

function lcsMiddle<T>(a: readonly T[], b: readonly T[], off: number, n: number, m: number): [number, number][] {
  // lengths[i][j]: LCS of a[off+i..] and b[off+j..], one flat array.
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] = a[off + i] === b[off + j] ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[off + i] === b[off + j]) {
      pairs.push([off + i, off + j]);
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) i++;
    else j++;
  }
  return pairs;
}

function greedyMiddle<T>(a: readonly T[], b: readonly T[], off: number, n: number, m: number): [number, number][] {
  const positions = new Map<T, number[]>();
  for (let j = m - 1; j >= 0; j--) {
    const list = positions.get(b[off + j]!);
    if (list) list.push(off + j);
    else positions.set(b[off + j]!, [off + j]);
  }
  const pairs: [number, number][] = [];
  let after = off - 1;
  for (let i = 0; i < n; i++) {
    const list = positions.get(a[off + i]!);
    // Each list is in descending order: its tail is the earliest unused position.
    while (list && list.length > 0 && list.at(-1)! <= after) list.pop();
    const next = list?.pop();
    if (next !== undefined) {
      pairs.push([off + i, next]);
      after = next;
    }
  }
  return pairs;
}

/** The responses' texts, or undefined when the context is unknown or a text is missing. */
function texts(side: DiffSide): string[] | undefined {
  if (!side.responseText) return undefined;
  const out: string[] = [];
  for (const { entry } of side.result.responses) {
    const text = side.responseText(entry);
    if (text === undefined) return undefined;
    out.push(text);
  }
  return out;
}

/**
 * Responses by conversation entry while the two conversations agree (same entries, same texts,
 * or no texts to tell); by text where they differ, so an inserted or removed message does not
 * shift every response after it.
 */
export function matchResponses(a: DiffSide, b: DiffSide): Pick<RunDiff, 'responses' | 'responsesOnlyA' | 'responsesOnlyB' | 'matchedBy' | 'unmatchedConversations'> {
  const ra = a.result.responses;
  const rb = b.result.responses;
  const ta = texts(a);
  const tb = texts(b);
  let pairs: [number, number][];
  let matchedBy: RunDiff['matchedBy'] = 'entry';
  const sameEntries = ra.length === rb.length && ra.every((r, i) => r.entry === rb[i]!.entry);
  if (ta && tb && !(sameEntries && ta.every((t, i) => t === tb[i]))) {
    pairs = alignSequences(ta, tb);
    matchedBy = 'text';
  } else {
    const columnB = new Map(rb.map((r, j) => [r.entry, j]));
    pairs = ra.flatMap((r, i): [number, number][] => {
      const j = columnB.get(r.entry);
      return j === undefined ? [] : [[i, j]];
    });
  }
  const unmatched = matchedBy === 'entry' && !sameEntries ? conversationsDiffer(ra, rb) : undefined;
  const usedA = new Set(pairs.map(([i]) => i));
  const usedB = new Set(pairs.map(([, j]) => j));
  return {
    responses: pairs.map(([i, j]) => ({ a: i, b: j, entryA: ra[i]!.entry, entryB: rb[j]!.entry })),
    responsesOnlyA: ra.flatMap((r, i) => (usedA.has(i) ? [] : [{ column: i, entry: r.entry }])),
    responsesOnlyB: rb.flatMap((r, j) => (usedB.has(j) ? [] : [{ column: j, entry: r.entry }])),
    matchedBy,
    ...(unmatched !== undefined ? { unmatchedConversations: unmatched } : {}),
  };
}

/** What shows two response lists are not of one conversation: their counts, else the first entry that differs. */
function conversationsDiffer(ra: FullResult['responses'], rb: FullResult['responses']): string {
  if (ra.length !== rb.length) return `A has ${ra.length} responses, B ${rb.length}`;
  const i = ra.findIndex((r, k) => r.entry !== rb[k]!.entry);
  return `response ${i + 1} is entry ${ra[i]!.entry} in A, ${rb[i]!.entry} in B`;
}

/** The line that says responses were matched by entry although the conversations appear to differ. */
export function entryMatchWarning(diff: Pick<RunDiff, 'unmatchedConversations'>): string | undefined {
  if (diff.unmatchedConversations === undefined) return undefined;
  return `the conversations appear to differ (${diff.unmatchedConversations}), but saved --json results carry no response texts, so responses were matched by entry; diff the two sessions (score --record) to match them by text`;
}

/** B − A over the matched memories (rows) and responses (columns). */
export function differenceMatrix(a: FullResult, b: FullResult, memories: readonly MemoryMatch[], responses: readonly ResponseMatch[]): number[][] {
  return memories.map((m) => {
    const rowA = a.matrix[m.a]!;
    const rowB = b.matrix[m.b]!;
    return responses.map((r) => rowB[r.b]! - rowA[r.a]!);
  });
}

/** Per matched response, the noise band of a change: both runs' noise limits added. */
export function noiseBands(a: FullResult, b: FullResult, responses: readonly ResponseMatch[]): number[] {
  return responses.map((r) => noiseLimit(a.responses[r.a]!.noise ?? 0) + noiseLimit(b.responses[r.b]!.noise ?? 0));
}

/** Whether a change is within the noise band (never with a zero band: nothing measured). */
export function isNoiseChange(change: number, band: number): boolean {
  return band > 0 && Math.abs(change) <= band;
}

/** Whether a change counts: larger than the scores' own threshold, and than the noise. */
export function isRealChange(change: number, band: number): boolean {
  return Math.abs(change) > SCORE_THRESHOLD && !isNoiseChange(change, band);
}

/** Whether a compared memory changed only within the noise: some cell moved, none past its band. */
export function changedWithinNoise(diff: Pick<RunDiff, 'matrix' | 'noise'>, row: number): boolean {
  const changes = diff.matrix[row]!;
  return changes.some((c, j) => Math.abs(c) > SCORE_THRESHOLD && isNoiseChange(c, diff.noise[j]!)) && !changes.some((c, j) => isRealChange(c, diff.noise[j]!));
}

export function compareRuns(a: DiffSide, b: DiffSide): RunDiff {
  const memories = matchMemories(a.result.memories, b.result.memories);
  const responses = matchResponses(a, b);
  return {
    ...memories,
    ...responses,
    matrix: differenceMatrix(a.result, b.result, memories.memories, responses.responses),
    noise: noiseBands(a.result, b.result, responses.responses),
  };
}
