// Measures what a noise floor from N repeats of the baseline says about pure noise, on the vLLM
// fake with --jitter (batch-dependent noise): the medium fixture's baseline is scored many times,
// each time among 4-8 ablations sent together (as in a run), and each later scoring stands in
// for the cell of a memory that changes nothing. Prints, per N and factor, how often such a cell exceeds factor ×
// floor, and the floors' size. This is how NOISE_FACTOR (src/engine/noise-floor.ts) was chosen.
//
//   node dist/test/bench/noise-factor.js [--rounds 40] [--seeds 3]
import { parseArgs } from 'node:util';
import { loadContext } from '../../src/context/load-context.ts';
import { noiseFloors } from '../../src/engine/noise-floor.ts';
import { createScorer } from '../../src/run/scoring-run.ts';
import { fullRange, PromptLayout, type Filter } from '../../src/scoring/prompt.ts';
import { memoryRefs } from '../../src/engine/conversation.ts';
import { seededRandom } from '../../src/core/seeded-random.ts';
import { fixture, startProcess, testScript } from '../support/helpers.ts';

const FACTORS = [1, 2, 3, 4, 5];

export interface NoiseMeasure {
  /** repeats -> factor -> share of null cells above factor × floor. */
  exceed: Map<number, Map<number, number>>;
  /** Median per-response floor from one repeat, nats; and per scored token. */
  medianFloor: number;
  medianFloorPerToken: number;
  cells: number;
  /** Share of floors from one repeat that are exactly 0 (the repeat landed in the same batch). */
  zeroFloors: number;
}

export async function measureNoise(rounds: number, seed: number): Promise<{ baselines: number[][]; spanTokens: number[] }> {
  const { context } = await loadContext(fixture('medium.json'));
  const server = await startProcess([testScript('servers/vllm-wire.ts'), '--jitter', String(seed)]);
  const scorer = createScorer(
    { urls: [`${server.url}`], latencyMs: 0, backend: 'completions', logprobsField: 'prompt_logprobs', apiKey: undefined, timeoutMs: 60_000, concurrency: 4, retries: 0, retryDelayMs: 0 },
    null,
  );
  const layout = new PromptLayout(context, fullRange(context));
  const keys = [...new Set(memoryRefs(context).map((m) => m.key))];
  const random = seededRandom(seed);
  const call = (filter: Filter) => scorer.score({ prompt: layout.build(filter), expected: layout.responses, spans: layout.spans(filter) });
  const baselines: number[][] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      // As in a run: the baseline among 4-8 ablations, at a random place (another batch each time).
      const filters: Filter[] = Array.from({ length: 4 + Math.floor(random() * 5) }, () => ({ kind: 'skip-key', key: keys[Math.floor(random() * keys.length)]! }));
      const at = Math.floor(random() * (filters.length + 1));
      filters.splice(at, 0, { kind: 'none' });
      const answers = await Promise.all(filters.map(call));
      baselines.push(answers[at]!);
    }
  } finally {
    await scorer.close();
    await server.stop();
  }
  return { baselines, spanTokens: layout.spans({ kind: 'none' }).map((s) => s.end - s.start) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

/** From a sequence of baseline scorings: floors from repeats, the next scoring as a null cell. */
export function analyse(baselines: number[][], spanTokens: number[], repeatsList: number[]): NoiseMeasure {
  const exceed = new Map<number, Map<number, number>>();
  const oneRepeatFloors: number[] = [];
  const perToken: number[] = [];
  let cells = 0;
  for (const repeats of repeatsList) {
    const counts = new Map(FACTORS.map((f) => [f, 0]));
    let n = 0;
    for (let t = 0; t + repeats + 1 < baselines.length; t += repeats + 2) {
      const floors = noiseFloors(baselines.slice(t, t + repeats + 1));
      const base = baselines[t]!;
      const other = baselines[t + repeats + 1]!;
      floors.forEach((floor, r) => {
        const cell = Math.max(0, base[r]! - other[r]!);
        n++;
        for (const f of FACTORS) if (cell > f * floor) counts.set(f, counts.get(f)! + 1);
        if (repeats === 1) {
          oneRepeatFloors.push(floor);
          perToken.push(floor / spanTokens[r]!);
        }
      });
    }
    exceed.set(repeats, new Map(FACTORS.map((f) => [f, counts.get(f)! / n])));
    if (repeats === 1) cells = n;
  }
  const zeroFloors = oneRepeatFloors.filter((f) => f === 0).length / Math.max(1, oneRepeatFloors.length);
  return { exceed, medianFloor: median(oneRepeatFloors), medianFloorPerToken: median(perToken), cells, zeroFloors };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '40' }, seeds: { type: 'string', default: '3' } } });
  const all: number[][] = [];
  let spans: number[] = [];
  for (let seed = 1; seed <= Number(values.seeds); seed++) {
    const { baselines, spanTokens } = await measureNoise(Number(values.rounds), seed);
    all.push(...baselines);
    spans = spanTokens;
  }
  const result = analyse(all, spans, [1, 2, 3]);
  console.log(`baseline scorings: ${all.length}; responses: ${spans.length}; null cells (N=1): ${result.cells}`);
  console.log(`median floor from 1 repeat: ${result.medianFloor.toFixed(4)} nats per response, ${result.medianFloorPerToken.toFixed(5)} per token; floors of 0: ${(result.zeroFloors * 100).toFixed(1)}%`);
  for (const [repeats, byFactor] of result.exceed) {
    console.log(`N=${repeats}: ${[...byFactor].map(([f, share]) => `>${f}x ${(share * 100).toFixed(1)}%`).join('  ')}`);
  }
}
