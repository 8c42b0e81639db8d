// `npm run bench`: memscope's performance figures, measured side by side in one run and printed
// as one table (medians of several runs). `--quick` is a fast smoke run on smaller inputs;
// `--tiny` runs every piece on the smallest inputs (test/bench.test.ts uses it).
//
//   1. full matrix against `memscope serve --latency 50`: concurrency 8 vs 1
//   2. the same run over a bare undici loop sending the same prompts at the same concurrency
//   3. built-in scorer, full matrix: tokens computed with prefix reuse, and wall time
//   4. --estimate: calls, Spearman and top-10 recall against the exact matrix; LASSO fit time
//   5. the scale context (1,000 memories, 5,000 responses, 2M tokens): peak RSS of the engine
//      and of the real CLI over HTTP, built-in scorer tokens/s
//   6. --search: prefill tokens, calls, time and recall of the cells ≥ T against the exact matrix
import { cpus, totalmem } from 'node:os';
import { startServe } from '../support/helpers.ts';
import { fixture } from '../support/helpers.ts';
import {
  builtinFull,
  cliScaleRun,
  estimateRun,
  fitTimes,
  fullMatrixPrompts,
  load,
  median,
  scaleRun,
  timeBareLoop,
  timeHttpFull,
  type EstimateRun,
} from './measure.ts';
import { searchBench, searchTableRows } from './search.ts';

const tiny = process.argv.includes('--tiny');
const quick = tiny || process.argv.includes('--quick');
const config = tiny
  ? { served: 'small.json', reuse: 'small.json', rounds: 1, reuseRounds: 1, estimateFixtures: ['small.json'], ks: [6], seeds: [1, 2], fit: { file: 'small.json', k: 6 }, scale: 'tiny' as const }
  : quick
    ? { served: 'medium.json', reuse: 'large.json', rounds: 1, reuseRounds: 1, estimateFixtures: ['medium.json'], ks: [32], seeds: [1], fit: { file: 'medium.json', k: 32 }, scale: 'quick' as const }
    : { served: 'large.json', reuse: 'large.json', rounds: 3, reuseRounds: 5, estimateFixtures: ['medium.json', 'large.json'], ks: [32, 64], seeds: [1, 2, 3, 4, 5], fit: { file: 'large.json', k: 64 }, scale: 'full' as const };

const started = performance.now();
const note = (text: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rows: [string, string, string][] = [];
// Targets are for the full configuration; a smoke run on smaller inputs is not held to them.
const row = (what: string, figure: string, target = '') => rows.push([what, figure, quick ? '' : target]);

// ── 1 and 2: concurrency, and the client's overhead over a bare loop ──────────
{
  const file = fixture(config.served);
  const prompts = fullMatrixPrompts(await load(file));
  const server = await startServe(['--latency', '50']);
  const times = { c8: [] as number[], bare8: [] as number[], c1: [] as number[], bare1: [] as number[] };
  try {
    // A warm-up call sequence, so that no run pays for the server's first compilation.
    await timeBareLoop(server.url, prompts.slice(0, 8), 8);
    for (let round = 1; round <= config.rounds; round++) {
      times.c8.push((await timeHttpFull(file, server.url, 8)).ms);
      times.bare8.push(await timeBareLoop(server.url, prompts, 8));
      times.c1.push((await timeHttpFull(file, server.url, 1)).ms);
      times.bare1.push(await timeBareLoop(server.url, prompts, 1));
      note(`round ${round}/${config.rounds}: memscope c8 ${s(times.c8.at(-1)!)}, bare c8 ${s(times.bare8.at(-1)!)}, memscope c1 ${s(times.c1.at(-1)!)}, bare c1 ${s(times.bare1.at(-1)!)}`);
    }
  } finally {
    await server.stop();
  }
  const [c8, bare8, c1, bare1] = [median(times.c8), median(times.bare8), median(times.c1), median(times.bare1)];
  const calls = prompts.length;
  row(`1. ${config.served}, ${calls} calls to \`serve --latency 50\`: concurrency 8 vs 1`, `**${(c1 / c8).toFixed(2)}×** (${s(c1)} → ${s(c8)})`, '≥ 6×');
  row(`   the same, against a bare sequential undici loop (c1)`, `${(bare1 / c8).toFixed(2)}× (${s(bare1)} → ${s(c8)})`, '');
  row(`2. memscope c8 over a bare undici loop c8 (same prompts)`, `**${(c8 / bare8).toFixed(3)}** (${s(c8)} / ${s(bare8)})`, '≤ 1.10');
}

// ── 3: prefix reuse in the built-in scorer ────────────────────────────────────
const exactMax = new Map<string, number[]>();
{
  const file = fixture(config.reuse);
  const withReuse: number[] = [];
  const without: number[] = [];
  let run = await builtinFull(file, true);
  exactMax.set(config.reuse, run.result.memories.map((m) => m.max));
  for (let round = 1; round <= config.reuseRounds; round++) {
    without.push((await builtinFull(file, false)).ms);
    run = await builtinFull(file, true);
    withReuse.push(run.ms);
    note(`prefix reuse round ${round}/${config.reuseRounds}: ${s(withReuse.at(-1)!)} with, ${s(without.at(-1)!)} without`);
  }
  const N = run.result.memories.length;
  row(`3. built-in, ${config.reuse} full matrix (${N} ablations): tokens computed / N·L`, `**${(run.ablationTokensComputed / run.naive).toFixed(3)}** (${run.ablationTokensComputed.toLocaleString('en')} of ${run.naive.toLocaleString('en')})`, `ideal Σ(L−pos)/(N·L) = ${(run.ideal / run.naive).toFixed(3)}`);
  row(`   wall time with prefix reuse / without`, `**${(median(withReuse) / median(without)).toFixed(2)}** (${s(median(withReuse))} / ${s(median(without))})`, '');
}

// ── 4: the estimator ──────────────────────────────────────────────────────────
{
  for (const name of config.estimateFixtures) {
    if (!exactMax.has(name)) exactMax.set(name, (await builtinFull(fixture(name), true)).result.memories.map((m) => m.max));
    const exact = exactMax.get(name)!;
    for (const K of config.ks) {
      const runs: EstimateRun[] = [];
      for (const seed of config.seeds) runs.push(await estimateRun(fixture(name), K, seed, exact));
      const sp = runs.map((r) => r.spearman);
      const rc = runs.map((r) => r.recall);
      const N = exact.length;
      const target = name === 'large.json' && K === 64 ? 'Spearman ≥ 0.8, recall ≥ 0.8' : '';
      row(
        `4. --estimate ${K}, ${name} (${N} memories), ${runs.length} seed${runs.length > 1 ? 's' : ''}`,
        `${runs[0]!.calls} calls vs ${N + 1} (${(runs[0]!.calls / (N + 1)).toFixed(2)}); Spearman **${median(sp).toFixed(3)}** (min ${Math.min(...sp).toFixed(3)}); top-10 recall **${median(rc).toFixed(2)}** (min ${Math.min(...rc).toFixed(2)})`,
        target,
      );
      note(`estimate ${name} K=${K}: Spearman ${sp.map((x) => x.toFixed(3)).join(' ')}`);
    }
  }
  const fit = await fitTimes(fixture(config.fit.file), config.fit.k, 5);
  row(`   LASSO fit alone: ${fit.responses} responses × ${fit.memories} memories × ${config.fit.k} ablations`, `**${median(fit.ms).toFixed(0)} ms** (median of ${fit.ms.length})`, '≪ 1 s');
}

// ── 5: the scale context ──────────────────────────────────────────────────────
{
  const estimate = await scaleRun('estimate', config.scale, 16);
  note(`scale, --estimate 16 in-process: peak RSS ${(estimate.rssPeak / 2 ** 20).toFixed(0)} MiB in ${s(estimate.ms)}`);
  const engine = await scaleRun('engine-full', config.scale);
  note(`scale, full mode, engine alone: peak RSS ${(engine.rssPeak / 2 ** 20).toFixed(0)} MiB in ${s(engine.ms)}`);
  const cli = await cliScaleRun(config.scale, 8);
  note(`scale, the CLI over HTTP at concurrency 8: peak RSS ${(cli.rssPeak / 2 ** 20).toFixed(0)} MiB in ${s(cli.ms)}`);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const what = `${estimate.memories.toLocaleString('en')} memories, ${estimate.responses.toLocaleString('en')} responses, ${(estimate.tokens / 1e6).toFixed(2)}M tokens`;
  row(`5. scale context (${what}): full mode, engine alone (${engine.calls} calls to a scorer that answers at once; half the cells scored, the densest a causal model gives)`, `peak RSS **${mib(engine.rssPeak)}** (${mib(engine.rssLoaded)} after loading), ${s(engine.ms)}`, '< 500 MB');
  row(`   the real CLI, \`score --json --concurrency 8\` over HTTP to a server that answers at once, as many cells scored (${cli.calls} calls)`, `peak RSS **${mib(cli.rssPeak)}**, ${s(cli.ms)}`, '< 500 MB');
  row(`   --estimate 16 with the built-in scorer in-process (${estimate.calls} calls)`, `peak RSS **${mib(estimate.rssPeak)}**, ${s(estimate.ms)}`, '< 500 MB');
  row(`   built-in scorer throughput on it`, `**${(estimate.tokensComputed / estimate.ms / 1000).toFixed(2)}M tokens/s** (${(estimate.tokensComputed / 1e6).toFixed(1)}M tokens computed)`, '');
}

// ── 6: the group search (--search) ────────────────────────────────────────────
{
  const results = await searchBench(tiny);
  for (const r of results) note(`search ${r.name}: ${r.search.computed} tokens computed vs ${r.exact.computed} exact, recall ${r.recall.found}/${r.recall.cells}`);
  for (const [what, figure, target] of searchTableRows(results)) row(what, figure, target);
}

const cpu = cpus();
console.log(`memscope bench${tiny ? ' --tiny' : quick ? ' --quick (smoke run, smaller inputs)' : ''}: ${new Date().toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
console.log('| measure | figure | target |');
console.log('| --- | --- | --- |');
for (const [what, figure, target] of rows) console.log(`| ${what.replace(/^ {3}/, '↳ ')} | ${figure} | ${target} |`);
