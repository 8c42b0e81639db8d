// `--estimate K`: the full matrix estimated from K random ablations (ContextCite-style): one
// baseline, K calls each without about half the memories, and a sparse linear fit
// (ablation-estimate.ts) refitted while the answers arrive.
import { AblationSurrogate, ablationMasks, anchoredMasks } from '../ablation-estimate.ts';
import { responseSpanLength, type AstNode, type MessageBranch } from '../../context/context.ts';
import { ScoringError, errorMessage } from '../../core/errors.ts';
import { maxOf } from '../divergence.ts';
import type { FullResult, MemoryRef } from '../events.ts';
import { Interrupted, type EngineCore, type ScoringMode } from '../scoring-mode.ts';
import { fullPromptRanges, fullShape, zeroFull, fullWithNoise } from './full-shape.ts';

/** The estimator's seed when none is given. */
export const DEFAULT_SEED = 0;

export interface EstimateOptions {
  readonly mode: 'estimate';
  /** How many ablations. */
  readonly count: number;
  readonly seed?: number | undefined;
  /** Which keep-masks: anchored (the default: half of them keep a prefix, which a prefix
   *  cache serves) or random half-masks; see ablation-estimate.ts. */
  readonly masks?: 'random' | 'anchored' | undefined;
}

export function estimateMode(options: EstimateOptions): ScoringMode {
  return { promptRanges: fullPromptRanges, run: (core) => estimate(core, options), withNoise: fullWithNoise };
}

/** The estimator's surrogate for a conversation: each response sees only the memories before it. */
export function conversationSurrogate(entries: readonly AstNode[], memories: readonly MemoryRef[], responses: readonly number[]): AblationSurrogate {
  // Memories are in order of first appearance, so those before a response are a prefix (a
  // response is never a memory's entry, except entry 0 for memories of the fixed sections).
  let before = 0;
  return new AblationSurrogate({
    memories: memories.length,
    responseLengths: responses.map((entry) => responseSpanLength(entries[entry] as MessageBranch)),
    visibleMemories: responses.map((entry) => {
      while (before < memories.length && memories[before]!.entry <= entry) before++;
      return before;
    }),
  });
}

async function estimate(core: EngineCore, { count, seed = DEFAULT_SEED, masks: design = 'anchored' }: EstimateOptions): Promise<FullResult> {
  const { entries, memories, responses, range, nothing } = fullShape(core.context);
  core.started('full', memories, responses, nothing ? 0 : count + 1);
  const result: FullResult = { ...zeroFull(core.model, memories, responses), estimate: count };
  if (nothing) return result;

  const surrogate = conversationSurrogate(entries, memories, responses);
  const masks = (design === 'anchored' ? anchoredMasks : ablationMasks)(memories.length, count, seed);
  // One matrix, refitted in place: the live estimate that events show and the run returns.
  const matrix = surrogate.emptyMatrix();
  result.matrix = matrix;
  const publish = (ablations: number, final: boolean) => {
    core.emit({ type: 'estimate-updated', ablations, of: count, matrix, max: matrix.map(maxOf), final });
  };

  core.emit({ type: 'activity', text: 'estimating: baseline' });
  const baseline = core.sharedBaseline(range, (scores) => {
    scores.forEach((score, j) => (result.responses[j]!.baseline = score));
    surrogate.add(0, new Uint8Array(memories.length).fill(1), scores);
  });

  // Refits while ablations arrive, every few of them, and never taking more than a fifth of
  // the time: the screen watches the estimate settle.
  const every = Math.max(4, Math.ceil(count / 8));
  let done = 0;
  let lastFit = { end: 0, ms: 0 };
  let lastFailure = '';
  await Promise.all(
    masks.map(async (mask, s) => {
      if (baseline.gate !== undefined) await baseline.gate;
      return core.slot(async () => {
        if (core.aborted() || baseline.failed()) return;
        const keys = new Set(memories.filter((_, i) => mask[i] === 0).map((m) => m.key));
        core.emit({ type: 'activity', text: `estimating: ablation ${s + 1}/${count} (${keys.size} of ${memories.length} memories removed)${core.prefillNote()}` });
        let scores: number[];
        try {
          scores = await core.call(`ablation ${s + 1}`, range, { kind: 'skip-keys', keys });
        } catch (error) {
          if (error instanceof Interrupted || baseline.failed()) return;
          lastFailure = errorMessage(error);
          core.emit({ type: 'activity', text: `estimating: ablation ${s + 1} failed: ${lastFailure}` });
          return;
        }
        surrogate.add(s + 1, mask, scores);
        done++;
        const now = performance.now();
        if (done % every === 0 && done < count && now - lastFit.end >= 4 * lastFit.ms) {
          surrogate.fit(true, matrix);
          publish(done, false);
          const end = performance.now();
          lastFit = { end, ms: end - now };
        }
      });
    }),
  );
  await baseline.call;
  core.throwIfAborted();
  if (done === 0) throw new ScoringError(`every ablation failed: ${lastFailure}`);

  // The final fit starts cold, so the answer depends only on the ablations, not on timing.
  surrogate.fit(false, matrix);
  memories.forEach(({ key }, i) => {
    result.memories[i]!.max = maxOf(matrix[i]!);
    core.writeScores(key, responses, matrix[i]!);
  });
  publish(done, true);
  result.calls = core.calls;
  return result;
}
