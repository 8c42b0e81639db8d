// Batch-dependent noise, as real servers have it: the same prompt computed in another batch (other
// prompts beside it, a prefix-cache hit instead of a cold run) gets logprobs a few hundredths of a
// nat apart, because the kernels split and reduce the work another way. The fake takes the worst
// case, every request a batch of its own: the noise of a request is keyed by the seed and its
// arrival number, so the same prompt sent twice differs, and a server restarted with the same seed
// and sent the same requests in the same order answers the same again.

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ (b + 0x9e3779b9), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class BatchJitter {
  private arrivals = 0;

  /** `amplitude`: the largest change of one token's logprob, in nats. */
  constructor(
    private readonly seed: number,
    private readonly amplitude: number,
  ) {}

  /** Call when a request arrives: the key of its batch. */
  enter(): number {
    return mix(this.seed, this.arrivals++);
  }

  /** The logprobs as `batch` computes them: each moved by up to ±amplitude, never above 0. */
  apply(prompt: ArrayLike<number>, logprobs: Float64Array, batch: number): Float64Array {
    const out = new Float64Array(logprobs.length);
    for (let i = 0; i < logprobs.length; i++) {
      const u = mix(mix(batch, i), prompt[i]!) / 0xffffffff;
      out[i] = Math.min(0, logprobs[i]! + (2 * u - 1) * this.amplitude);
    }
    return out;
  }
}
