// What a run's calls cost a GPU server, and the scheduling rules that keep it near the ideal.
// A server's cost is the prompt tokens it computes (prefill), less what its prefix cache holds.
// For an exact full matrix the ideal is C* = L + Σ(L − pᵢ − ℓᵢ) when the server reuses prefixes
// (pᵢ, ℓᵢ: where memory i first appears and how long its nodes are; L: the baseline up to its
// last response) and (N+1)·L when it cannot (vLLM with prompt logprobs).
//
// Rules, each measured on test/servers/gpu-sim.ts (see the README's Performance section):
// - no call longer than the last token it needs: prompts end with the last response in range
//   (what follows it cannot change any response's logprob);
// - on a server that batches calls and reads its prefix cache when it admits one (SGLang), the
//   baseline goes first and the rows wait for its answer, so that none is admitted in the same
//   step as the baseline and finds nothing cached; elsewhere waiting would only cost a round trip;
// - with replicas, rows go to the least busy one in memory order: each replica's first row seeds
//   its cache with a prefix of the baseline, and the extra cost is about one L per replica.
import { firstMemoryEntries, isAssistant, type AstNode, type Context } from '../context/context.ts';
import { PromptLayout, type EntryRange } from '../scoring/prompt.ts';
import type { Scorer } from '../scoring/scorer.ts';

/** The range ends with its last assistant response (or is left whole when it has none). */
export function trimToLastResponse(entries: readonly AstNode[], range: EntryRange): EntryRange {
  for (let i = range.end - 1; i >= range.start; i--) {
    if (isAssistant(entries[i]!)) return i + 1 === range.end ? range : { start: range.start, end: i + 1 };
  }
  return range;
}

/** The last `count` entries, up to their last response: the calls of a finetune run. */
export function finetuneRange(entries: readonly AstNode[], count: number): EntryRange {
  return trimToLastResponse(entries, { start: Math.max(0, entries.length - count), end: entries.length });
}

/** The whole conversation, up to its last response: every call of a full or estimate run. */
export function scoredRange(context: Context): EntryRange {
  const entries = context.sections.conversation;
  return trimToLastResponse(entries, { start: 0, end: entries.length });
}

/** Whether rows should wait for the baseline's answer: where the server batches calls and reads
 *  its prefix cache at admission (see Scorer.batchedPrefixCache). */
export function baselineFirst(scorer: Scorer): boolean {
  return scorer.batchedPrefixCache === true;
}

export interface FullMatrixCost {
  /** The baseline's length up to its last response. */
  readonly L: number;
  readonly memories: number;
  /** L + Σ(L − pᵢ − ℓᵢ): the prefill tokens of an exact matrix on a server that reuses prefixes. */
  readonly ideal: number;
  /** (N+1)·L: the same without prefix reuse. */
  readonly naive: number;
}

/** The ideal and the naive prefill cost of an exact full matrix of this context. */
export function fullMatrixCost(context: Context): FullMatrixCost {
  const layout = new PromptLayout(context, scoredRange(context));
  const L = layout.full.length;
  const first = new Map<string, number>();
  const length = new Map<string, number>();
  for (const { key, from, to } of layout.memories) {
    if (!first.has(key)) first.set(key, from);
    length.set(key, (length.get(key) ?? 0) + to - from);
  }
  // Memories after the last response are keys too (a row of zeros); their prompt is the baseline.
  for (const { key } of firstMemoryEntries(context)) {
    if (!first.has(key)) {
      first.set(key, L);
      length.set(key, 0);
    }
  }
  let ideal = L;
  for (const [key, p] of first) ideal += Math.max(0, L - p - length.get(key)!);
  return { L, memories: first.size, ideal, naive: (first.size + 1) * L };
}

/** 1234 → "1,234"; 5001777 → "5.00M". Not toLocaleString: its first call sets up ICU, ~15 ms
 *  spent between a run's first answer and its next call. */
export function tokensText(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
