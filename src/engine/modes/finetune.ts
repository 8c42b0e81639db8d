// `--mode finetune --count N`: the responses of the last N entries that the memories move most,
// from one call without any memory against one baseline.
import { finetuneRange } from '../call-schedule.ts';
import { responseEntries } from '../conversation.ts';
import type { FinetuneResult } from '../events.ts';
import type { EngineCore, ScoringMode } from '../scoring-mode.ts';

export interface FinetuneOptions {
  readonly mode: 'finetune';
  readonly count: number;
}

export function finetuneMode({ count }: FinetuneOptions): ScoringMode {
  return {
    promptRanges: (context) => [finetuneRange(context.sections.conversation, count)],
    run: (core) => finetune(core, count),
    // Each candidate is one response's divergence: its noise is that response's floor.
    withNoise: (result, floorOf) =>
      result.mode !== 'finetune' ? result : { ...result, candidates: result.candidates.map((c) => ({ entry: c.entry, divergence: c.divergence, noise: floorOf(c.entry) })) },
  };
}

async function finetune(core: EngineCore, count: number): Promise<FinetuneResult> {
  const entries = core.context.sections.conversation;
  const range = finetuneRange(entries, count);
  const responses = responseEntries(entries, range);
  core.started('finetune', [], responses, responses.length > 0 ? 2 : 0);
  if (responses.length === 0) return { mode: 'finetune', candidates: [], calls: 0 };
  core.emit({ type: 'activity', text: `scoring: last ${count} entries without memories` });
  const divs = await core.divergence('all memories', range, { kind: 'skip-all-memories' });
  const candidates = responses.map((entry, i) => ({ entry, divergence: divs[i] ?? 0 }));
  candidates.sort((a, b) => b.divergence - a.divergence);
  return { mode: 'finetune', candidates, calls: core.calls };
}
