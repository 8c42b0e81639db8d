// Building the token-id prompt of a scoring call, as the reference's build_token_ids: every
// node of system, identity and journal, then the conversation entries in `range` less those
// the filter drops. Lengths are summed first so the prompt is one allocation, not a chain of
// concatenations.
import { SECTION_NAMES, isMemory, memoryKey, tokenCount, writeTokens, type AstNode, type Context } from './context.ts';

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

export function buildPrompt(context: Context, range: EntryRange, filter: Filter): Uint32Array {
  let length = 0;
  for (const node of promptNodes(context, range, filter)) length += tokenCount(node);
  const out = new Uint32Array(length);
  let offset = 0;
  for (const node of promptNodes(context, range, filter)) offset = writeTokens(node, out, offset);
  return out;
}

export function fullRange(context: Context): EntryRange {
  return { start: 0, end: context.sections.conversation.length };
}
