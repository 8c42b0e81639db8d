// The group search's bench (`score --search`): against the exact matrix and `--estimate 64`, in
// calls, prefill tokens, simulated GPU time and recall of the cells ≥ T. Run alone:
//   npm run build && node dist/test/bench/search.js [--tiny]
// Each run is the real CLI (`score --json --concurrency 8`) against the GPU simulator of
// test/servers/gpu-sim.ts (SGLang-like: a prefix cache in 1-token blocks, read up to the last
// token on /score), its cache emptied and counters zeroed before each run: tokens computed and
// reused and busy time are the simulator's /stats. Beside them, a cross-check in-process: prefill
// tokens by a prefix-reuse rule on the calls' prompts (a call computes the tokens after the
// prefix it shares with the baseline prompt; the baseline all of its own).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import type { Context } from '../../src/context/context.ts';
import { commonPrefix } from '../../src/core/common-prefix.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import type { ModeOptions } from '../../src/engine/mode-table.ts';
import type { FullResult } from '../../src/engine/events.ts';
import { DEFAULT_THRESHOLD } from '../../src/engine/group-search.ts';
import type { ScoreCall, Scorer } from '../../src/scoring/scorer.ts';
import { startSim, type Sim } from '../support/gpu-sim.ts';
import { fixture, runCli, tempDir } from '../support/helpers.ts';
import { sparseContext } from '../support/sparse-context.ts';
import { load, MODEL } from './measure.ts';

/** The built-in scorer, counting each call's prefill tokens by the prefix-reuse rule. */
export class PrefillCounter implements Scorer {
  readonly backend = 'built-in (counted)';
  readonly inner = new BuiltinScorer();
  private baseline: Uint32Array | undefined;
  tokens = 0;
  calls = 0;
  async score(call: ScoreCall): Promise<number[]> {
    const prompt = call.prompt;
    // The first call of every mode is the baseline, with nothing removed and nothing cut.
    this.baseline ??= prompt;
    this.tokens += prompt.length - (prompt === this.baseline ? 0 : commonPrefix(prompt, this.baseline));
    this.calls++;
    return this.inner.score(call);
  }
  async close() {}
}

export interface Measured {
  readonly result: FullResult;
  readonly calls: number;
  /** Prefill tokens by the prefix-reuse rule, and as the built-in scorer computed them. */
  readonly tokens: number;
  readonly builtinTokens: number;
  readonly ms: number;
}

export async function measure(context: Context, options: ModeOptions, concurrency = 8): Promise<Measured> {
  const scorer = new PrefillCounter();
  const engine = new ScoringEngine(context, { scorer, model: MODEL, concurrency });
  const start = performance.now();
  const result = (await engine.run(options)) as FullResult;
  const ms = performance.now() - start;
  return { result, calls: scorer.calls, tokens: scorer.tokens, builtinTokens: scorer.inner.stats().tokensComputed, ms };
}

/** Of the exact matrix's cells ≥ T, the share the search holds with their exact value; and any cell it holds wrong. */
export function recall(exact: FullResult, search: FullResult, threshold: number): { cells: number; found: number; wrong: number } {
  let cells = 0;
  let found = 0;
  let wrong = 0;
  exact.matrix.forEach((row, i) =>
    row.forEach((value, j) => {
      const got = search.matrix[i]![j]!;
      if (value >= threshold) {
        cells++;
        if (got === value) found++;
      }
      if (got !== 0 && got !== value) wrong++;
    }),
  );
  return { cells, found, wrong };
}

/** One CLI run against the simulator, from an empty cache. */
export interface Simulated {
  readonly result: FullResult;
  readonly computed: number;
  readonly reused: number;
  readonly busyMs: number;
  readonly wallMs: number;
}

async function simulated(sim: Sim, file: string, flags: string[]): Promise<Simulated> {
  await sim.reset();
  const start = performance.now();
  const out = await runCli(['score', file, '--json', '--url', sim.url, '--concurrency', '8', ...flags], { env: { MEMSCOPE_API_KEY: '' } });
  const wallMs = performance.now() - start;
  if (out.code !== 0) throw new Error(`score ${flags.join(' ')}: ${out.stderr}`);
  const stats = await sim.stats();
  return { result: JSON.parse(out.stdout) as FullResult, computed: stats.tokens_computed, reused: stats.tokens_reused, busyMs: stats.busy_ms, wallMs };
}

export interface SearchBenchRow {
  readonly name: string;
  readonly memories: number;
  readonly exact: Simulated;
  readonly search: Simulated;
  readonly estimate: Simulated | undefined;
  /** The in-process cross-check by the prefix-reuse rule. */
  readonly rule: { readonly exact: Measured; readonly search: Measured };
  readonly recall: { cells: number; found: number; wrong: number };
}

export async function searchBench(tiny: boolean): Promise<SearchBenchRow[]> {
  const dir = await tempDir();
  const sim = await startSim('sglang');
  try {
    const sparseFile = join(dir.path, 'sparse.json');
    await writeFile(sparseFile, JSON.stringify((tiny ? sparseContext(40, 10, 1, 15) : sparseContext(300, 10, 1, 40)).chat));
    const inputs: [string, string, boolean][] = [
      [tiny ? 'sparse 40 (1 in 10 matters)' : 'sparse 300 (1 in 10 matters)', sparseFile, false],
      [tiny ? 'medium.json' : 'large.json', fixture(tiny ? 'medium.json' : 'large.json'), true],
    ];
    const rows: SearchBenchRow[] = [];
    for (const [name, file, withEstimate] of inputs) {
      const exact = await simulated(sim, file, []);
      const search = await simulated(sim, file, ['--search']);
      const estimate = withEstimate ? await simulated(sim, file, ['--estimate', '64', '--seed', '1']) : undefined;
      const context: Context = await load(file);
      const rule = { exact: await measure(context, { mode: 'full' }), search: await measure(context, { mode: 'search', threshold: DEFAULT_THRESHOLD }) };
      rows.push({ name, memories: exact.result.memories.length, exact, search, estimate, rule, recall: recall(exact.result, search.result, DEFAULT_THRESHOLD) });
    }
    return rows;
  } finally {
    await sim.stop();
    await dir.remove();
  }
}

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The bench table's rows: [what, figure, target]. */
export function searchTableRows(rows: readonly SearchBenchRow[]): [string, string, string][] {
  const out: [string, string, string][] = [];
  const n = (x: number) => x.toLocaleString('en');
  for (const { name, memories, exact, search, estimate, rule, recall: r } of rows) {
    const sparse = name.startsWith('sparse');
    out.push([
      `7. --search T=1, ${name}, ${memories} memories, vs the exact matrix, on the GPU simulator (SGLang-like, concurrency 8): prefill tokens computed`,
      `**${pct(search.computed, exact.computed)}** (${n(search.computed)} of ${n(exact.computed)}; reused ${n(search.reused)} vs ${n(exact.reused)})`,
      sparse ? '≤ 20%' : estimate ? `< --estimate 64's` : '',
    ]);
    out.push([`   simulated GPU time; calls`, `${s(search.busyMs)} vs ${s(exact.busyMs)} (${pct(search.busyMs, exact.busyMs)}); ${search.result.calls} calls vs ${exact.result.calls}`, '']);
    out.push([`   recall of the cells ≥ T, with their exact values`, `**${(r.found / Math.max(1, r.cells)).toFixed(3)}** (${r.found} of ${r.cells}; ${r.wrong} cells differ from exact)`, '1.0']);
    out.push([`   cross-check, in-process: prefill tokens by the prefix-reuse rule`, `${pct(rule.search.tokens, rule.exact.tokens)} (${n(rule.search.tokens)} of ${n(rule.exact.tokens)})`, '']);
    if (estimate) out.push([`   --estimate 64 on it: prefill tokens computed, simulated time`, `**${pct(estimate.computed, exact.computed)}** (${n(estimate.computed)}), ${s(estimate.busyMs)}, ${estimate.result.calls} calls`, '']);
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const rows = searchTableRows(await searchBench(process.argv.includes('--tiny')));
  console.log('| measure | figure | target |\n| --- | --- | --- |');
  for (const [what, figure, target] of rows) console.log(`| ${what.replace(/^ {3}/, '↳ ')} | ${figure} | ${target} |`);
}
