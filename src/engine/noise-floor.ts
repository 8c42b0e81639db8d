// The server's own noise, measured: the baseline is scored 1 + N times (spread over the run, so
// the repeats land in other batches) and each response's noise floor is the spread of its
// totals, max − min. A divergence within NOISE_FACTOR × the floor is noise: it is shown as such,
// not written into memory_scores, and the search's threshold is never below it. A score that sums
// divergences over responses (single, fine-tune) sums their floors too. With no repeats, or a
// deterministic server, every floor is 0 and nothing is noise.
//
// Why 3: on the jittery fake (test/servers/batch-jitter.ts, ±0.03 nat per token), the cell of a
// memory that changes nothing is one more noisy scoring of the baseline. Measured with
// test/bench/noise-factor.ts (3 seeds × 40 scorings of the medium fixture's 100 responses, each
// among 4-8 ablations), such cells exceeded factor × the floor from N repeats in this share of
// cases: N=1: 1× 22.7%, 2× 12.7%, 3× 9.3%, 5× 5.9%; N=2: 1× 13.7%, 3× 2.3%; N=3: 3× 0.4%.
// Past 3 the share falls slowly (a floor from one repeat is itself one noisy draw, and 2.5% of
// them were 0, the repeat sharing the baseline's batch) while real effects start to hide.
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

/** Cells of one memory: the divergences, with each cell within its response's noise set to 0 for memory_scores. */
export function withoutNoise(divergences: readonly number[], floors: readonly number[]): { kept: number[]; noise: boolean[] } {
  const noise = divergences.map((d, r) => isNoise(d, floors[r] ?? 0));
  return { kept: divergences.map((d, r) => (noise[r] ? 0 : d)), noise };
}

/**
 * Which runs of the baseline's extra scorings go where: N repeats spread evenly over `calls`
 * scoring calls (after the first baseline), so each lands in another batch than the first.
 * Returns the call indices after which a repeat is made.
 */
export function repeatSlots(repeats: number, calls: number): number[] {
  const slots: number[] = [];
  for (let i = 1; i <= repeats; i++) slots.push(Math.min(calls, Math.round((i * calls) / (repeats + 1))));
  return slots;
}
