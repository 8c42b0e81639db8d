// The longest prompt a run will send, known before any call: what must fit in the server's
// context limit. Every prompt is the fixed sections plus a range of the conversation, the same
// ranges the engine sends; the baseline of a range is its longest prompt (ablations only drop
// entries).
import { firstMemoryEntries, firstMemoryEntry, type Context } from '../context/context.ts';
import { finetuneRange, scoredRange } from '../engine/call-schedule.ts';
import { RESPONSE_WINDOW, nthResponseEnd, type ModeOptions } from '../engine/engine.ts';
import { promptLength } from '../scoring/prompt.ts';

/** Tokens in the longest prompt of the run (an upper bound for incremental: every memory's window). */
export function longestPrompt(context: Context, mode: ModeOptions): number {
  const entries = context.sections.conversation;
  switch (mode.mode) {
    case 'full':
      return promptLength(context, scoredRange(context));
    case 'single': {
      const first = firstMemoryEntry(context, mode.key);
      return first === -1 ? 0 : promptLength(context, { start: first, end: nthResponseEnd(entries, first, RESPONSE_WINDOW) });
    }
    case 'finetune':
      return promptLength(context, finetuneRange(entries, mode.count));
    case 'incremental': {
      let longest = 0;
      // A range starts where a memory first appears (later places of a key share it).
      for (const { entry } of firstMemoryEntries(context)) longest = Math.max(longest, promptLength(context, { start: entry, end: nthResponseEnd(entries, entry, mode.window) }));
      return longest;
    }
  }
}
