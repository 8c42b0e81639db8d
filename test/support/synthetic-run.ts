// Engine events for a run of any size without scoring anything: the screen's tests and its
// benchmark need 500 × 2000 matrices that the built-in scorer would take minutes to make.
// Divergences are sparse and heavy-tailed, as real ones are: most cells 0, a few in the hundreds.
import type { EngineEvent } from '../../src/engine/events.ts';
import { seededRandom } from '../../src/core/seeded-random.ts';

/** Seeded, so every machine sees the same synthetic run. */
export const seeded = seededRandom;

export interface SyntheticRun {
  readonly started: EngineEvent;
  readonly baseline: EngineEvent;
  /** The result of memory `i`: its divergence row. */
  row(i: number): EngineEvent;
  readonly keys: readonly string[];
  readonly entries: readonly number[];
}

export function syntheticRun(memories: number, responses: number, seed = 1): SyntheticRun {
  const random = seeded(seed);
  const keys = Array.from({ length: memories }, (_, i) => `${['deploy', 'incident', 'config', 'person'][i % 4]}-${String(i).padStart(4, '0')}`);
  const entries = Array.from({ length: responses }, (_, j) => 2 + j * 3);
  const baseline = entries.map(() => -(5 + random() * 200));
  return {
    keys,
    entries,
    started: {
      type: 'run-started',
      mode: 'full',
      model: 'synthetic',
      backend: 'built-in',
      memories: keys.map((key, i) => ({ key, entry: Math.floor((i * entries.at(-1)!) / memories) })),
      responses: entries,
      totalCalls: memories + 1,
    },
    baseline: { type: 'baseline-done', scores: baseline },
    row(i) {
      const rowRandom = seeded(seed * 7919 + i);
      const divergences = entries.map(() => {
        const r = rowRandom();
        if (r < 0.9) return 0;
        if (r < 0.98) return rowRandom() * 2;
        return rowRandom() * 300;
      });
      return { type: 'row-done', key: keys[i]!, index: i, divergences, max: Math.max(0, ...divergences), first: 0 };
    },
  };
}
