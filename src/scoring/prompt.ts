// Building the token-id prompt of a scoring call, as the reference's build_token_ids: every
// node of system, identity and journal, then the conversation entries in `range` less those
// the filter drops. Lengths are summed first so the prompt is one allocation, not a chain of
// concatenations.
import { SECTION_NAMES, isAssistant, isMemory, memoryKey, responseSpanLength, tokenCount, writeTokens, type AstNode, type Context } from '../context/context.ts';
import type { Span } from './scorer.ts';

export type Filter =
  | { readonly kind: 'none' }
  | { readonly kind: 'skip-key'; readonly key: string }
  /** An ablation of several memories at once (the estimator's random ablations). */
  | { readonly kind: 'skip-keys'; readonly keys: ReadonlySet<string> }
  | { readonly kind: 'skip-all-memories' };

export const NO_FILTER: Filter = { kind: 'none' };

export interface EntryRange {
  readonly start: number;
  readonly end: number;
}

function skipped(node: AstNode, filter: Filter): boolean {
  switch (filter.kind) {
    case 'none':
      return false;
    case 'skip-key':
      return memoryKey(node) === filter.key;
    case 'skip-keys': {
      const key = memoryKey(node);
      return key !== undefined && filter.keys.has(key);
    }
    case 'skip-all-memories':
      return isMemory(node);
  }
}

function* promptNodes(context: Context, range: EntryRange, filter: Filter): Generator<AstNode> {
  for (const name of SECTION_NAMES) {
    if (name === 'conversation') continue;
    yield* context.sections[name];
  }
  const entries = context.sections.conversation;
  for (let i = range.start; i < range.end; i++) {
    const node = entries[i]!;
    if (!skipped(node, filter)) yield node;
  }
}

export interface ScorePrompt {
  readonly tokens: Uint32Array;
  /** One per assistant response in the prompt, in order: its content and end-of-turn token. */
  readonly spans: Span[];
}

/** The prompt and its response spans, noted from the AST while it is written. */
export function buildScorePrompt(context: Context, range: EntryRange, filter: Filter): ScorePrompt {
  const tokens = buildPrompt(context, range, filter);
  const fixed = SECTION_NAMES.filter((n) => n !== 'conversation').reduce((n, name) => n + context.sections[name].reduce((m, node) => m + tokenCount(node), 0), 0);
  return { tokens, spans: conversationSpans(context, range, filter, fixed) };
}

function conversationSpans(context: Context, range: EntryRange, filter: Filter, offset: number): Span[] {
  const entries = context.sections.conversation;
  const spans: Span[] = [];
  for (let i = range.start; i < range.end; i++) {
    const node = entries[i]!;
    if (skipped(node, filter)) continue;
    if (isAssistant(node)) {
      const start = offset + node.open.length;
      spans.push({ start, end: start + responseSpanLength(node) });
    }
    offset += tokenCount(node);
  }
  return spans;
}

/** Tokens in the prompt of `range` under `filter`, without writing it. */
export function promptLength(context: Context, range: EntryRange, filter: Filter = NO_FILTER): number {
  let length = 0;
  for (const node of promptNodes(context, range, filter)) length += tokenCount(node);
  return length;
}

export function buildPrompt(context: Context, range: EntryRange, filter: Filter): Uint32Array {
  const out = new Uint32Array(promptLength(context, range, filter));
  let offset = 0;
  for (const node of promptNodes(context, range, filter)) offset = writeTokens(node, out, offset);
  return out;
}

export function fullRange(context: Context): EntryRange {
  return { start: 0, end: context.sections.conversation.length };
}

/**
 * One range's prompt laid out once, with every entry's offset in it: a prompt with some entries
 * filtered out is then a few copies of runs of the unfiltered one. The full and estimate modes
 * build hundreds of prompts over the same range; this keeps each to a handful of memcpys.
 */
export class PromptLayout {
  /** The prompt with nothing filtered out. */
  readonly full: Uint32Array;
  /** starts[k] is where entry range.start + k begins in `full`; starts[n] is the end. */
  private readonly starts: Int32Array;
  /** Assistant responses in the range: every prompt built from it holds them all. */
  readonly responses: number;

  constructor(
    private readonly context: Context,
    readonly range: EntryRange,
  ) {
    this.full = buildPrompt(context, range, NO_FILTER);
    const entries = context.sections.conversation;
    const count = range.end - range.start;
    let responses = 0;
    for (let i = range.start; i < range.end; i++) if (isAssistant(entries[i]!)) responses++;
    this.responses = responses;
    this.starts = new Int32Array(count + 1);
    // The conversation entries come last, after the fixed sections.
    let offset = this.full.length;
    for (let i = range.end - 1; i >= range.start; i--) offset -= tokenCount(entries[i]!);
    for (let k = 0; k < count; k++) {
      this.starts[k] = offset;
      offset += tokenCount(entries[range.start + k]!);
    }
    this.starts[count] = offset;
  }

  /** Where each response lies in the prompt build(filter) returns. */
  spans(filter: Filter): Span[] {
    return conversationSpans(this.context, this.range, filter, this.starts[0]!);
  }

  /** Where conversation entry i (in the range) ends in `full`: a prompt cut there ends with it. */
  entryEnd(i: number): number {
    return this.starts[i - this.range.start + 1]!;
  }

  /** The same tokens as buildPrompt(context, range, filter), in a new array. */
  build(filter: Filter): Uint32Array {
    return this.buildWithRuns(filter).prompt;
  }

  /** The prompt, and the runs of `full` it is made of (see runs). */
  buildWithRuns(filter: Filter): { prompt: Uint32Array; runs: Int32Array } {
    const runs = this.runs(filter);
    return { prompt: this.fromRuns(runs), runs };
  }

  /**
   * The runs of `full` that the prompt for this filter is made of: prompt = full[runs[0]..runs[1])
   * + full[runs[2]..runs[3]) + …, so a client can send their bytes without the prompt being built.
   */
  runs(filter: Filter): Int32Array {
    const n = this.full.length;
    if (filter.kind === 'none') return Int32Array.of(0, n);
    const entries = this.context.sections.conversation;
    const { start, end } = this.range;
    const runs: number[] = [0];
    for (let i = start; i < end; i++) {
      if (!skipped(entries[i]!, filter)) continue;
      const from = this.starts[i - start]!;
      const to = this.starts[i - start + 1]!;
      // Adjacent dropped entries merge into one gap.
      if (runs[runs.length - 1] === from && runs.length > 1) runs[runs.length - 1] = to;
      else runs.push(from, to);
    }
    runs.push(n);
    return Int32Array.from(runs);
  }

  /** The prompt that runs (from this.runs) describe, in a new array. */
  fromRuns(runs: Int32Array): Uint32Array {
    const out = new Uint32Array(runsLength(runs));
    let offset = 0;
    for (let k = 0; k < runs.length; k += 2) {
      out.set(this.full.subarray(runs[k], runs[k + 1]), offset);
      offset += runs[k + 1]! - runs[k]!;
    }
    return out;
  }
}

/** How many ids runs [a0, b0, a1, b1, …) cover. */
export function runsLength(runs: Int32Array): number {
  let length = 0;
  for (let k = 0; k < runs.length; k += 2) length += runs[k + 1]! - runs[k]!;
  return length;
}

/** Runs (see PromptLayout.runs) cut at offset `end` of the base: the prompt up to there. */
export function clipRuns(runs: Int32Array, end: number): Int32Array {
  const out: number[] = [];
  for (let k = 0; k < runs.length; k += 2) {
    const from = runs[k]!;
    if (from >= end) break;
    out.push(from, Math.min(end, runs[k + 1]!));
  }
  return Int32Array.from(out);
}
