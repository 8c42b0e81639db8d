// One scale measurement in a process of its own (so its peak RSS is its own), started by
// test/bench/measure.ts scaleRun. Prints a ScaleReport as JSON.
//   node dist/test/bench/scale-child.js estimate|engine-full full|quick|tiny [K]
import { assistantSpans } from '../../src/builtin/builtin-model.ts';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import { memoryRefs, responseEntries } from '../../src/engine/conversation.ts';
import type { FullResult } from '../../src/engine/events.ts';
import { runsLength } from '../../src/scoring/prompt.ts';
import type { ScoreCall, Scorer } from '../../src/scoring/scorer.ts';
import { builtinTemplate } from '../../src/context/template.ts';
import type { ScaleReport } from './measure.ts';
import { SCALE_SIZES, scaleContext, type ScaleSize } from './scale-context.ts';

/**
 * A scorer that answers at once, to measure the engine alone: every response scores −10, and
 * removing a memory lowers every response after it by 1. That is the densest matrix a causal
 * model can give (half the cells), as a real LLM's nearly is; the built-in model's is about 2%.
 * It reads the call's runs of the full prompt, as the HTTP client does, so the engine builds no
 * prompt (as over HTTP).
 */
class InstantScorer implements Scorer {
  readonly backend = 'instant';
  private starts: number[] | undefined;
  tokens = 0;
  score(call: ScoreCall): Promise<number[]> {
    const { base, runs } = call.source!;
    this.tokens += runsLength(runs);
    this.starts ??= assistantSpans(base, builtinTemplate.open('assistant')).map((s) => s.start);
    // Where the prompt first leaves the full one: the end of its first run.
    const removedAt = runs.length > 2 ? runs[1]! : Infinity;
    return Promise.resolve(this.starts.map((start) => (start > removedAt ? -11 : -10)));
  }
  async close() {}
}

const [kind, size = 'full', k = '16'] = process.argv.slice(2);
const context = scaleContext(SCALE_SIZES[size as ScaleSize]);
const rssLoaded = process.memoryUsage().rss;
const entries = context.sections.conversation;
const scorer = kind === 'estimate' ? new BuiltinScorer() : new InstantScorer();
const engine = new ScoringEngine(context, { scorer, model: 'memscope-builtin', concurrency: 4 });
const start = performance.now();
const result = (await engine.run(kind === 'estimate' ? { mode: 'estimate', count: Number(k), seed: 1 } : { mode: 'full' })) as FullResult;
const ms = performance.now() - start;
const report: ScaleReport = {
  memories: memoryRefs(entries).length,
  responses: responseEntries(entries).length,
  tokens: entries.reduce((n, node) => n + (node.kind === 'message' ? node.open.length + node.close.length + node.children.reduce((m, c) => m + c.tokens.length, 0) : node.tokens.length), 0),
  rssLoaded,
  rssPeak: process.resourceUsage().maxRSS * 1024,
  ms,
  calls: result.calls,
  tokensComputed: scorer instanceof BuiltinScorer ? scorer.stats().tokensComputed : (scorer).tokens,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
