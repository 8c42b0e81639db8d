// Wiring one scoring run from settings: the context, the scorer (built-in or HTTP), the engine.
import { BuiltinScorer } from './builtin-scorer.ts';
import { MODEL_NAME } from './builtin-model.ts';
import { ScoringEngine, type ModeOptions } from './engine.ts';
import { loadContext, type LoadedContext } from './load-context.ts';
import type { ScoreSettings } from './score-settings.ts';
import { ReplicaPool } from './replica-pool.ts';
import { HttpScorer } from './score-client.ts';
import type { Scorer } from './scorer.ts';
import { WeightStore } from './weight-store.ts';

export interface PreparedRun {
  readonly loaded: LoadedContext;
  readonly scorer: Scorer;
  readonly engine: ScoringEngine;
  readonly modeOptions: ModeOptions;
  readonly model: string | null;
}

export async function prepareRun(settings: ScoreSettings, signal?: AbortSignal): Promise<PreparedRun> {
  const loaded = await loadContext(settings.file);
  const builtin = settings.urls.length === 0;
  const model = settings.model ?? loaded.context.model ?? (builtin ? MODEL_NAME : null);
  const http = (url: string) => new HttpScorer({ url, model, apiKey: settings.apiKey, timeoutMs: settings.timeoutMs, connections: settings.concurrency });
  const scorer: Scorer = builtin
    ? new BuiltinScorer({ latencyMs: settings.latencyMs })
    : settings.urls.length === 1
      ? http(settings.urls[0]!)
      : new ReplicaPool(settings.urls.map(http));
  let modeOptions: ModeOptions;
  switch (settings.mode) {
    case 'full':
      modeOptions = { mode: 'full', estimate: settings.estimate, seed: settings.seed };
      break;
    case 'single':
      modeOptions = { mode: 'single', key: settings.key! };
      break;
    case 'finetune':
      modeOptions = { mode: 'finetune', count: settings.count };
      break;
    case 'incremental':
      modeOptions = {
        mode: 'incremental',
        store: await WeightStore.open(settings.storePath),
        maxAgeSeconds: settings.maxAgeSeconds,
        window: settings.window,
        alpha: settings.alpha,
      };
      break;
  }
  const engine = new ScoringEngine(loaded.context, {
    scorer,
    model,
    concurrency: settings.concurrency,
    priority: settings.priority,
    ...(signal ? { signal } : {}),
  });
  return { loaded, scorer, engine, modeOptions, model };
}
