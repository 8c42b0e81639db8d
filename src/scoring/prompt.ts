// Building the token-id prompt of a scoring call, as the reference's build_token_ids: every
// node of system, identity and journal, then the conversation entries in `range`, less the
// memories the filter drops. A memory is a conversation entry of its own (the reference's
// memory turn, dropped whole) or a part of a message in any section (only its text's ids are
// dropped, the message around it stays): both are a run of the unfiltered prompt, so every
// prompt is that prompt with some runs cut out. Lengths are known first so the prompt is one
// allocation, not a chain of concatenations.
import { SECTION_NAMES, isAssistant, responseSpanLength, tokenCount, writeTokens, type AstNode, type Context } from '../context/context.ts';
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

/** Whether the filter drops the memory `key`. */
export function drops(filter: Filter, key: string): boolean {
  switch (filter.kind) {
    case 'none':
      return false;
    case 'skip-key':
      return key === filter.key;
    case 'skip-keys':
      return filter.keys.has(key);
    case 'skip-all-memories':
      return true;
  }
}

/** One place of a memory in the unfiltered prompt: ids [from, to). */
export interface MemoryRun {
  readonly key: string;
  readonly from: number;
  readonly to: number;
}

/** Where everything lies in the unfiltered prompt of a range, found without writing it. */
interface PromptMap {
  readonly length: number;
  /** Every memory's places, in prompt order (they never overlap). */
  readonly memories: readonly MemoryRun[];
  /** Every assistant response's span: content and end-of-turn token. */
  readonly responses: readonly Span[];
  /** starts[k] is where entry range.start + k begins; starts[n] is the end. */
  readonly starts: Int32Array;
}

function* fixedNodes(context: Context): Generator<AstNode> {
  for (const name of SECTION_NAMES) if (name !== 'conversation') yield* context.sections[name];
}

function mapPrompt(context: Context, range: EntryRange): PromptMap {
  const memories: MemoryRun[] = [];
  const responses: Span[] = [];
  let offset = 0;
  const visit = (node: AstNode) => {
    if (node.kind === 'memory') memories.push({ key: node.key, from: offset, to: offset + node.tokens.length });
    if (node.kind === 'message') {
      let at = offset + node.open.length;
      if (isAssistant(node)) responses.push({ start: at, end: at + responseSpanLength(node) });
      for (const child of node.children) {
        if (child.kind === 'memory') memories.push({ key: child.key, from: at, to: at + child.tokens.length });
        at += child.tokens.length;
      }
    }
    offset += tokenCount(node);
  };
  for (const node of fixedNodes(context)) visit(node);
  const entries = context.sections.conversation;
  const starts = new Int32Array(Math.max(0, range.end - range.start) + 1);
  for (let i = range.start; i < range.end; i++) {
    starts[i - range.start] = offset;
    visit(entries[i]!);
  }
  starts[starts.length - 1] = offset;
  return { length: offset, memories, responses, starts };
}

/** The runs of the unfiltered prompt (see PromptLayout.runs) that make the filtered one. */
function keptRuns(map: PromptMap, filter: Filter): Int32Array {
  if (filter.kind === 'none') return Int32Array.of(0, map.length);
  const runs: number[] = [0];
  for (const { key, from, to } of map.memories) {
    if (!drops(filter, key)) continue;
    // Adjacent dropped memories merge into one gap.
    if (runs.length > 1 && runs[runs.length - 1] === from) runs[runs.length - 1] = to;
    else runs.push(from, to);
  }
  runs.push(map.length);
  return Int32Array.from(runs);
}

/** The responses' spans once the filter's memories are cut out. */
function keptSpans(map: PromptMap, filter: Filter): Span[] {
  let removed = 0;
  let m = 0;
  return map.responses.map(({ start, end }) => {
    // No memory sits inside a response, so every one before it ends at or before its start.
    for (; m < map.memories.length && map.memories[m]!.from < start; m++) {
      const run = map.memories[m]!;
      if (drops(filter, run.key)) removed += run.to - run.from;
    }
    return { start: start - removed, end: end - removed };
  });
}

function writeFull(context: Context, range: EntryRange, length: number): Uint32Array {
  const out = new Uint32Array(length);
  let offset = 0;
  for (const node of fixedNodes(context)) offset = writeTokens(node, out, offset);
  const entries = context.sections.conversation;
  for (let i = range.start; i < range.end; i++) offset = writeTokens(entries[i]!, out, offset);
  return out;
}

/** The ids that runs [a0, b0, a1, b1, …) of `base` make, in a new array. */
function joinRuns(base: Uint32Array, runs: Int32Array): Uint32Array {
  const out = new Uint32Array(runsLength(runs));
  let offset = 0;
  for (let k = 0; k < runs.length; k += 2) {
    out.set(base.subarray(runs[k], runs[k + 1]), offset);
    offset += runs[k + 1]! - runs[k]!;
  }
  return out;
}

export interface ScorePrompt {
  readonly tokens: Uint32Array;
  /** One per assistant response in the prompt, in order: its content and end-of-turn token. */
  readonly spans: Span[];
}

/** The prompt and its response spans, noted from the AST. */
export function buildScorePrompt(context: Context, range: EntryRange, filter: Filter): ScorePrompt {
  const layout = new PromptLayout(context, range);
  return { tokens: layout.build(filter), spans: layout.spans(filter) };
}

/** Tokens in the prompt of `range` under `filter`, without writing it. */
export function promptLength(context: Context, range: EntryRange, filter: Filter = NO_FILTER): number {
  return runsLength(keptRuns(mapPrompt(context, range), filter));
}

export function buildPrompt(context: Context, range: EntryRange, filter: Filter): Uint32Array {
  const map = mapPrompt(context, range);
  const full = writeFull(context, range, map.length);
  return filter.kind === 'none' ? full : joinRuns(full, keptRuns(map, filter));
}

export function fullRange(context: Context): EntryRange {
  return { start: 0, end: context.sections.conversation.length };
}

/**
 * One range's prompt laid out once, with every entry's offset and every memory's places in it:
 * a prompt with some memories filtered out is then a few copies of runs of the unfiltered one.
 * The full and estimate modes build hundreds of prompts over the same range; this keeps each to
 * a handful of memcpys.
 */
export class PromptLayout {
  /** The prompt with nothing filtered out. */
  readonly full: Uint32Array;
  private readonly map: PromptMap;
  /** Assistant responses in the range: every prompt built from it holds them all. */
  readonly responses: number;

  constructor(
    context: Context,
    readonly range: EntryRange,
  ) {
    this.map = mapPrompt(context, range);
    this.full = writeFull(context, range, this.map.length);
    this.responses = this.map.responses.length;
  }

  /** Every place of every memory in `full`, in order. */
  get memories(): readonly MemoryRun[] {
    return this.map.memories;
  }

  /** Where each response lies in the prompt build(filter) returns. */
  spans(filter: Filter): Span[] {
    return keptSpans(this.map, filter);
  }

  /** Where conversation entry i (in the range) ends in `full`: a prompt cut there ends with it. */
  entryEnd(i: number): number {
    return this.map.starts[i - this.range.start + 1]!;
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
    return keptRuns(this.map, filter);
  }

  /** The prompt that runs (from this.runs) describe, in a new array. */
  fromRuns(runs: Int32Array): Uint32Array {
    return joinRuns(this.full, runs);
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
