// `--search T`: the full matrix's cells of at least T, exactly, for a fraction of its calls.
// The algorithm is group-search.ts; this wires it to the engine core.
import type { FullResult } from '../events.ts';
import { firstLevelCalls, groupSearch, initialGroupSize } from '../group-search.ts';
import type { EngineCore, ScoringMode } from '../scoring-mode.ts';
import type { Filter } from '../../scoring/prompt.ts';
import { fullPromptRanges, fullShape, zeroFull, fullWithNoise } from './full-shape.ts';

export interface SearchOptions {
  readonly mode: 'search';
  readonly threshold: number;
  /** The first groups' size (initialGroupSize by default). */
  readonly groupSize?: number | undefined;
  /** Groups split at threshold × this (see group-search.ts). */
  readonly splitFraction?: number | undefined;
}

export function searchMode(options: SearchOptions): ScoringMode {
  return { promptRanges: fullPromptRanges, run: (core) => search(core, options), withNoise: fullWithNoise };
}

async function search(core: EngineCore, { threshold, groupSize, splitFraction }: SearchOptions): Promise<FullResult> {
  const { memories, responses, range, nothing } = fullShape(core.context);
  const plan = { memories, responses, threshold, groupSize: groupSize ?? initialGroupSize(memories.length), splitFraction };
  core.started('full', memories, responses, nothing ? 0 : 1 + firstLevelCalls(plan), threshold);
  if (nothing) {
    const memoriesOut = memories.map(({ key }) => ({ key, max: 0, failed: false, exact: false, bound: 0 }));
    return { ...zeroFull(core.model, memories, responses), memories: memoriesOut, search: { threshold, calls: 0 } };
  }
  const result = await groupSearch(plan, {
    // Every call shares the full range's layout and is cut after its last response.
    score: (label, reach, keys) => {
      const upTo = { entry: responses[reach - 1]!, responses: reach };
      if (keys === null) return core.slot(() => core.baseline(label, range, upTo));
      const filter: Filter = keys.length === 1 ? { kind: 'skip-key', key: keys[0]! } : { kind: 'skip-keys', keys: new Set(keys) };
      return core.slot(() => core.call(label, range, filter, upTo));
    },
    emit: (event) => core.emit(event),
    aborted: () => core.aborted(),
    writeRow: (key, row) => core.writeScores(key, responses, row),
    ...(core.noiseRepeats > 0 ? { floors: () => core.noiseFloors(responses) } : {}),
  });
  core.throwIfAborted();
  return { ...result, model: core.model, calls: core.calls };
}
