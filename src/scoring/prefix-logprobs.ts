// The logprobs a causal model gave for recent prompts, kept so that a prompt sharing a prefix with
// one of them need not ask for that prefix again: the logprob at position i depends on tokens
// 0..i only, so identical prefixes have identical logprobs. The SGLang client asks the server
// only from the first position it still needs, which lets the server's radix cache serve the
// shared prefix (an ablation then costs about L − position of the memory, not L).
//
// A call whose prompt shares a longer prefix with a call still in flight waits for that one
// first (the ablations of a full matrix wait for the baseline), and never the other way round:
// a call registers as in flight only after its own wait, so no two calls wait on each other.

export interface PrefixLease {
  /** The prompt's logprobs known already, NaN elsewhere. */
  readonly values: Float64Array;
  /** The first position `needed` marks that is not known (the prompt's length when none). */
  readonly firstMissing: number;
  /** Ends the lease: the logprobs the call got (NaN where none), or undefined when it failed. */
  finish(values: Float64Array | undefined): void;
}

interface Known {
  readonly prompt: Uint32Array;
  readonly values: Float64Array;
  used: number;
}

interface Pending {
  readonly prompt: Uint32Array;
  readonly settled: Promise<void>;
}

export function commonPrefix(a: Uint32Array, b: Uint32Array): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export class PrefixLogprobs {
  private readonly known: Known[] = [];
  private readonly pending = new Set<Pending>();
  private clock = 0;

  /** @param keep how many recent prompts' logprobs to keep (each is 8 bytes a token). */
  constructor(private readonly keep = 4) {}

  /** What is known of `prompt` at the positions `needed` marks, after waiting for any call in flight that would know more. */
  async begin(prompt: Uint32Array, needed: Uint8Array, signal?: AbortSignal): Promise<PrefixLease> {
    for (;;) {
      signal?.throwIfAborted();
      const { values, firstMissing } = this.lookup(prompt, needed);
      let wait: Pending | undefined;
      for (const p of this.pending) if (commonPrefix(prompt, p.prompt) > firstMissing && (wait === undefined || p.prompt.length > wait.prompt.length)) wait = p;
      if (wait === undefined || firstMissing >= prompt.length) return this.lease(prompt, values, firstMissing);
      await wait.settled;
    }
  }

  private lookup(prompt: Uint32Array, needed: Uint8Array): { values: Float64Array; firstMissing: number } {
    const values = new Float64Array(prompt.length).fill(NaN);
    let best: Known | undefined;
    let bestMissing = firstNeeded(needed, 0);
    for (const entry of this.known) {
      const shared = commonPrefix(prompt, entry.prompt);
      let i = firstNeeded(needed, 0);
      while (i < shared && !Number.isNaN(entry.values[i]!)) i = firstNeeded(needed, i + 1);
      if (i > bestMissing) [best, bestMissing] = [entry, i];
    }
    if (best !== undefined) {
      best.used = ++this.clock;
      for (let i = 0; i < bestMissing; i++) if (needed[i] === 1) values[i] = best.values[i]!;
    }
    return { values, firstMissing: bestMissing };
  }

  private lease(prompt: Uint32Array, values: Float64Array, firstMissing: number): PrefixLease {
    let settle!: () => void;
    const pending: Pending = { prompt, settled: new Promise<void>((resolve) => (settle = resolve)) };
    this.pending.add(pending);
    return {
      values,
      firstMissing,
      finish: (got) => {
        this.pending.delete(pending);
        if (got !== undefined) this.remember(prompt, got);
        settle();
      },
    };
  }

  private remember(prompt: Uint32Array, values: Float64Array): void {
    this.known.push({ prompt, values, used: ++this.clock });
    if (this.known.length > this.keep) {
      let oldest = 0;
      for (let k = 1; k < this.known.length; k++) if (this.known[k]!.used < this.known[oldest]!.used) oldest = k;
      this.known.splice(oldest, 1);
    }
  }
}

/** The first position ≥ from that `needed` marks, or its length. */
function firstNeeded(needed: Uint8Array, from: number): number {
  const at = needed.indexOf(1, from);
  return at === -1 ? needed.length : at;
}
