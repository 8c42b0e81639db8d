// The longest prompt a run will send, known before any call: what must fit in the server's
// context limit. Every prompt is the fixed sections plus one of the ranges the mode says it
// sends, or less (ablations only drop entries, a search cuts calls short): a range's baseline
// is its longest prompt.
import type { Context } from '../context/context.ts';
import { scoringMode, type ModeOptions } from '../engine/mode-table.ts';
import { promptLength } from '../scoring/prompt.ts';

/** Tokens in the longest prompt of the run (an upper bound for incremental: every memory that could be due). */
export function longestPrompt(context: Context, mode: ModeOptions): number {
  let longest = 0;
  for (const range of scoringMode(mode).promptRanges(context)) longest = Math.max(longest, promptLength(context, range));
  return longest;
}
