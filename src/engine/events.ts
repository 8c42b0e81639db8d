// The typed events the engine emits: the only thing the screen, the headless printer and
// session recordings know of a run. Sessions store them, so their zod schemas are the source of
// truth; the types are derived. Key order in the result schemas is the order of the JSON output.
import { z } from 'zod';

export const MODES = ['full', 'single', 'incremental', 'finetune'] as const;
export const ModeSchema = z.enum(MODES);
export type Mode = z.infer<typeof ModeSchema>;

/** How the screen's header and the headless lines name each mode. */
export const MODE_TITLES: Record<Mode, string> = { full: 'full matrix', single: 'single memory', incremental: 'incremental', finetune: 'fine-tune candidates' };

export const MemoryRefSchema = z.strictObject({
  key: z.string(),
  /** Index of the memory's first appearance in the conversation. */
  entry: z.number().int().nonnegative(),
});
export type MemoryRef = z.infer<typeof MemoryRefSchema>;

export const FullResultSchema = z.strictObject({
  mode: z.literal('full'),
  model: z.string().nullable(),
  memories: z.array(
    z.strictObject({
      key: z.string(),
      /** The memory's largest divergence over the responses; with --noise, the largest above the noise (0 when only noise moved it). */
      max: z.number(),
      failed: z.boolean(),
      reason: z.string().optional(),
      /** --search: whether the memory was scored alone (its row is exact). */
      exact: z.boolean().optional(),
      /** --search, a memory never scored alone: the largest divergence its smallest ablated group caused on a response after it. */
      bound: z.number().optional(),
    }),
  ),
  /** `noise` (--noise N > 0): the response's noise floor; a cell within NOISE_FACTOR × it is noise. */
  responses: z.array(z.strictObject({ entry: z.number().int(), baseline: z.number(), noise: z.number().nonnegative().optional() })),
  matrix: z.array(z.array(z.number())),
  calls: z.number().int(),
  /** Present when the matrix is estimated from this many random ablations (--estimate K). */
  estimate: z.number().int().positive().optional(),
  /** Present for a group search (--search): its threshold, and its ablation calls (the baseline not counted). */
  search: z
    .strictObject({
      threshold: z.number().positive(),
      calls: z.number().int().nonnegative(),
      /** --noise: the highest threshold the noise floor raised T to (NOISE_FACTOR × a response's floor, where above T); absent when it raised none. */
      raised: z.number().positive().optional(),
    })
    .optional(),
});

export const SingleResultSchema = z.strictObject({
  mode: z.literal('single'),
  key: z.string(),
  score: z.number(),
  /** --noise N > 0: the summed noise floor of the responses scored; a score within NOISE_FACTOR × it is noise. */
  noise: z.number().nonnegative().optional(),
  calls: z.number().int(),
});

export const IncrementalResultSchema = z.strictObject({
  mode: z.literal('incremental'),
  /** `noise` (--noise N > 0): the largest noise floor of the responses in the memory's window (its score is the largest divergence there). */
  scored: z.array(z.strictObject({ key: z.string(), score: z.number(), weight: z.number(), noise: z.number().nonnegative().optional() })),
  skipped: z.array(z.strictObject({ key: z.string(), reason: z.string(), failed: z.literal(true).optional() })),
  calls: z.number().int(),
});

export const FinetuneResultSchema = z.strictObject({
  mode: z.literal('finetune'),
  /** `noise` (--noise N > 0): the response's noise floor; a divergence within NOISE_FACTOR × it is noise. */
  candidates: z.array(z.strictObject({ entry: z.number().int(), divergence: z.number(), noise: z.number().nonnegative().optional() })),
  calls: z.number().int(),
});

export const RunResultSchema = z.discriminatedUnion('mode', [FullResultSchema, SingleResultSchema, IncrementalResultSchema, FinetuneResultSchema]);

export type FullResult = z.infer<typeof FullResultSchema>;
export type SingleResult = z.infer<typeof SingleResultSchema>;
export type IncrementalResult = z.infer<typeof IncrementalResultSchema>;
export type FinetuneResult = z.infer<typeof FinetuneResultSchema>;
export type RunResult = z.infer<typeof RunResultSchema>;

const CallId = z.number().int().nonnegative();

export const EngineEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('run-started'),
    mode: ModeSchema,
    model: z.string().nullable(),
    backend: z.string(),
    /** The memories this run scores, in scoring order. */
    memories: z.array(MemoryRefSchema),
    /** Conversation indices of the responses this run scores. */
    responses: z.array(z.number().int().nonnegative()),
    totalCalls: z.number().int().nonnegative(),
    /** A group search (--search T): totalCalls counts its first level; splits add to it. */
    search: z.strictObject({ threshold: z.number().positive() }).optional(),
  }),
  z.strictObject({ type: z.literal('activity'), text: z.string() }),
  z.strictObject({ type: z.literal('call-started'), call: CallId, label: z.string() }),
  z.strictObject({
    type: z.literal('call-retry'),
    call: CallId,
    label: z.string(),
    attempt: z.number().int().positive(),
    /** Retries a call gets in all (sessions recorded before it was added have none). */
    of: z.number().int().nonnegative().optional(),
    delayMs: z.number().nonnegative(),
    reason: z.string(),
  }),
  z.strictObject({ type: z.literal('call-done'), call: CallId, ok: z.boolean() }),
  /** The baseline logprob of each run-started response (full, single and fine-tune modes). */
  z.strictObject({ type: z.literal('baseline-done'), scores: z.array(z.number()) }),
  z.strictObject({ type: z.literal('row-started'), key: z.string(), index: z.number().int().nonnegative() }),
  z.strictObject({
    type: z.literal('row-done'),
    key: z.string(),
    index: z.number().int().nonnegative(),
    divergences: z.array(z.number()),
    max: z.number(),
    /** Index in run-started `responses` of divergences[0]: windowed modes score a slice. */
    first: z.number().int().nonnegative(),
    /** The row's own baseline, aligned with divergences, when it was scored over its own window. */
    baseline: z.array(z.number()).optional(),
  }),
  z.strictObject({ type: z.literal('row-failed'), key: z.string(), index: z.number().int().nonnegative(), reason: z.string() }),
  z.strictObject({ type: z.literal('memory-scored'), key: z.string(), score: z.number(), weight: z.number() }),
  z.strictObject({ type: z.literal('memory-skipped'), key: z.string(), reason: z.string() }),
  /**
   * --estimate: the matrix as estimated from the ablations so far (memories × responses), and
   * each memory's max. `final` on the last one, which is the run's result. The matrix is the
   * engine's live estimate, refitted in place at each update (it can be 1,000 × 5,000): copy
   * what must outlive the next update; `max` is fresh each time.
   */
  z.strictObject({
    type: z.literal('estimate-updated'),
    ablations: z.number().int().nonnegative(),
    of: z.number().int().nonnegative(),
    matrix: z.array(z.array(z.number())),
    max: z.array(z.number()),
    final: z.boolean(),
  }),
  /**
   * --search: the memories first..first+count−1 (run-started order) ablated together, in a call
   * that scores responses 0..reach−1.
   */
  z.strictObject({
    type: z.literal('group-started'),
    first: z.number().int().nonnegative(),
    count: z.number().int().positive(),
    reach: z.number().int().nonnegative(),
  }),
  /**
   * --search: a group's outcome. `cleared`: it moved no response by T, and its memories are done,
   * each with its bound (`called` false when it needed no call: it comes after every response
   * that could flag it). `split`: into halves or single memories, `calls` of which are called
   * next. `exact`: a
   * single memory, whose row-done follows.
   */
  z.strictObject({
    type: z.literal('group-done'),
    first: z.number().int().nonnegative(),
    count: z.number().int().positive(),
    max: z.number(),
    outcome: z.enum(['cleared', 'split', 'exact']),
    called: z.boolean(),
    bounds: z.array(z.number()),
    calls: z.number().int().nonnegative(),
  }),
  /** Relayed from the scorer: a replica set aside after a failure, or answering again. */
  z.strictObject({ type: z.literal('replica-down'), backend: z.string(), reason: z.string(), retryInMs: z.number().nonnegative() }),
  z.strictObject({ type: z.literal('replica-up'), backend: z.string() }),
  z.strictObject({
    type: z.literal('run-done'),
    result: RunResultSchema,
    /** What the server said of this run's prompts, when it says (SGLang): tokens sent, and served from its prefix cache. */
    server: z.strictObject({ requests: z.number().int().nonnegative(), prompt_tokens: z.number().int().nonnegative(), cached_tokens: z.number().int().nonnegative().optional() }).optional(),
  }),
  /**
   * --noise N: each run-started response's noise floor (the spread of its baseline over 1 + N
   * scorings); a cell within factor × its floor is noise. Sent once, before run-done.
   */
  z.strictObject({
    type: z.literal('noise-floor'),
    repeats: z.number().int().positive(),
    factor: z.number().positive(),
    floors: z.array(z.number().nonnegative()),
  }),
  z.strictObject({ type: z.literal('run-failed'), reason: z.string() }),
  z.strictObject({ type: z.literal('run-interrupted') }),
]);

export type EngineEvent = z.infer<typeof EngineEventSchema>;
export type EventListener = (event: EngineEvent) => void;

/** A retry as the user reads it, the same for every call retried in one wave: the activity line
 *  and the headless progress say it once, not once per call. */
export function retryText(event: { readonly attempt: number; readonly of?: number | undefined; readonly delayMs: number; readonly reason: string }): string {
  return `${event.reason}: retry ${event.attempt}${event.of === undefined ? '' : ` of ${event.of}`} in ${(event.delayMs / 1000).toFixed(1)}s`;
}
