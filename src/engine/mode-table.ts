// The scoring modes, in one table: each is built from its options (whose `mode` is its key here).
// Adding a mode: its module in modes/ (its options type and a function returning a ScoringMode)
// and one line here; ModeOptions, the engine and the context-length check follow.
import { estimateMode } from './modes/estimate.ts';
import { finetuneMode } from './modes/finetune.ts';
import { fullMode } from './modes/full.ts';
import { incrementalMode } from './modes/incremental.ts';
import { searchMode } from './modes/search.ts';
import { singleMode } from './modes/single.ts';
import type { ScoringMode } from './scoring-mode.ts';

export const SCORING_MODES = {
  full: fullMode,
  search: searchMode,
  estimate: estimateMode,
  single: singleMode,
  incremental: incrementalMode,
  finetune: finetuneMode,
};

export type ModeName = keyof typeof SCORING_MODES;

/** What a run is asked to do: one mode's options. */
export type ModeOptions = { [K in ModeName]: Parameters<(typeof SCORING_MODES)[K]>[0] }[ModeName];

export function scoringMode(options: ModeOptions): ScoringMode {
  // Indexing by options.mode also checks that every mode's options name a key of the table.
  const create = SCORING_MODES[options.mode] as (options: ModeOptions) => ScoringMode;
  return create(options);
}
