// The maths of memory importance, as the reference: how much less likely each response is
// without something than with it, never below zero.

/** max(0, baseline − without) per response; a missing `without` score counts as no change. */
export function divergence(baseline: readonly number[], without: readonly number[]): number[] {
  return baseline.map((base, i) => Math.max(0, base - (without[i] ?? base)));
}

export function maxOf(values: readonly number[]): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max;
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Scores at or below this are not written into the AST (the reference's 0.01). */
export const SCORE_THRESHOLD = 0.01;

/** The incremental mode's weight update: an exponentially weighted moving average. */
export function ewma(previous: number | undefined, score: number, alpha: number): number {
  return previous === undefined ? score : alpha * score + (1 - alpha) * previous;
}
