// Building the token-id prompt of a scoring call, as the reference's build_token_ids: every
// node of system, identity and journal, then the conversation entries in `range` less those
// the filter drops. Lengths are summed first so the prompt is one allocation, not a chain of
// concatenations. The spans of the assistant responses are noted while the prompt is written,
// from the AST, so no backend has to find them again in the token ids.
import { SECTION_NAMES, isAssistant, isMemory, memoryKey, responseSpanLength, tokenCount, writeTokens, type AstNode, type Context } from './context.ts';
import type { Span } from './scorer.ts';

export type Filter =
  | { readonly kind: 'none' }
  | { readonly kind: 'skip-key'; readonly key: string }
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
  /** One per assistant response in the prompt, in order. */
  readonly spans: Span[];
}

export function buildScorePrompt(context: Context, range: EntryRange, filter: Filter): ScorePrompt {
  let length = 0;
  for (const node of promptNodes(context, range, filter)) length += tokenCount(node);
  const tokens = new Uint32Array(length);
  const spans: Span[] = [];
  let offset = 0;
  for (const node of promptNodes(context, range, filter)) {
    if (isAssistant(node)) {
      const start = offset + node.open.length;
      spans.push({ start, end: start + responseSpanLength(node) });
    }
    offset = writeTokens(node, tokens, offset);
  }
  return { tokens, spans };
}

export function buildPrompt(context: Context, range: EntryRange, filter: Filter): Uint32Array {
  return buildScorePrompt(context, range, filter).tokens;
}

export function fullRange(context: Context): EntryRange {
  return { start: 0, end: context.sections.conversation.length };
}
