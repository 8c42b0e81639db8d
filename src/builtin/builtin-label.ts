// The built-in scorer's backend label, which run-started events and sessions carry, and what the
// screen reads back from it. Kept apart from the model so the screen can read it without loading it.

/** What the screen says of a latency added on purpose where the header has no room for the backend. */
export const SIMULATED = 'simulated latency';

/** "built-in", or "built-in scorer, simulated latency 450 ms": a latency added on purpose is said,
 *  so a slow demo is not taken for the model. */
export function builtinLabel(latencyMs: number | undefined): string {
  return latencyMs ? `built-in scorer, ${SIMULATED} ${latencyMs} ms` : 'built-in';
}

/** Whether a backend label is the built-in scorer's with an added latency. */
export function isSimulated(backend: string): boolean {
  return new RegExp(`, ${SIMULATED} \\d+ ms$`).test(backend);
}
