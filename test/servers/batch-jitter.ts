// Batch-dependent noise, as real servers have it: the same prompt scored in another batch (with
// other requests beside it, or at another step) gets logprobs a few hundredths of a nat apart,
// because the kernels reduce in another order. A batch here is (how many requests were in flight
// when this one arrived, which group of BATCH_STEP arrivals it came in): calls that overlap share
// noise, a call made later or beside other calls gets its own. Seeded, so a schedule replays.

/** Arrivals per step: a few consecutive sequential calls share a batch, as on a real server. */
const BATCH_STEP = 4;

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ (b + 0x9e3779b9), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class BatchJitter {
  private inFlight = 0;
  private arrivals = 0;

  /** `amplitude`: the largest change of one token's logprob, in nats. */
  constructor(
    private readonly seed: number,
    private readonly amplitude: number,
  ) {}

  /** Call when a request arrives; `done` when it has been answered. Returns its batch key. */
  enter(): { batch: number; done: () => void } {
    this.inFlight++;
    const batch = mix(mix(this.seed, this.inFlight), Math.floor(this.arrivals++ / BATCH_STEP));
    let left = false;
    return {
      batch,
      done: () => {
        if (!left) this.inFlight--;
        left = true;
      },
    };
  }

  /** The logprobs as this batch computes them: each moved by up to ±amplitude, never above 0. */
  apply(prompt: ArrayLike<number>, logprobs: Float64Array, batch: number): Float64Array {
    const out = new Float64Array(logprobs.length);
    for (let i = 0; i < logprobs.length; i++) {
      const u = mix(mix(batch, i), prompt[i]!) / 0xffffffff;
      out[i] = Math.min(0, logprobs[i]! + (2 * u - 1) * this.amplitude);
    }
    return out;
  }
}
