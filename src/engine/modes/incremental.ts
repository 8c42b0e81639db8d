// `--mode incremental`: background scoring as the reference's agent does it. The memories not
// scored for --max-age, oldest first, each over the `window` responses after it (a baseline and
// an ablated call in one slot); each score moves the memory's stored weight (an EWMA). With
// --noise a score is the largest divergence above the noise, and the weights are moved once the
// floor is known.
import { errorMessage } from '../../core/errors.ts';
import { tokenCount, type AstNode } from '../../context/context.ts';
import { memoryRefs, nthResponseEnd, responseEntries } from '../conversation.ts';
import { divergence, ewma, maxOf } from '../divergence.ts';
import type { IncrementalResult, MemoryRef } from '../events.ts';
import { Interrupted, type EngineCore, type ScoringMode } from '../scoring-mode.ts';
import type { EntryRange } from '../../scoring/prompt.ts';
import { maxAboveNoise } from '../noise-floor.ts';
import type { WeightStore } from '../weight-store.ts';

/** Incremental scoring only looks at memories in the first 60% of the conversation's tokens. */
export const TOKEN_CUTOFF_PERCENT = 60;
/** The weight EWMA's default smoothing: a new score moves the weight 30% of the way. */
export const DEFAULT_ALPHA = 0.3;

export interface IncrementalOptions {
  readonly mode: 'incremental';
  readonly store: WeightStore;
  readonly maxAgeSeconds: number;
  readonly window: number;
  readonly alpha: number;
  /** Unix seconds; the clock by default. */
  readonly now?: number;
}

export function incrementalMode(options: IncrementalOptions): ScoringMode {
  return {
    // Every memory that is scored when due: which are due depends on the clock at the run.
    promptRanges: (context) => {
      const entries = context.sections.conversation;
      return windows(entries, memoryRefs(context), options.window).eligible.map(({ range }) => range);
    },
    run: (core) => incremental(core, options),
    // A score is the largest divergence over its window (above the noise): its noise, the largest floor there.
    withNoise: (result, floorOf, context) => {
      if (result.mode !== 'incremental') return result;
      const entries = context.sections.conversation;
      const ranges = new Map(windows(entries, memoryRefs(context), options.window).eligible.map((w) => [w.key, w.range]));
      const noiseOf = (key: string) => {
        const range = ranges.get(key);
        return range === undefined ? 0 : Math.max(0, ...responseEntries(entries, range).map(floorOf));
      };
      return { ...result, scored: result.scored.map((s) => ({ key: s.key, score: s.score, weight: s.weight, noise: noiseOf(s.key) })) };
    },
  };
}

interface Window {
  readonly key: string;
  readonly entry: number;
  readonly range: EntryRange;
}

/** Of `refs`, those in the first TOKEN_CUTOFF_PERCENT of the tokens with a response in their window, and the rest with why not. */
function windows(entries: readonly AstNode[], refs: readonly MemoryRef[], window: number): { eligible: Window[]; late: { key: string; reason: string }[] } {
  const totalTokens = entries.reduce((n, node) => n + tokenCount(node), 0);
  const cutoff = Math.floor((totalTokens * TOKEN_CUTOFF_PERCENT) / 100);
  const cumulative: number[] = [];
  let running = 0;
  for (const node of entries) cumulative.push((running += tokenCount(node)));

  const eligible: Window[] = [];
  const late: { key: string; reason: string }[] = [];
  for (const { key, entry } of refs) {
    const cum = cumulative[entry] ?? totalTokens;
    if (cum > cutoff) {
      late.push({ key, reason: `past the first ${TOKEN_CUTOFF_PERCENT}% of the conversation (tokens ${cum} > ${cutoff})` });
      continue;
    }
    const range = { start: entry, end: nthResponseEnd(entries, entry, window) };
    if (responseEntries(entries, range).length === 0) {
      late.push({ key, reason: `no assistant response in entries ${range.start}..${range.end}` });
      continue;
    }
    eligible.push({ key, entry, range });
  }
  return { eligible, late };
}

async function incremental(core: EngineCore, options: IncrementalOptions): Promise<IncrementalResult> {
  const entries = core.context.sections.conversation;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const result: IncrementalResult = { mode: 'incremental', scored: [], skipped: [], calls: 0 };

  const fresh: { key: string; reason: string }[] = [];
  const candidates: (MemoryRef & { last: number })[] = [];
  for (const ref of memoryRefs(core.context)) {
    const last = options.store.get(ref.key)?.last_scored ?? 0;
    const age = now - last;
    if (age >= options.maxAgeSeconds) candidates.push({ ...ref, last });
    else fresh.push({ key: ref.key, reason: `scored ${age}s ago, within --max-age ${options.maxAgeSeconds}s` });
  }
  // Oldest first; Array.prototype.sort is stable, so ties keep conversation order.
  candidates.sort((a, b) => a.last - b.last);
  const { eligible, late } = windows(entries, candidates, options.window);

  const allResponses = responseEntries(entries);
  core.started(
    'incremental',
    eligible.map(({ key, entry }) => ({ key, entry })),
    allResponses,
    eligible.length * 2,
  );
  for (const { key, reason } of [...fresh, ...late]) {
    result.skipped.push({ key, reason });
    core.emit({ type: 'memory-skipped', key, reason });
  }

  const total = candidates.length;
  let started = 0;
  const measured: { key: string; range: EntryRange; divs: number[] }[] = [];
  // A score moves the memory's stored weight (the EWMA), as the reference's agent does; the
  // store is written before the row is said done, so a run killed after it keeps the weight.
  const save = async (key: string, score: number) => {
    const weight = ewma(options.store.get(key)?.weight, score, options.alpha);
    await options.store.set(key, { weight, last_scored: now });
    result.scored.push({ key, score, weight });
    return weight;
  };
  await Promise.all(
    eligible.map(({ key, range }, index) =>
      core.slot(async () => {
        if (core.aborted()) return;
        core.emit({ type: 'activity', text: `scoring: ${++started}/${total} ${key}` });
        core.emit({ type: 'row-started', key, index });
        let divs: number[];
        let baseline: number[];
        try {
          // Inside one slot the two calls go one after the other, as in the reference.
          baseline = await core.baseline(`${key} baseline`, range);
          divs = divergence(baseline, await core.call(key, range, { kind: 'skip-key', key }));
        } catch (error) {
          if (error instanceof Interrupted) return;
          const reason = errorMessage(error);
          result.skipped.push({ key, reason: `failed: ${reason}`, failed: true });
          core.emit({ type: 'row-failed', key, index, reason });
          return;
        }
        const first = allResponses.findIndex((e) => e >= range.start);
        const score = maxOf(divs);
        // With --noise the weight waits for the floor: a score within the noise must not move it.
        const weight = core.noiseRepeats > 0 ? undefined : await save(key, score);
        core.emit({ type: 'row-done', key, index, divergences: divs, max: score, first, baseline });
        if (weight === undefined) measured.push({ key, range, divs });
        else core.emit({ type: 'memory-scored', key, score, weight });
      }),
    ),
  );
  core.throwIfAborted();
  for (const { key, range, divs } of measured) {
    const score = maxAboveNoise(divs, await core.noiseFloors(responseEntries(entries, range)));
    core.emit({ type: 'memory-scored', key, score, weight: await save(key, score) });
  }
  result.calls = core.calls;
  return result;
}
