// At most N tasks at once: how the engine keeps several score calls in flight, and the server
// tokenizer several texts. HTTP pools keep as many connections as that (json-endpoint.ts).

/** Score calls (or tokenize calls) in flight at once when --concurrency is not given. */
export const DEFAULT_CONCURRENCY = 4;

export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number = DEFAULT_CONCURRENCY) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('concurrency must be a whole number ≥ 1');
  }

  /** Runs `task` when a place is free; `first`: ahead of the tasks already waiting. */
  async run<T>(task: () => Promise<T>, first = false): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => (first ? this.waiting.unshift(resolve) : this.waiting.push(resolve)));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
