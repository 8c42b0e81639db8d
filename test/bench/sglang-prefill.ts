// Prefill cost of a full matrix on the two stock servers, counted by the servers themselves: the
// SGLang fake (radix prefix cache, --backend sglang) and the vLLM fake (no prefix cache for
// prompt-logprob requests, --backend completions). One headless CLI run per fixture and server;
// the model figure is L + Σ(L − position of memory i) (SGLang) against (N + 1)·L (vLLM).
//
//   node dist/test/bench/sglang-prefill.js [small.json medium.json large.json]
import { loadContext } from '../../src/context/load-context.ts';
import { PromptLayout, fullRange } from '../../src/scoring/prompt.ts';
import { fixture, runCli, startProcess, testScript } from '../support/helpers.ts';
import { memoryPositions } from './measure.ts';

interface Stats {
  calls: number;
  prompt_tokens: number;
  cached_tokens: number;
  computed_tokens: number;
}

const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['small.json', 'medium.json', 'large.json'];
const [sglang, vllm] = await Promise.all([
  startProcess([testScript('servers/sglang-wire.ts'), '--port', '0']),
  startProcess([testScript('servers/vllm-wire.ts'), '--port', '0']),
]);
const root = (url: string) => url.replace(/\/v1$/, '');
const stats = async (url: string) => (await (await fetch(`${root(url)}/_test/stats`)).json()) as Stats;
const reset = (url: string) => fetch(`${root(url)}/_test/reset`, { method: 'POST', body: '{}' });

const rows: string[][] = [['fixture', 'N', 'L', 'server', 'calls', 'requests', 'prompt tokens', 'reused', 'computed', 'model', 'computed/model', 'wall']];
try {
  for (const file of files) {
    const { context } = await loadContext(fixture(file));
    const positions = memoryPositions(context);
    const L = new PromptLayout(context, fullRange(context)).full.length;
    const N = positions.length;
    for (const [name, server, args, model] of [
      ['sglang', sglang, ['--backend', 'sglang', '--noise', '0'], L + positions.reduce((n, p) => n + (L - p), 0)],
      ['vllm', vllm, ['--backend', 'completions', '--noise', '0'], (N + 1) * L],
    ] as const) {
      await reset(server.url);
      const started = performance.now();
      const run = await runCli(['score', fixture(file), '--url', server.url, ...args, '--json']);
      const wall = performance.now() - started;
      if (run.code !== 0) throw new Error(`${file} on ${name}: ${run.stderr}`);
      const calls = (JSON.parse(run.stdout) as { calls: number }).calls;
      const s = await stats(server.url);
      rows.push([file, String(N), String(L), name, String(calls), String(s.calls), String(s.prompt_tokens), String(s.cached_tokens), String(s.computed_tokens), String(model), (s.computed_tokens / model).toFixed(3), `${(wall / 1000).toFixed(1)} s`]);
    }
  }
} finally {
  await Promise.all([sglang.stop(), vllm.stop()]);
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const row of rows) process.stdout.write(`${row.map((cell, c) => cell.padStart(widths[c]!)).join('  ')}\n`);
