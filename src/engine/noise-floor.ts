// The server's own noise, measured: the baseline is scored 1 + N times (spread over the run, so
// the repeats land in other batches) and each response's noise floor is the spread of its
// totals, max − min. A divergence within NOISE_FACTOR × the floor is noise: it is shown as such,
// not written into memory_scores, and the search's threshold is never below it. A score that sums
// divergences over responses (single, fine-tune) sums their floors too. With no repeats, or a
// deterministic server, every floor is 0 and nothing is noise.
//
// Why 3: on the jittery fake (test/servers/batch-jitter.ts, ±0.03 nat per token, every call its
// own batch), the cell of a memory that changes nothing is one more noisy scoring of the
// baseline. Measured with test/bench/noise-factor.ts (3 seeds × 40 scorings of the medium
// fixture's 100 responses, each among 4-8 ablations), such cells exceeded factor × the floor from
// N repeats in this share of cases: N=1: 1× 25.4%, 2× 13.9%, 3× 9.4%, 5× 5.7%; N=2: 1× 15.4%,
// 3× 1.9%; N=3: 3× 0.3%. Past 3 the share falls slowly (a floor from one repeat is itself one
// noisy draw) while real effects of a few times the noise start to hide.
import { SCORE_THRESHOLD } from './divergence.ts';

export const NOISE_FACTOR = 3;

/** Per response, the spread of its baseline totals over every scoring of the baseline. */
export function noiseFloors(baselines: readonly (readonly number[])[]): number[] {
  if (baselines.length === 0) return [];
  const responses = baselines[0]!.length;
  const floors = new Array<number>(responses).fill(0);
  for (let r = 0; r < responses; r++) {
    let min = Infinity;
    let max = -Infinity;
    for (const run of baselines) {
      const v = run[r]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    floors[r] = baselines.length > 1 ? max - min : 0;
  }
  return floors;
}

/** The divergence at or under which a cell is noise: NOISE_FACTOR × the floor. */
export function noiseLimit(floor: number): number {
  return NOISE_FACTOR * floor;
}

/** Whether a divergence is within the noise: never with a zero floor (nothing measured, nothing changes). */
export function isNoise(divergence: number, floor: number): boolean {
  return floor > 0 && divergence <= noiseLimit(floor);
}

/** A cell the AST would keep (above SCORE_THRESHOLD) that is within its response's noise: drawn and said as noise. */
export function isNoiseCell(value: number, floor: number): boolean {
  return value > SCORE_THRESHOLD && isNoise(value, floor);
}

/** A memory's largest divergence that is not noise: 0 when every cell is within its response's noise. */
export function maxAboveNoise(divergences: readonly number[], floors: readonly number[]): number {
  let max = 0;
  divergences.forEach((d, r) => {
    if (d > max && !isNoise(d, floors[r] ?? 0)) max = d;
  });
  return max;
}

/** The floor of a score that sums the divergences of these responses: their floors add up. */
export function summedFloor(floors: readonly number[], responses: Iterable<number> = floors.keys()): number {
  let total = 0;
  for (const r of responses) total += floors[r] ?? 0;
  return total;
}

/** The run's floor for the header: the largest response floor (the widest band any cell is judged by). */
export function runFloor(floors: readonly number[]): number {
  let max = 0;
  for (const f of floors) if (f > max) max = f;
  return max;
}

/** A search threshold raised, where needed, to the noise limit of the responses it sums over. */
export function thresholdAboveNoise(threshold: number, floor: number): number {
  return Math.max(threshold, noiseLimit(floor));
}

/**
 * The highest threshold a search used once the floors were known: factor × the widest floor,
 * when that is above T; undefined when the noise raised it nowhere.
 */
export function raisedThreshold(threshold: number, floors: readonly number[], factor = NOISE_FACTOR): number | undefined {
  const highest = factor * runFloor(floors);
  return highest > threshold ? highest : undefined;
}

/** Cells of one memory: the divergences, with each cell within its response's noise set to 0 for memory_scores. */
export function withoutNoise(divergences: readonly number[], floors: readonly number[]): { kept: number[]; noise: boolean[] } {
  const noise = divergences.map((d, r) => isNoise(d, floors[r] ?? 0));
  return { kept: divergences.map((d, r) => (noise[r] ? 0 : d)), noise };
}

/** One baseline the run scored, and its repeats so far. */
interface RepeatedBaseline {
  /** Conversation entries of the responses it scores, aligned with its scores. */
  readonly entries: readonly number[];
  readonly scorings: number[][];
}

/**
 * The repeats of a run's baselines (--noise N): each baseline that scores a response no earlier
 * baseline covered is scored N more times, each repeat sent once the run has sent a share of its
 * remaining calls (so it lands beside other calls, in another batch), the last ones at the end.
 */
export class NoiseRepeats {
  private readonly baselines: RepeatedBaseline[] = [];
  private readonly covered = new Set<number>();
  private readonly due: { at: number; send: () => void }[] = [];
  private readonly pending: Promise<void>[] = [];

  constructor(readonly repeats: number) {}

  /**
   * A baseline has answered after `sent` of the run's `total` calls; `score` scores it again
   * (fresh, past any client-side store). Registers its repeats when it covers a new response.
   */
  baselineDone(entries: readonly number[], scores: readonly number[], sent: number, total: number, score: () => Promise<number[]>): void {
    if (this.repeats === 0 || entries.every((entry) => this.covered.has(entry))) return;
    for (const entry of entries) this.covered.add(entry);
    const baseline: RepeatedBaseline = { entries, scorings: [[...scores]] };
    this.baselines.push(baseline);
    const gap = Math.max(1, Math.floor((total - sent) / (this.repeats + 1)));
    for (let i = 1; i <= this.repeats; i++) {
      const send = () => {
        // A repeat that fails leaves the floor to the others: noise is measured, not required.
        this.pending.push(score().then((again) => void baseline.scorings.push(again), () => undefined));
      };
      this.due.push({ at: sent + i * gap, send });
    }
  }

  /** The run has sent `sent` calls: sends the repeats due by then. */
  callSent(sent: number): void {
    for (let i = this.due.length - 1; i >= 0; i--) {
      if (this.due[i]!.at <= sent) this.due.splice(i, 1)[0]!.send();
    }
  }

  /** Sends what is left, waits for every repeat; the floor of each response entry measured. */
  async floors(): Promise<Map<number, number>> {
    for (const { send } of this.due.splice(0)) send();
    await Promise.all(this.pending);
    const out = new Map<number, number>();
    for (const { entries, scorings } of this.baselines) {
      noiseFloors(scorings).forEach((floor, j) => {
        const entry = entries[j]!;
        out.set(entry, Math.max(out.get(entry) ?? 0, floor));
      });
    }
    return out;
  }
}
