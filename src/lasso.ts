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
  readonly maxSweeps?: number;
}

/**
 * The duality gap at β (with r = q − Gβ): primal ½‖y − Zβ‖²/n + α‖β‖₁ minus the dual objective
 * at the residual scaled into the dual's feasible set. Zero exactly at the optimum.
 */
export function dualityGap(problem: LassoProblem, beta: Float64Array, r: Float64Array): number {
  const { m, q, yy, alpha } = problem;
  let qb = 0;
  let rb = 0;
  let l1 = 0;
  let rMax = 0;
  for (let i = 0; i < m; i++) {
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
  const gap = 0.5 * residual2 * (1 + scale * scale) + alpha * l1 - scale * (yy - qb);
  return gap;
}

function softThreshold(x: number, alpha: number): number {
  return x > alpha ? x - alpha : x < -alpha ? x + alpha : 0;
}

/**
 * Solves the problem in place: `beta` (length ≥ m) is the warm start and the answer; `r` is
 * scratch of length ≥ m. Returns the number of sweeps made.
 */
export function solveLasso(problem: LassoProblem, beta: Float64Array, r: Float64Array, options: LassoOptions = {}): number {
  const { gram, stride, m, q, alpha } = problem;
  const tolerance = (options.tolerance ?? 1e-4) * problem.yy;
  const maxSweeps = options.maxSweeps ?? 1000;
  // r = q − Gβ over the warm start's non-zero coordinates.
  for (let i = 0; i < m; i++) r[i] = q[i]!;
  for (let k = 0; k < m; k++) {
    const b = beta[k]!;
    if (b === 0) continue;
    const row = k * stride;
    for (let i = 0; i < m; i++) r[i]! -= gram[row + i]! * b;
  }
  let sweeps = 0;
  while (sweeps < maxSweeps) {
    sweeps++;
    let moved = false;
    for (let k = 0; k < m; k++) {
      const gkk = gram[k * stride + k]!;
      if (gkk <= 0) continue;
      const old = beta[k]!;
      const next = softThreshold(r[k]! + gkk * old, alpha) / gkk;
      const delta = next - old;
      if (delta === 0) continue;
      beta[k] = next;
      // G is symmetric: row k is column k.
      const row = k * stride;
      for (let i = 0; i < m; i++) r[i]! -= gram[row + i]! * delta;
      moved = true;
    }
    if (!moved || dualityGap(problem, beta, r) <= tolerance) break;
  }
  return sweeps;
}
