// `--mode full`: the exact matrix, one leave-one-out call per memory against one baseline.
import { errorMessage } from '../../core/errors.ts';
import { divergence, maxOf } from '../divergence.ts';
import type { FullResult } from '../events.ts';
import { Interrupted, type EngineCore, type ScoringMode } from '../scoring-mode.ts';
import { fullPromptRanges, fullShape, zeroFull, fullWithNoise } from './full-shape.ts';

export interface FullOptions {
  readonly mode: 'full';
}

// It has nothing to choose: the options only name it.
export const fullMode: (options: FullOptions) => ScoringMode = () => ({ promptRanges: fullPromptRanges, run: scoreFull, withNoise: fullWithNoise });

async function scoreFull(core: EngineCore): Promise<FullResult> {
  const { memories, responses, range, nothing } = fullShape(core.context);
  core.started('full', memories, responses, nothing ? 0 : memories.length + 1);
  // Each row is replaced when its call ends (a failed one by zeros).
  const result = zeroFull(core.model, memories, responses);
  if (nothing) return result;

  core.emit({ type: 'activity', text: 'scoring: baseline' });
  // Each row waits for the baseline only to compute its divergences (and, on a batching
  // server, before it is sent: see EngineCore.sharedBaseline).
  const baseline = core.sharedBaseline(range, (scores) => scores.forEach((score, j) => (result.responses[j]!.baseline = score)));

  const total = memories.length;
  await Promise.all(
    memories.map(async ({ key }, index) => {
      if (baseline.gate !== undefined) await baseline.gate;
      return core.slot(async () => {
        if (core.aborted() || baseline.failed()) return;
        core.emit({ type: 'activity', text: `scoring: ${index + 1}/${total} ${key}${core.prefillNote()}` });
        core.emit({ type: 'row-started', key, index });
        let without: number[];
        try {
          without = await core.call(key, range, { kind: 'skip-key', key });
        } catch (error) {
          if (error instanceof Interrupted || baseline.failed()) return;
          // A row that failed before the baseline answered waits for it: a baseline that fails
          // too ends the run, and the row was cancelled with it, not failed on its own.
          await baseline.call.catch(() => undefined);
          if (baseline.failed()) return;
          const reason = errorMessage(error);
          Object.assign(result.memories[index]!, { failed: true, reason });
          result.matrix[index] = responses.map(() => 0);
          core.writeScores(key, responses, null);
          core.emit({ type: 'row-failed', key, index, reason });
          return;
        }
        let baselineScores: number[];
        try {
          baselineScores = await baseline.call;
        } catch {
          return;
        }
        const row = divergence(baselineScores, without);
        result.matrix[index] = row;
        result.memories[index]!.max = maxOf(row);
        core.writeScores(key, responses, row);
        core.emit({ type: 'row-done', key, index, divergences: row, max: result.memories[index]!.max, first: 0 });
      });
    }),
  );
  await baseline.call;
  core.throwIfAborted();
  result.calls = core.calls;
  return result;
}
