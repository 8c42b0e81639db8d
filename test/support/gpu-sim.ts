// Starting the GPU-cost simulator (test/servers/gpu-sim.ts, a real process) for tests and the bench.
import { after } from 'node:test';
import type { GpuCostOptions, GpuStats } from '../servers/gpu-cost-model.ts';
import { startProcess, testScript, type RunningServer } from './helpers.ts';

/** What the simulator's /stats answers: its counters and the cost constants it runs with. */
export type SimStats = GpuStats & Pick<GpuCostOptions, 'tokenBudget' | 'stepOverheadMs' | 'perTokenMs'>;

export interface Sim extends RunningServer {
  stats(): Promise<SimStats>;
  /** Empties its cache and counters. */
  reset(): Promise<void>;
}

/** A simulator process; `kind` sets its cache's blocks (vllm 16, sglang 1). */
export async function startSim(kind: 'vllm' | 'sglang', ...flags: string[]): Promise<Sim> {
  const server = await startProcess([testScript('servers/gpu-sim.ts'), '--port', '0', '--kind', kind, ...flags]);
  return {
    ...server,
    stats: async () => (await (await fetch(`${server.url}/stats`)).json()) as SimStats,
    reset: async () => {
      await fetch(`${server.url}/_test/reset`, { method: 'POST', body: '{"cache":true}' });
    },
  };
}

/** startSim for one test file: every simulator it starts is stopped when the file's tests end. */
export function simsForFile(): typeof startSim {
  const sims: Sim[] = [];
  after(() => Promise.all(sims.map((s) => s.stop())));
  return async (kind, ...flags) => {
    const sim = await startSim(kind, ...flags);
    sims.push(sim);
    return sim;
  };
}
