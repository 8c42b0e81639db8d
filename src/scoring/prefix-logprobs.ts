// The logprobs a causal model gave for recent prompts, kept so that a prompt sharing a prefix with
// one of them need not ask for that prefix again: the logprob at position i depends on tokens
// 0..i only, so identical prefixes have identical logprobs. The SGLang client asks the server
// only from the first position it still needs, which lets the server's radix cache serve the
// shared prefix (an ablation then costs about L − position of the memory, not L).
//
// A call whose prompt shares a longer prefix with a call still in flight waits for that one
// first (the ablations of a full matrix wait for the baseline), and never the other way round:
// a call registers as in flight only after its own wait, so no two calls wait on each other.

import { commonPrefix as sharedStart } from '../core/common-prefix.ts';

export interface PrefixLease {
  /** The prompt's logprobs known already, NaN elsewhere. */
  readonly values: Float64Array;
  /** The first position `needed` marks that is not known (the prompt's length when none). */
  readonly firstMissing: number;
  /** Ends the lease: the logprobs the call got (NaN where none), or undefined when it failed. */
  finish(values: Float64Array | undefined): void;
}

/** Where a prompt comes from (ScoreCall.source): prompts built from one base share its runs' tokens. */
export interface PromptSource {
  readonly base: Uint32Array;
  readonly runs: Int32Array;
}

interface Prompt {
  readonly prompt: Uint32Array;
  readonly source?: PromptSource | undefined;
}

interface Known extends Prompt {
  readonly values: Float64Array;
  used: number;
}

interface Pending extends Prompt {
  readonly settled: Promise<void>;
}

/** Length of the common prefix of two prompts; their sources, when both start a base's first run, skip the part known equal. */
export function commonPrefix(a: Prompt, b: Prompt): number {
  const n = Math.min(a.prompt.length, b.prompt.length);
  let i = 0;
  if (a.source !== undefined && b.source !== undefined && a.source.base === b.source.base && a.source.runs[0] === 0 && b.source.runs[0] === 0) {
    i = Math.min(a.source.runs[1]!, b.source.runs[1]!, n);
  }
  return i + sharedStart(a.prompt.subarray(i), b.prompt.subarray(i));
}

export class PrefixLogprobs {
  private readonly known: Known[] = [];
  private readonly pending = new Set<Pending>();
  private clock = 0;

  /** @param keep how many recent prompts' logprobs to keep (each is 8 bytes a token). */
  constructor(private readonly keep = 4) {}

  /** What is known of `prompt` at the positions `needed` marks, after waiting for any call in flight that would know more. */
  async begin(prompt: Uint32Array, needed: Uint8Array, signal?: AbortSignal, source?: PromptSource): Promise<PrefixLease> {
    const self: Prompt = { prompt, source };
    for (;;) {
      signal?.throwIfAborted();
      const { values, firstMissing } = this.lookup(self, needed);
      let wait: Pending | undefined;
      for (const p of this.pending) if (commonPrefix(self, p) > firstMissing && (wait === undefined || p.prompt.length > wait.prompt.length)) wait = p;
      if (wait === undefined || firstMissing >= prompt.length) return this.lease(self, values, firstMissing);
      await wait.settled;
    }
  }

  private lookup(self: Prompt, needed: Uint8Array): { values: Float64Array; firstMissing: number } {
    const values = new Float64Array(self.prompt.length).fill(NaN);
    let best: Known | undefined;
    let bestMissing = firstNeeded(needed, 0);
    for (const entry of this.known) {
      const shared = commonPrefix(self, entry);
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

  private lease(self: Prompt, values: Float64Array, firstMissing: number): PrefixLease {
    let settle!: () => void;
    const pending: Pending = { ...self, settled: new Promise<void>((resolve) => (settle = resolve)) };
    this.pending.add(pending);
    return {
      values,
      firstMissing,
      finish: (got) => {
        this.pending.delete(pending);
        if (got !== undefined) this.remember(self, got);
        settle();
      },
    };
  }

  private remember(self: Prompt, values: Float64Array): void {
    this.known.push({ ...self, values, used: ++this.clock });
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
