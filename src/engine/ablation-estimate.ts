// An estimated divergence matrix from a few random ablations: ContextCite's method, applied to
// memories. Each ablation keeps every memory with probability 1/2; for each response a sparse
// linear surrogate of its logprob in the keep-mask is fitted by LASSO, as ContextCite does
// (standardised masks, the logprob per token as the target, α = 0.01, an intercept). Removing
// memory i changes the surrogate by its weight w_i, so w_i (clamped at 0) is the estimated
// divergence of memory i on that response.
//
// One refinement over ContextCite: a response only depends on memories that come before it (the
// model reads left to right), so each response's surrogate uses only those memories.
import { solveLasso } from './lasso.ts';
import { seededRandom } from '../core/seeded-random.ts';

export const DEFAULT_LASSO_ALPHA = 0.01;
export const KEEP_PROBABILITY = 0.5;

/** `count` keep-masks over `memories` memories (1 = kept), each memory kept with probability 1/2. */
export function ablationMasks(memories: number, count: number, seed: number): Uint8Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const mask = new Uint8Array(memories);
    for (let i = 0; i < memories; i++) mask[i] = random() < KEEP_PROBABILITY ? 1 : 0;
    return mask;
  });
}

/** The share of anchored masks that are ordinary half-masks (anchor at the first memory). */
const FULL_SHARE = 0.5;

/**
 * Keep-masks that keep a prefix: each picks an anchor memory, keeps every memory before it,
 * removes the anchor and keeps each later one with probability 1/2. A prompt then shares the
 * baseline's prefix up to its anchor, which a prefix-caching server does not recompute. With
 * probability FULL_SHARE the anchor is the first memory (an ordinary half-mask); otherwise it is
 * uniform over the memories (a quarter and none lost quality: see the README's GPU cost section).
 */
export function anchoredMasks(memories: number, count: number, seed: number): Uint8Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const mask = new Uint8Array(memories);
    const anchor = random() < FULL_SHARE ? 0 : Math.floor(random() * memories);
    for (let i = 0; i < memories; i++) mask[i] = i < anchor ? 1 : i === anchor ? 0 : random() < KEEP_PROBABILITY ? 1 : 0;
    return mask;
  });
}

export interface SurrogateOptions {
  readonly memories: number;
  /** Tokens in each response's logprob (at least 1): the target is the logprob per token. */
  readonly responseLengths: readonly number[];
  /** For each response, how many memories (in order) come before it and may affect it. */
  readonly visibleMemories: readonly number[];
  readonly alpha?: number;
}

interface Sample {
  readonly kept: Int32Array;
  readonly logprobs: Float64Array;
}

/** Nonzero surrogate weights of one response (standardised scale), for warm starts. */
interface Sparse {
  readonly index: Int32Array;
  readonly value: Float64Array;
}

const NO_WEIGHTS: Sparse = { index: new Int32Array(0), value: new Float64Array(0) };

export class AblationSurrogate {
  private readonly samples = new Map<number, Sample>();
  /** How many samples keep memory i, and memories i and k together (row-major N×N). */
  private readonly keptCount: Uint32Array;
  private readonly together: Uint32Array;
  private readonly warm: Sparse[];
  private readonly n: number;
  private readonly r: number;
  private readonly alpha: number;

  constructor(private readonly options: SurrogateOptions) {
    this.n = options.memories;
    this.r = options.responseLengths.length;
    this.alpha = options.alpha ?? DEFAULT_LASSO_ALPHA;
    this.keptCount = new Uint32Array(this.n);
    this.together = new Uint32Array(this.n * this.n);
    this.warm = Array.from({ length: this.r }, () => NO_WEIGHTS);
  }

  get size(): number {
    return this.samples.size;
  }

  /** One scored prompt: which memories it kept, and every response's logprob. `id` orders samples. */
  add(id: number, mask: Uint8Array, logprobs: readonly number[]): void {
    if (this.samples.has(id)) throw new Error(`sample ${id} added twice`);
    const kept: number[] = [];
    for (let i = 0; i < this.n; i++) if (mask[i]) kept.push(i);
    for (const a of kept) {
      this.keptCount[a]!++;
      const row = a * this.n;
      for (const b of kept) this.together[row + b]!++;
    }
    this.samples.set(id, { kept: Int32Array.from(kept), logprobs: Float64Array.from(logprobs) });
  }

  /** A zero matrix (memories × responses) to fit into. */
  emptyMatrix(): number[][] {
    return Array.from({ length: this.n }, () => new Array<number>(this.r).fill(0));
  }

  /**
   * The estimated divergence matrix (memories × responses, clamped at 0), written into `matrix`
   * (every entry is overwritten; on a 1,000 × 5,000 matrix a fresh one per refit is 40 MB).
   * `warmStart` reuses the last fit's weights as the starting point (for refits while samples
   * arrive); without it the answer depends only on the samples, not on the order they came in.
   */
  fit(warmStart = false, matrix: number[][] = this.emptyMatrix()): number[][] {
    const { n, r } = this;
    for (const row of matrix) row.fill(0);
    const S = this.samples.size;
    if (S < 2 || n === 0) return matrix;
    const samples = [...this.samples.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);

    // Standardised masks: z = (x − μ)/σ with σ = √(μ(1 − μ)) for a 0/1 column.
    const mean = new Float64Array(n);
    const sd = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      mean[i] = this.keptCount[i]! / S;
      sd[i] = Math.sqrt(mean[i]! * (1 - mean[i]!));
    }
    // G = ZᵀZ/S; a constant column (kept in every sample or in none) gets a zero row.
    const gram = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      if (sd[i] === 0) continue;
      for (let k = 0; k < n; k++) {
        if (sd[k] === 0) continue;
        gram[i * n + k] = (this.together[i * n + k]! / S - mean[i]! * mean[k]!) / (sd[i]! * sd[k]!);
      }
    }

    const q = new Float64Array(n);
    const beta = new Float64Array(n);
    const scratch = new Float64Array(n);
    for (let j = 0; j < r; j++) {
      const m = Math.min(n, this.options.visibleMemories[j]!);
      if (m === 0) continue;
      // The logprob per token, as ContextCite's target; the weights are scaled back at the end.
      const length = Math.max(1, this.options.responseLengths[j]!);
      // q = Zᵀ(y − ȳ)/S = (Σ over samples keeping i of y − count_i·ȳ) / (S·σ_i), y per token.
      let total = 0;
      let squares = 0;
      q.fill(0, 0, m);
      for (const { kept, logprobs } of samples) {
        const y = logprobs[j]! / length;
        total += y;
        squares += y * y;
        for (let t = 0; t < kept.length; t++) {
          const i = kept[t]!;
          if (i >= m) break;
          q[i]! += y;
        }
      }
      const yMean = total / S;
      const yy = Math.max(0, squares / S - yMean * yMean);
      if (yy === 0) {
        this.warm[j] = NO_WEIGHTS;
        continue;
      }
      for (let i = 0; i < m; i++) q[i] = sd[i] === 0 ? 0 : (q[i]! - this.keptCount[i]! * yMean) / (S * sd[i]!);

      beta.fill(0, 0, m);
      if (warmStart) {
        const w = this.warm[j]!;
        for (let t = 0; t < w.index.length; t++) if (w.index[t]! < m) beta[w.index[t]!] = w.value[t]!;
      }
      solveLasso({ gram, stride: n, m, q, yy, alpha: this.alpha }, beta, scratch);

      const index: number[] = [];
      for (let i = 0; i < m; i++) {
        const b = beta[i]!;
        if (b === 0) continue;
        index.push(i);
        // Back to the original scale: per token over σ, times the response's tokens.
        const weight = (b / sd[i]!) * length;
        if (weight > 0) matrix[i]![j] = weight;
      }
      this.warm[j] = { index: Int32Array.from(index), value: Float64Array.from(index, (i) => beta[i]!) };
    }
    return matrix;
  }
}
