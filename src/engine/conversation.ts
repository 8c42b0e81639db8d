// The conversation as the modes see it: its memories (the matrix's rows, in order of first
// appearance) and its assistant responses (the columns).
import { isAssistant, memoryKey, type AstNode } from '../context/context.ts';
import type { MemoryRef } from './events.ts';
import type { EntryRange } from '../scoring/prompt.ts';

/** Unique memory keys in order of first appearance (the reference's dedup only drops adjacent repeats). */
export function memoryRefs(entries: readonly AstNode[]): MemoryRef[] {
  const seen = new Set<string>();
  const refs: MemoryRef[] = [];
  entries.forEach((node, entry) => {
    const key = memoryKey(node);
    if (key !== undefined && !seen.has(key)) {
      seen.add(key);
      refs.push({ key, entry });
    }
  });
  return refs;
}

export function responseEntries(entries: readonly AstNode[], range: EntryRange = { start: 0, end: entries.length }): number[] {
  const out: number[] = [];
  for (let i = range.start; i < range.end; i++) if (isAssistant(entries[i]!)) out.push(i);
  return out;
}

/** The end of the range from `start` that holds n assistant responses (or the conversation's end). */
export function nthResponseEnd(entries: readonly AstNode[], start: number, n: number): number {
  let count = 0;
  for (let i = start; i < entries.length; i++) {
    if (isAssistant(entries[i]!) && ++count >= n) return i + 1;
  }
  return entries.length;
}
