// The GPU-cost figures of `npm run bench`: full matrices and the other modes against the GPU
// simulator (test/servers/gpu-sim.ts, separate processes), in prefill tokens and simulated time,
// and memscope's overhead over a bare loop behind a 250 ms-per-call proxy. One function per
// figure, so that test/cli/bench.test.ts can run each on tiny inputs.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../../src/context/context.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import { memoryRefs } from '../../src/engine/conversation.ts';
import type { ModeOptions } from '../../src/engine/mode-table.ts';
import type { FullResult, RunResult } from '../../src/engine/events.ts';
import { WeightStore } from '../../src/engine/weight-store.ts';
import { createScorer } from '../../src/run/scoring-run.ts';
import type { Scorer } from '../../src/scoring/scorer.ts';
import { startSim, type Sim, type SimStats } from '../support/gpu-sim.ts';
import { BIN, ROOT, startProcess, startServe, tempDir, testScript } from '../support/helpers.ts';
import { MODEL, fullMatrixPrompts, load, spearman, topRecall, timeBareLoop } from './measure.ts';
import { scaleChat } from './scale-context.ts';

// The simulator is started by the support helper the tests use; bench callers import it from here.
export { startSim, type Sim, type SimStats };

/** Simulated ms for `tokens` of prefill at full steps: the simulator's best. */
export function idealMs(stats: SimStats, tokens: number): number {
  return tokens * stats.perTokenMs + Math.ceil(tokens / stats.tokenBudget) * stats.stepOverheadMs;
}

export type Wire = 'score' | 'completions' | 'sglang';

/** The CLI's scorer for these URLs (one store of known prefix logprobs for SGLang replicas; retries
 *  for a kept-alive connection closed as it was reused). */
function scorerFor(urls: readonly string[], wire: Wire, concurrency: number): Scorer {
  // The completions client is given the OpenAI root, as a user gives --url http://host/v1.
  const base = wire === 'completions' ? urls.map((url) => `${url}/v1`) : [...urls];
  return createScorer(
    { urls: base, latencyMs: 0, backend: wire, logprobsField: 'prompt_logprobs', apiKey: undefined, timeoutMs: 600_000, concurrency, retries: 3, retryDelayMs: 100 },
    MODEL,
  );
}

export interface SimRun {
  result: RunResult;
  /** Wall time of the run, ms. */
  ms: number;
  /** Summed over the simulators. */
  tokensComputed: number;
  tokensReused: number;
  busyMs: number;
  /** The longest busy time of one simulator. */
  maxBusyMs: number;
  /** The longest span (busy + idle, simulated) of one simulator. */
  maxSpanMs: number;
  stats: SimStats;
}

/** memscope's engine (the real HTTP clients) in one mode against fresh simulators. */
export async function engineOnSims(
  context: Context,
  sims: readonly Sim[],
  options: { wire: Wire; concurrency: number; mode?: ModeOptions; baselineFirst?: boolean; priority?: number },
): Promise<SimRun> {
  await Promise.all(sims.map((s) => s.reset()));
  const scorer = scorerFor(
    sims.map((s) => s.url),
    options.wire,
    options.concurrency,
  );
  try {
    const engine = new ScoringEngine(context, { scorer, model: MODEL, concurrency: options.concurrency, priority: options.priority, baselineFirst: options.baselineFirst });
    const start = performance.now();
    const result = await engine.run(options.mode ?? { mode: 'full' });
    const ms = performance.now() - start;
    if (result.mode === 'full' && result.memories.some((m) => m.failed)) throw new Error(`a row failed: ${result.memories.find((m) => m.failed)?.reason}`);
    const all = await Promise.all(sims.map((s) => s.stats()));
    return {
      result,
      ms,
      tokensComputed: all.reduce((n, s) => n + s.tokens_computed, 0),
      tokensReused: all.reduce((n, s) => n + s.tokens_reused, 0),
      busyMs: all.reduce((n, s) => n + s.busy_ms, 0),
      maxBusyMs: Math.max(...all.map((s) => s.busy_ms)),
      maxSpanMs: Math.max(...all.map((s) => s.span_ms)),
      stats: all[0]!,
    };
  } finally {
    await scorer.close();
  }
}

/**
 * An independent sequential implementation of the reference's schedule: the baseline, then one
 * call per memory in order, each the whole conversation less that memory, sent only when the
 * previous one has answered (POST /score with plain undici, bodies built beforehand).
 */
export async function referenceSequential(context: Context, sim: Sim): Promise<{ ms: number; stats: SimStats }> {
  await sim.reset();
  const ms = await timeBareLoop(sim.url, fullMatrixPrompts(context), 1);
  return { ms, stats: await sim.stats() };
}

export interface EstimateCost {
  tokens: number;
  spearman: number;
  recall: number;
}

/** --estimate K on a simulator: prefill tokens, and quality against the exact matrix's maxima. */
export async function estimateOnSim(context: Context, sim: Sim, K: number, seed: number, exactMax: readonly number[], wire: Wire = 'score', masks: 'random' | 'anchored' = 'random'): Promise<EstimateCost> {
  const run = await engineOnSims(context, [sim], { wire, concurrency: 8, mode: { mode: 'estimate', count: K, seed, masks } });
  const max = (run.result as FullResult).memories.map((m) => m.max);
  return { tokens: run.tokensComputed, spearman: spearman(exactMax, max), recall: topRecall(exactMax, max, 10) };
}

/** Prefill tokens of the other modes, on the same simulator. */
export async function otherModeTokens(context: Context, sim: Sim, wire: Wire): Promise<{ mode: string; calls: number; tokens: number }[]> {
  const dir = await tempDir();
  try {
    const memories = memoryRefs(context.sections.conversation);
    const middle = memories[Math.floor(memories.length / 2)]!.key;
    const store = await WeightStore.open(join(dir.path, 'weights.json'));
    const modes: [string, ModeOptions][] = [
      [`single (--key ${middle})`, { mode: 'single', key: middle }],
      ['incremental (--window 50, every memory due)', { mode: 'incremental', store, maxAgeSeconds: 0, window: 50, alpha: 0.3 }],
      ['finetune (--count 50)', { mode: 'finetune', count: 50 }],
    ];
    const out: { mode: string; calls: number; tokens: number }[] = [];
    for (const [name, mode] of modes) {
      const run = await engineOnSims(context, [sim], { wire, concurrency: 8, mode });
      out.push({ mode: name, calls: run.result.calls, tokens: run.tokensComputed });
    }
    return out;
  } finally {
    await dir.remove();
  }
}

export interface OverheadRound {
  bare: number;
  /** `done:` of the CLI (the scoring run) and its whole process, start-up included. */
  done: number;
  total: number;
}

/**
 * memscope's client over a bare loop behind a proxy that adds 250 ms to every call (both in
 * processes of their own, in front of `memscope serve`): the same bodies at 8 threads, against
 * the real CLI at --concurrency 8, timed from its spawn to its exit.
 */
export async function proxyOverhead(memories: number, rounds: number, delayMs = 250): Promise<{ calls: number; rounds: OverheadRound[] }> {
  const dir = await tempDir();
  const serve = await startServe();
  const proxy = await startProcess([testScript('servers/proxy.ts')], { UPSTREAM: serve.url, DELAY: String(delayMs) });
  try {
    const file = join(dir.path, 'context.json');
    await writeFile(file, JSON.stringify(scaleChat({ memories, responses: memories * 3, tokens: memories * 500 })));
    const prompts = fullMatrixPrompts(await load(file));
    const out: OverheadRound[] = [];
    // Warms the loop's client and the proxy. With the last prompts: a run leaves those in the
    // server's prefix cache, so that the loop and the CLI find it in the same state every round.
    await timeBareLoop(proxy.url, prompts.slice(-8), 8);
    for (let round = 0; round < rounds; round++) {
      const bare = await timeBareLoop(proxy.url, prompts, 8);
      const start = performance.now();
      const run = await runCliTimed([BIN, 'score', file, '--url', proxy.url, '--concurrency', '8', '--headless']);
      const total = performance.now() - start;
      const done = /^done: \d+ calls in ([\d.]+)s/m.exec(run.stderr);
      if (run.code !== 0 || done === null) throw new Error(`the CLI exited ${run.code}: ${run.stderr.trim().split('\n').at(-1)}`);
      out.push({ bare, done: Number(done[1]) * 1000, total });
    }
    return { calls: prompts.length, rounds: out };
  } finally {
    await proxy.stop();
    await serve.stop();
    await dir.remove();
  }
}

function runCliTimed(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
