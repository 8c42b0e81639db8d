// `--mode single --key K`: one memory, over the responses after its first appearance.
import { firstMemoryEntry, type Context } from '../../context/context.ts';
import { nthResponseEnd, responseEntries } from '../conversation.ts';
import { maxOf, sum } from '../divergence.ts';
import { summedFloor } from '../noise-floor.ts';
import type { SingleResult } from '../events.ts';
import type { EngineCore, ScoringMode } from '../scoring-mode.ts';
import type { EntryRange } from '../../scoring/prompt.ts';

/** The reference scores a single memory over the 50 responses after it. */
export const RESPONSE_WINDOW = 50;

export interface SingleOptions {
  readonly mode: 'single';
  readonly key: string;
}

export function singleMode({ key }: SingleOptions): ScoringMode {
  return {
    promptRanges: (context) => {
      const range = singleRange(context, key);
      return range === undefined ? [] : [range];
    },
    run: (core) => scoreSingle(core, key),
    // The score sums the window's divergences: its noise sums their floors.
    withNoise: (result, floorOf, context) => {
      if (result.mode !== 'single') return result;
      const range = singleRange(context, key);
      const noise = range === undefined ? 0 : summedFloor(responseEntries(context.sections.conversation, range).map(floorOf));
      return { mode: 'single', key: result.key, score: result.score, noise, calls: result.calls };
    },
  };
}

/** From the memory's first appearance to its RESPONSE_WINDOW-th response; undefined when it is not there. */
function singleRange(context: Context, key: string): EntryRange | undefined {
  const entries = context.sections.conversation;
  const first = firstMemoryEntry(context, key);
  return first === -1 ? undefined : { start: first, end: nthResponseEnd(entries, first, RESPONSE_WINDOW) };
}

async function scoreSingle(core: EngineCore, key: string): Promise<SingleResult> {
  const entries = core.context.sections.conversation;
  const range = singleRange(core.context, key);
  const responses = range ? responseEntries(entries, range) : [];
  const memories = range === undefined ? [] : [{ key, entry: range.start }];
  core.started('single', memories, responses, responses.length > 0 ? 2 : 0);
  if (range === undefined) {
    core.emit({ type: 'memory-skipped', key, reason: 'not in the conversation' });
    return { mode: 'single', key, score: 0, calls: 0 };
  }
  if (responses.length === 0) {
    core.emit({ type: 'memory-skipped', key, reason: 'no assistant response follows it' });
    return { mode: 'single', key, score: 0, calls: 0 };
  }
  core.emit({ type: 'activity', text: `scoring: 1/1 ${key}` });
  core.emit({ type: 'row-started', key, index: 0 });
  const divs = await core.divergence(key, range, { kind: 'skip-key', key });
  core.emit({ type: 'row-done', key, index: 0, divergences: divs, max: maxOf(divs), first: 0 });
  return { mode: 'single', key, score: sum(divs), calls: core.calls };
}
