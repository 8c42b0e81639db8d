// LASSO by cyclic coordinate descent on the Gram matrix ("covariance updates"): minimises
//
//   (1/2n)·‖y − Zβ‖² + α·‖β‖₁
//
// given only G = ZᵀZ/n, q = Zᵀy/n and yᵀy/n, so that many responses fitted on the same ablation
// masks share one G and each costs O(m) per coordinate that moves, not O(n·m). The residual
// correlations r = q − Gβ are kept up to date as coordinates move; a coordinate's update is the
// soft-thresholded r_i + G_ii·β_i. It stops when the duality gap falls under tolerance·yᵀy/n
// (the criterion scikit-learn's Lasso uses, which ContextCite fits with).

export interface LassoProblem {
  /** G, row-major with row stride `stride`; only the leading m×m block is used. */
  readonly gram: Float64Array;
  readonly stride: number;
  /** Number of features taking part (the first m). */
  readonly m: number;
  /** q = Zᵀy/n, length ≥ m. */
  readonly q: Float64Array;
  /** yᵀy/n (y centred). */
  readonly yy: number;
  readonly alpha: number;
}

export interface LassoOptions {
  /** Stop when the duality gap is under tolerance·yᵀy/n. */
  readonly tolerance?: number;
  /** Sweeps over the working set, at most, in all. */
  readonly maxSweeps?: number;
  /** Features in the first working set (the default suits n samples: 2n). */
  readonly workingSet?: number;
}

/**
 * The duality gap at β over the features in `set` (with r = q − Gβ on them): the primal
 * ½‖y − Zβ‖²/n + α‖β‖₁ minus the dual objective at the residual scaled into the dual's
 * feasible set. Zero exactly at the optimum.
 */
function gapOver(problem: LassoProblem, beta: Float64Array, r: Float64Array, set: ArrayLike<number>, count: number): number {
  const { q, yy, alpha } = problem;
  let qb = 0;
  let rb = 0;
  let l1 = 0;
  let rMax = 0;
  for (let t = 0; t < count; t++) {
    const i = set[t]!;
    const b = beta[i]!;
    qb += q[i]! * b;
    rb += r[i]! * b;
    l1 += Math.abs(b);
    const ri = Math.abs(r[i]!);
    if (ri > rMax) rMax = ri;
  }
  // ‖y − Zβ‖²/n = yy − 2qᵀβ + βᵀGβ, and Gβ = q − r.
  const residual2 = Math.max(0, yy - qb - rb);
  const scale = rMax > alpha ? alpha / rMax : 1;
  return 0.5 * residual2 * (1 + scale * scale) + alpha * l1 - scale * (yy - qb);
}

/** The duality gap over all m features (r = q − Gβ on all of them). */
export function dualityGap(problem: LassoProblem, beta: Float64Array, r: Float64Array): number {
  const all = new Int32Array(problem.m);
  for (let i = 0; i < problem.m; i++) all[i] = i;
  return gapOver(problem, beta, r, all, problem.m);
}

/** The k-th largest value (k ≥ 1) of `values`, which it reorders (quickselect). */
export function kthLargest(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target]!;
  }
  return values[target]!;
}

function softThreshold(x: number, alpha: number): number {
  return x > alpha ? x - alpha : x < -alpha ? x + alpha : 0;
}

/** r = q − Gβ for every feature, from β's non-zero coordinates. */
function residualCorrelations(problem: LassoProblem, beta: Float64Array, r: Float64Array): void {
  const { gram, stride, m, q } = problem;
  for (let i = 0; i < m; i++) r[i] = q[i]!;
  for (let k = 0; k < m; k++) {
    const b = beta[k]!;
    if (b === 0) continue;
    const row = k * stride;
    for (let i = 0; i < m; i++) r[i]! -= gram[row + i]! * b;
  }
}

/**
 * Solves the problem in place: `beta` (length ≥ m) is the warm start and the answer; `r` is
 * scratch of length ≥ m (it ends as q − Gβ). Returns the number of sweeps made.
 *
 * A working-set method: coordinate descent runs over a few features (those already non-zero
 * and those most correlated with the residual), keeping r up to date on them alone, until the
 * duality gap of that smaller problem closes; then r is computed for all features, and any
 * feature that breaks the optimality conditions (|r_i| > α with β_i = 0) joins the set. When
 * none does, the small problem's solution is the whole problem's. With n samples the solution
 * has at most about n non-zeros, so the set stays small while m is in the hundreds or
 * thousands, and a sweep costs O(set²) rather than O(m·set).
 */
export function solveLasso(problem: LassoProblem, beta: Float64Array, r: Float64Array, options: LassoOptions = {}): number {
  const { gram, stride, m, alpha } = problem;
  const tolerance = (options.tolerance ?? 1e-4) * problem.yy;
  const maxSweeps = options.maxSweeps ?? 10_000;
  const chunk = Math.max(8, options.workingSet ?? 64);
  residualCorrelations(problem, beta, r);

  const inSet = new Uint8Array(m);
  const set = new Int32Array(m);
  let size = 0;
  const join = (k: number) => {
    if (inSet[k] || gram[k * stride + k]! <= 0) return;
    inSet[k] = 1;
    set[size++] = k;
  };
  for (let k = 0; k < m; k++) if (beta[k] !== 0) join(k);
  const candidates = new Int32Array(m);
  const sizes = new Float64Array(m);
  /** Adds up to `chunk` features breaking the optimality conditions, the worst first. */
  const addViolators = (): number => {
    let count = 0;
    for (let k = 0; k < m; k++) {
      if (inSet[k] || gram[k * stride + k]! <= 0) continue;
      const size = Math.abs(r[k]!);
      if (size > alpha) {
        candidates[count] = k;
        sizes[count++] = size;
      }
    }
    if (count === 0) return 0;
    // The `chunk` largest by |r|, then in that order (the strongest is swept first).
    const take = Math.min(chunk, count);
    const threshold = take === count ? 0 : kthLargest(sizes.slice(0, count), take);
    const chosen: number[] = [];
    for (let t = 0; t < count && chosen.length < take; t++) if (sizes[t]! >= threshold) chosen.push(candidates[t]!);
    chosen.sort((a, b) => Math.abs(r[b]!) - Math.abs(r[a]!) || a - b);
    for (const k of chosen) join(k);
    return chosen.length;
  };
  addViolators();

  let sweeps = 0;
  while (sweeps < maxSweeps) {
    // Coordinate descent over the working set, r kept current on the set only.
    while (sweeps < maxSweeps) {
      sweeps++;
      let moved = false;
      for (let t = 0; t < size; t++) {
        const k = set[t]!;
        const gkk = gram[k * stride + k]!;
        const old = beta[k]!;
        const next = softThreshold(r[k]! + gkk * old, alpha) / gkk;
        const delta = next - old;
        if (delta === 0) continue;
        beta[k] = next;
        // G is symmetric: row k is column k.
        const row = k * stride;
        for (let u = 0; u < size; u++) {
          const i = set[u]!;
          r[i]! -= gram[row + i]! * delta;
        }
        moved = true;
      }
      if (!moved || gapOver(problem, beta, r, set, size) <= tolerance) break;
    }
    residualCorrelations(problem, beta, r);
    if (addViolators() === 0) break;
  }
  return sweeps;
}
