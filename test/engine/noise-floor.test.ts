// The noise floor's maths, and the jittery fakes it is measured on (real processes on 127.0.0.1):
// the same prompt again differs by hundredths of a nat per token, the same seed replays the same
// noise, and without --jitter nothing differs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadContext } from '../../src/context/load-context.ts';
import { NOISE_FACTOR, isNoise, noiseFloors, noiseLimit, runFloor, summedFloor, thresholdAboveNoise, withoutNoise } from '../../src/engine/noise-floor.ts';
import { createScorer } from '../../src/run/scoring-run.ts';
import { fullRange, PromptLayout } from '../../src/scoring/prompt.ts';
import { fixture, startProcess, testScript } from '../support/helpers.ts';

describe('noise floor maths', () => {
  test('the floor is the spread of each response over the baseline scorings; one scoring has none', () => {
    assert.deepEqual(noiseFloors([[-10, -5]]), [0, 0]);
    const floors = noiseFloors([
      [-10, -5],
      [-10.25, -5],
      [-9.75, -5.5],
    ]);
    assert.deepEqual(floors, [0.5, 0.5]);
    assert.equal(runFloor(floors), 0.5);
  });

  test('a cell within the factor times the floor is noise; with a zero floor nothing is', () => {
    assert.equal(noiseLimit(0.1), NOISE_FACTOR * 0.1);
    assert.equal(isNoise(NOISE_FACTOR * 0.1, 0.1), true);
    assert.equal(isNoise(NOISE_FACTOR * 0.1 + 1e-9, 0.1), false);
    assert.equal(isNoise(0, 0), false);
    assert.equal(isNoise(0.001, 0), false);
    assert.deepEqual(withoutNoise([0.05, 2, 0.5], [0.1, 0.1, 0]), { kept: [0, 2, 0.5], noise: [true, false, false] });
  });

  test('summed scores sum the floors of their responses; a threshold is never below the noise', () => {
    assert.equal(summedFloor([0.1, 0.2, 0.4]), 0.1 + 0.2 + 0.4);
    assert.equal(summedFloor([0.1, 0.2, 0.4], [0, 2]), 0.1 + 0.4);
    assert.equal(thresholdAboveNoise(0.01, 0), 0.01);
    assert.equal(thresholdAboveNoise(0.01, 0.2), NOISE_FACTOR * 0.2);
    assert.equal(thresholdAboveNoise(5, 0.2), 5);
  });
});

describe('batch-dependent jitter on the fakes', async () => {
  const { context } = await loadContext(fixture('small.json'));
  const layout = new PromptLayout(context, fullRange(context));
  const call = { prompt: layout.build({ kind: 'none' }), expected: layout.responses, spans: layout.spans({ kind: 'none' }) };

  /** The prompt scored `times` times, one after another, on a fresh server. */
  async function scoreRepeatedly(script: string, backend: 'completions' | 'sglang', extra: string[], times = 2): Promise<number[][]> {
    const server = await startProcess([testScript(script), '--port', '0', ...extra]);
    try {
      const out: number[][] = [];
      for (let i = 0; i < times; i++) {
        // A scorer per call: the SGLang client answers a prompt it has seen from its own store of prefix logprobs.
        const scorer = createScorer({ urls: [server.url], latencyMs: 0, backend, logprobsField: 'prompt_logprobs', apiKey: undefined, timeoutMs: 20_000, concurrency: 1, retries: 0, retryDelayMs: 0 }, null);
        try {
          out.push(await scorer.score(call));
        } finally {
          await scorer.close();
        }
      }
      return out;
    } finally {
      await server.stop();
    }
  }

  for (const [script, backend] of [
    ['servers/vllm-wire.ts', 'completions'],
    ['servers/sglang-wire.ts', 'sglang'],
  ] as const) {
    test(`${backend}: the same prompt again moves each response by hundredths of a nat per token`, async () => {
      const [a, b] = await scoreRepeatedly(script, backend, ['--jitter', '7']);
      a!.forEach((value, r) => {
        const diff = Math.abs(value - b![r]!);
        // At most the amplitude (0.03) per token of the span, and never nothing.
        assert.ok(diff > 0 && diff <= 0.03 * (call.spans[r]!.end - call.spans[r]!.start) + 1e-9, `response ${r}: ${diff}`);
      });
    });

    test(`${backend}: the same seed replays the same noise; without --jitter nothing moves`, async () => {
      const first = await scoreRepeatedly(script, backend, ['--jitter', '7']);
      assert.deepEqual(await scoreRepeatedly(script, backend, ['--jitter', '7']), first);
      const [c, d] = await scoreRepeatedly(script, backend, []);
      assert.deepEqual(c, d);
      assert.notDeepEqual(first[0], c);
    });
  }
});
