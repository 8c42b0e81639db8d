// The benchmark's measurements, one function per figure, so that test/bench.test.ts can run
// each on tiny inputs and the bench code cannot rot. Timing is wall time of the scoring run
// only (not process start-up or file loading).
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { ablationMasks } from '../../src/engine/ablation-estimate.ts';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { tokenCount, type Context } from '../../src/context/context.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import { memoryRefs, responseEntries } from '../../src/engine/conversation.ts';
import { conversationSurrogate } from '../../src/engine/modes/estimate.ts';
import type { FullResult } from '../../src/engine/events.ts';
import { loadContext } from '../../src/context/load-context.ts';
import { NO_FILTER, PromptLayout, fullRange } from '../../src/scoring/prompt.ts';
import { HttpScorer } from '../../src/scoring/score-client.ts';
import type { Scorer } from '../../src/scoring/scorer.ts';
import { BIN, ROOT, runNode, startProcess, tempDir, testScript } from '../support/helpers.ts';
import { SCALE_SIZES, scaleChat, type ScaleSize } from './scale-context.ts';

export const MODEL = 'memscope-builtin';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Ranks from 1, ties sharing their average rank. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]!] === values[order[i]!]) j++;
    for (let k = i; k <= j; k++) out[order[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation (Pearson's on the ranks, ties averaged). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  const ma = ra.reduce((x, y) => x + y, 0) / n;
  const mb = rb.reduce((x, y) => x + y, 0) / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (ra[i]! - ma) * (rb[i]! - mb);
    va += (ra[i]! - ma) ** 2;
    vb += (rb[i]! - mb) ** 2;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

/** How many of the exact top k are in the estimate's top k, over k (ties broken by index). */
export function topRecall(exact: readonly number[], estimate: readonly number[], k: number): number {
  const top = (v: readonly number[]) =>
    v
      .map((x, i) => ({ x, i }))
      .sort((p, q) => q.x - p.x || p.i - q.i)
      .slice(0, k)
      .map((p) => p.i);
  const wanted = new Set(top(exact));
  return top(estimate).filter((i) => wanted.has(i)).length / Math.min(k, exact.length);
}

export async function load(file: string): Promise<Context> {
  return (await loadContext(file)).context;
}

/** Every prompt of a full-mode run (baseline, then each memory removed), as the engine builds them. */
export function fullMatrixPrompts(context: Context): Uint32Array[] {
  const layout = new PromptLayout(context, fullRange(context));
  return [layout.build(NO_FILTER), ...memoryRefs(context.sections.conversation).map(({ key }) => layout.build({ kind: 'skip-key', key }))];
}

/** One full-mode run of the engine; wall time of the run. */
export async function timeFull(context: Context, scorer: Scorer, concurrency: number): Promise<{ ms: number; result: FullResult }> {
  const engine = new ScoringEngine(context, { scorer, model: MODEL, concurrency, priority: 5 });
  const start = performance.now();
  const result = (await engine.run({ mode: 'full' })) as FullResult;
  return { ms: performance.now() - start, result };
}

/** memscope's full mode over HTTP: the real client (HttpScorer) and engine. */
export async function timeHttpFull(file: string, url: string, concurrency: number): Promise<{ ms: number; calls: number }> {
  const context = await load(file);
  const scorer = new HttpScorer({ url, model: MODEL, timeoutMs: 120_000, concurrency });
  try {
    const { ms, result } = await timeFull(context, scorer, concurrency);
    if (result.memories.some((m) => m.failed)) throw new Error(`a row failed: ${result.memories.find((m) => m.failed)?.reason}`);
    return { ms, calls: result.calls };
  } finally {
    await scorer.close();
  }
}

/**
 * The client's physical limit: the same prompts, serialised beforehand, sent with plain undici
 * at the same concurrency; each answer is read and parsed, nothing else.
 */
export async function timeBareLoop(url: string, prompts: readonly Uint32Array[], concurrency: number): Promise<number> {
  const bodies = prompts.map((p) => JSON.stringify({ model: MODEL, prompt: Array.from(p), logprobs: 1, priority: 5 }));
  const dispatcher = new Agent({ connections: concurrency, keepAliveTimeout: 30_000 });
  const endpoint = `${url}/score`;
  let next = 0;
  const start = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const answer = await request(endpoint, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher });
          if (answer.statusCode !== 200) throw new Error(`HTTP ${answer.statusCode}`);
          await answer.body.json();
        }
      }),
    );
    return performance.now() - start;
  } finally {
    await dispatcher.close();
  }
}

export interface ReuseRun {
  ms: number;
  result: FullResult;
  /** Tokens computed for the N ablation calls (the baseline is the first call, from scratch). */
  ablationTokensComputed: number;
  /** N·L and Σ(L − position of memory i), in tokens. */
  naive: number;
  ideal: number;
}

/** The built-in scorer in-process, full matrix, with or without prefix reuse. */
export async function builtinFull(file: string, prefixReuse: boolean): Promise<ReuseRun> {
  const context = await load(file);
  const L = new PromptLayout(context, fullRange(context)).full.length;
  const positions = memoryPositions(context);
  const scorer = new BuiltinScorer({ prefixReuse });
  const { ms, result } = await timeFull(context, scorer, 4);
  return {
    ms,
    result,
    ablationTokensComputed: scorer.stats().tokensComputed - L,
    naive: positions.length * L,
    ideal: positions.reduce((acc, pos) => acc + (L - pos), 0),
  };
}

/** The token position of each memory's first appearance in the baseline prompt. */
export function memoryPositions(context: Context): number[] {
  const entries = context.sections.conversation;
  const L = new PromptLayout(context, fullRange(context)).full.length;
  // The fixed sections come first, then the entries.
  let offset = L - entries.reduce((n, node) => n + tokenCount(node), 0);
  const positions: number[] = [];
  const seen = new Set<string>();
  for (const node of entries) {
    if (node.kind === 'memory' && !seen.has(node.key)) {
      seen.add(node.key);
      positions.push(offset);
    }
    offset += tokenCount(node);
  }
  return positions;
}

export interface EstimateRun {
  calls: number;
  spearman: number;
  recall: number;
}

/** --estimate K on the built-in scorer, compared with the exact matrix's memory maxima. */
export async function estimateRun(file: string, K: number, seed: number, exactMax: readonly number[]): Promise<EstimateRun> {
  const context = await load(file);
  const engine = new ScoringEngine(context, { scorer: new BuiltinScorer(), model: MODEL, concurrency: 4 });
  const result = (await engine.run({ mode: 'estimate', count: K, seed })) as FullResult;
  const max = result.memories.map((m) => m.max);
  return { calls: result.calls, spearman: spearman(exactMax, max), recall: topRecall(exactMax, max, 10) };
}

/** The LASSO fit alone: every response of the context on K ablations, fitted cold, in ms. */
export async function fitTimes(file: string, K: number, repeats: number): Promise<{ memories: number; responses: number; ms: number[] }> {
  const context = await load(file);
  const entries = context.sections.conversation;
  const memories = memoryRefs(entries);
  const responses = responseEntries(entries);
  const layout = new PromptLayout(context, fullRange(context));
  const scorer = new BuiltinScorer();
  const surrogate = conversationSurrogate(entries, memories, responses);
  surrogate.add(0, new Uint8Array(memories.length).fill(1), await scorer.score({ prompt: layout.full, expected: responses.length }));
  for (const [s, mask] of ablationMasks(memories.length, K, 1).entries()) {
    const keys = new Set(memories.filter((_, i) => mask[i] === 0).map((m) => m.key));
    surrogate.add(s + 1, mask, await scorer.score({ prompt: layout.build({ kind: 'skip-keys', keys }), expected: responses.length }));
  }
  const ms: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    surrogate.fit();
    ms.push(performance.now() - start);
  }
  return { memories: memories.length, responses: responses.length, ms };
}

export interface ScaleReport {
  memories: number;
  responses: number;
  tokens: number;
  /** Resident set size after building the context, and at its peak, in bytes. */
  rssLoaded: number;
  rssPeak: number;
  ms: number;
  calls: number;
  tokensComputed: number;
}

/** Runs test/bench/scale-child.ts in its own process, so that its peak RSS is its own. */
export function scaleRun(kind: 'estimate' | 'engine-full', size: ScaleSize, estimate = 16): Promise<ScaleReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [testScript('bench/scale-child.ts'), kind, size, String(estimate)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`scale child exited ${code}: ${err.trim()}`));
      else resolve(JSON.parse(out) as ScaleReport);
    });
  });
}

/**
 * The real CLI scoring the scale context over HTTP (`score FILE --url … --json`) against
 * test/servers/instant-scorer.ts, a server that answers at once with half the cells scored: the
 * client's whole process, HTTP bodies and JSON output included. Its peak RSS is read at its
 * exit by a preload (test/bench/peak-rss.mjs).
 */
export async function cliScaleRun(size: ScaleSize, concurrency: number): Promise<{ rssPeak: number; ms: number; calls: number }> {
  const dir = await tempDir();
  const server = await startProcess([testScript('servers/instant-scorer.ts')]);
  try {
    const file = join(dir.path, 'scale.json');
    await writeFile(file, JSON.stringify(scaleChat(SCALE_SIZES[size])));
    const start = performance.now();
    const run = await runNode(['--import', testScript('bench/peak-rss.ts'), BIN, 'score', file, '--url', server.url, '--concurrency', String(concurrency), '--json']);
    const ms = performance.now() - start;
    const peak = /^peak-rss (\d+)$/m.exec(run.stderr);
    if (run.code !== 0 || peak === null) throw new Error(`the CLI exited ${run.code}: ${run.stderr.trim().split('\n').at(-1)}`);
    return { rssPeak: Number(peak[1]), ms, calls: (JSON.parse(run.stdout) as FullResult).calls };
  } finally {
    await server.stop();
    await dir.remove();
  }
}
