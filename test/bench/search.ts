// The group search's bench (`score --search`): against the exact matrix and `--estimate 64`, in
// calls, prefill tokens, time and recall of the cells ≥ T. Run alone:
//   npm run build && node dist/test/bench/search.js [--tiny]
// Prefill tokens are counted by a prefix-reuse rule on the calls' prompts: a call computes the
// tokens after the prefix it shares with the baseline prompt (from its first removed memory to
// its end); the baseline computes all of its own. The built-in scorer's own count (its prefix
// cache, 4 recent prompts, shared by concurrent calls) is given beside it.
import { pathToFileURL } from 'node:url';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { chatToContext } from '../../src/context/chat-format.ts';
import type { Context } from '../../src/context/context.ts';
import { commonPrefix } from '../../src/core/common-prefix.ts';
import { ScoringEngine, type ModeOptions } from '../../src/engine/engine.ts';
import type { FullResult } from '../../src/engine/events.ts';
import { DEFAULT_THRESHOLD } from '../../src/engine/group-search.ts';
import type { ScoreCall, Scorer } from '../../src/scoring/scorer.ts';
import { fixture } from '../support/helpers.ts';
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

export interface SearchBenchRow {
  readonly name: string;
  readonly memories: number;
  readonly exact: Measured;
  readonly search: Measured;
  readonly estimate: Measured | undefined;
  readonly recall: { cells: number; found: number; wrong: number };
}

export async function searchBench(tiny: boolean): Promise<SearchBenchRow[]> {
  const sparse = tiny ? sparseContext(40, 10, 1, 15) : sparseContext(300, 10, 1, 40);
  const inputs: [string, Context, boolean][] = [
    [tiny ? 'sparse 40 (1 in 10 matters)' : 'sparse 300 (1 in 10 matters)', chatToContext(sparse.chat), false],
    [tiny ? 'medium.json' : 'large.json', await load(fixture(tiny ? 'medium.json' : 'large.json')), true],
  ];
  const rows: SearchBenchRow[] = [];
  for (const [name, context, withEstimate] of inputs) {
    const exact = await measure(context, { mode: 'full' });
    const search = await measure(context, { mode: 'full', search: { threshold: DEFAULT_THRESHOLD } });
    const estimate = withEstimate ? await measure(context, { mode: 'full', estimate: 64, seed: 1 }) : undefined;
    rows.push({ name, memories: exact.result.memories.length, exact, search, estimate, recall: recall(exact.result, search.result, DEFAULT_THRESHOLD) });
  }
  return rows;
}

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The bench table's rows: [what, figure, target]. */
export function searchTableRows(rows: readonly SearchBenchRow[]): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const { name, memories, exact, search, estimate, recall: r } of rows) {
    const sparse = name.startsWith('sparse');
    out.push([
      `6. --search T=1, ${name}, ${memories} memories, vs the exact matrix: prefill tokens (prefix-reuse rule)`,
      `**${pct(search.tokens, exact.tokens)}** (${search.tokens.toLocaleString('en')} of ${exact.tokens.toLocaleString('en')}); built-in scorer's own count ${pct(search.builtinTokens, exact.builtinTokens)}`,
      sparse ? '≤ 20%' : estimate ? `< --estimate 64's tokens` : '',
    ]);
    out.push([`   calls, time (built-in scorer in-process, concurrency 8)`, `${search.calls} calls vs ${exact.calls}; ${s(search.ms)} vs ${s(exact.ms)}`, '']);
    out.push([`   recall of the cells ≥ T, with their exact values`, `**${(r.found / Math.max(1, r.cells)).toFixed(3)}** (${r.found} of ${r.cells}; ${r.wrong} cells differ from exact)`, '1.0']);
    if (estimate) out.push([`   --estimate 64 on it: prefill tokens`, `${pct(estimate.tokens, exact.tokens)} (${estimate.tokens.toLocaleString('en')}), ${estimate.calls} calls`, '']);
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const rows = searchTableRows(await searchBench(process.argv.includes('--tiny')));
  console.log('| measure | figure | target |\n| --- | --- | --- |');
  for (const [what, figure, target] of rows) console.log(`| ${what.replace(/^ {3}/, '↳ ')} | ${figure} | ${target} |`);
}
