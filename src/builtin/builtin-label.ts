// The built-in scorer's backend label, which run-started events and sessions carry, and what the
// screen reads back from it. Kept apart from the model so the screen can read it without loading it.

const SIMULATED = 'simulated latency';

/** "built-in", or "built-in scorer, simulated latency 450 ms": a latency added on purpose is said,
 *  so a slow demo is not taken for the model. */
export function builtinLabel(latencyMs: number | undefined): string {
  return latencyMs ? `built-in scorer, ${SIMULATED} ${latencyMs} ms` : 'built-in';
}

/** "simulated latency 450 ms" from a backend label that says it; undefined for any other backend. */
export function simulatedLatency(backend: string): string | undefined {
  return new RegExp(`${SIMULATED} \\d+ ms`).exec(backend)?.[0];
}
