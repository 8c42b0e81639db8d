// The headless text of a run with a noise floor (--noise): the floor is said once, a memory whose
// every cell is within the noise ranks last with its max marked ~, a single score within its
// summed floor says so; without a floor the text is as before.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FullResult } from '../../src/engine/events.ts';
import { progressLine, resultText } from '../../src/export/headless.ts';

function full(noise?: number[]): FullResult {
  return {
    mode: 'full',
    model: 'm',
    memories: [
      // As the engine gives them: with a floor, the max above the noise (jitter's is 0).
      { key: 'jitter', max: noise ? 0 : 0.4, failed: false },
      { key: 'real', max: 0.3, failed: false },
      { key: 'none', max: 0, failed: false },
    ],
    responses: [0.2, 0.05].map((floor, j) => ({ entry: j + 1, baseline: -5, ...(noise ? { noise: noise[j]! } : {}) })),
    matrix: [
      [0.4, 0.1],
      [0.1, 0.3],
      [0, 0],
    ],
    calls: 4,
  };
}

describe('headless text with a noise floor', () => {
  it('ranks a memory by its divergence above the noise; one all within it goes last, marked ~', () => {
    // Floors 0.2 and 0.05: limits 0.6 and 0.15. jitter's 0.4 and 0.1 are both within; real's 0.3 is not.
    const lines = resultText(full([0.2, 0.05])).trimEnd().split('\n');
    assert.deepEqual(lines.slice(1).map((l) => l.trim()), ['0.300  real', '0.000  none', '~  jitter', "(~: every cell of the memory is within its response's noise: not a finding)"]);
  });

  it('without a floor the ranking is by max, with no mark', () => {
    const lines = resultText(full()).trimEnd().split('\n');
    assert.deepEqual(lines.slice(1).map((l) => l.trim()), ['0.400  jitter', '0.300  real', '0.000  none']);
  });

  it('says the floor once, and a single score within its summed floor', () => {
    assert.equal(progressLine({ type: 'noise-floor', repeats: 1, factor: 3, floors: [0.02, 0.08] }, 0), "noise floor: up to 0.080 a response (the baseline scored 2 times); a divergence within 3 × its response's floor is noise");
    // Repeats that matched the baseline exactly: said, not left to read as a floor of 0.
    assert.equal(progressLine({ type: 'noise-floor', repeats: 2, factor: 3, floors: [0, 0] }, 0), 'noise floor: 0 (the baseline scored 3 times gave the same logprobs): no cell is taken for noise');
    assert.match(resultText({ mode: 'single', key: 'k', score: 0.2, noise: 0.1, calls: 3 }), /k: 0\.200 \(sum of divergence; within the noise \(≤ 0\.300\): not a finding\)/);
    assert.equal(resultText({ mode: 'single', key: 'k', score: 2, noise: 0.1, calls: 3 }), 'k: 2.000 (sum of divergence)\n');
  });
});
