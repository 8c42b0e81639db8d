// The longest prompt a run will send, known before any call: what must fit in the server's
// context limit. Every prompt is the fixed sections plus a range of the conversation; the
// baseline of a range is its longest prompt (ablations only drop entries).
import { SECTION_NAMES, memoryKey, tokenCount, type Context } from '../context/context.ts';
import { RESPONSE_WINDOW, nthResponseEnd, type ModeOptions } from '../engine/engine.ts';

function rangeTokens(context: Context, start: number, end: number): number {
  let total = 0;
  for (const name of SECTION_NAMES) if (name !== 'conversation') for (const node of context.sections[name]) total += tokenCount(node);
  const entries = context.sections.conversation;
  for (let i = start; i < end; i++) total += tokenCount(entries[i]!);
  return total;
}

/** Tokens in the longest prompt of the run (an upper bound for incremental: every memory's window). */
export function longestPrompt(context: Context, mode: ModeOptions): number {
  const entries = context.sections.conversation;
  switch (mode.mode) {
    case 'full':
      return rangeTokens(context, 0, entries.length);
    case 'single': {
      const first = entries.findIndex((node) => memoryKey(node) === mode.key);
      return first === -1 ? 0 : rangeTokens(context, first, nthResponseEnd(entries, first, RESPONSE_WINDOW));
    }
    case 'finetune':
      return rangeTokens(context, Math.max(0, entries.length - mode.count), entries.length);
    case 'incremental': {
      let longest = 0;
      entries.forEach((node, i) => {
        if (memoryKey(node) !== undefined) longest = Math.max(longest, rangeTokens(context, i, nthResponseEnd(entries, i, mode.window)));
      });
      return longest;
    }
  }
}
