// Wiring one scoring run from settings: the context (tokenized in-process or by the server),
// the scorer (built-in, /score or /completions), the engine.
import { BuiltinScorer } from '../builtin/builtin-scorer.ts';
import { MODEL_NAME } from '../builtin/builtin-model.ts';
import { CompletionsScorer } from '../scoring/completions-client.ts';
import { ScoringEngine, type ModeOptions } from '../engine/engine.ts';
import { loadContext, type LoadedContext } from '../context/load-context.ts';
import type { ScoreSettings } from './score-settings.ts';
import { ReplicaPool } from '../scoring/replica-pool.ts';
import { RetryingScorer } from '../scoring/retrying-scorer.ts';
import { HttpScorer } from '../scoring/score-client.ts';
import type { Scorer } from '../scoring/scorer.ts';
import { ServerTokenizer } from '../scoring/server-tokenizer.ts';
import type { TextTemplate } from '../context/text-template.ts';
import { WeightStore } from '../engine/weight-store.ts';

export interface PreparedRun {
  readonly loaded: LoadedContext;
  readonly scorer: Scorer;
  readonly engine: ScoringEngine;
  readonly modeOptions: ModeOptions;
  readonly model: string | null;
}

export interface ServerTokenizing {
  readonly url: string;
  readonly model: string | null;
  readonly template: TextTemplate;
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly signal?: AbortSignal | undefined;
}

/** Loads a context; chat input goes through the server's tokenizer when `server` is given. */
export async function loadWithTokenizer(file: string, server: ServerTokenizing | undefined): Promise<LoadedContext> {
  if (server === undefined) return loadContext(file);
  const opened: ServerTokenizer[] = [];
  const tokenizer = (model: string | null) => {
    // --model wins over the file's, as for scoring.
    const created = new ServerTokenizer({ ...server, model: server.model ?? model });
    opened.push(created);
    return created;
  };
  try {
    return await loadContext(file, { tokenizer, template: server.template });
  } finally {
    await Promise.all(opened.map((t) => t.close()));
  }
}

function createScorer(settings: ScoreSettings, model: string | null): Scorer {
  if (settings.urls.length === 0) return new BuiltinScorer({ latencyMs: settings.latencyMs });
  const replica = (url: string): Scorer => {
    const http = { url, model, apiKey: settings.apiKey, timeoutMs: settings.timeoutMs, connections: settings.concurrency };
    return settings.backend === 'completions' ? new CompletionsScorer({ ...http, field: settings.logprobsField }) : new HttpScorer(http);
  };
  // Several replicas: each call goes to the least busy one, a failing one is set aside and the
  // call tried elsewhere; the retries with backoff wrap the whole pool.
  const scorer = settings.urls.length === 1 ? replica(settings.urls[0]!) : new ReplicaPool(settings.urls.map(replica));
  return new RetryingScorer(scorer, { retries: settings.retries, baseDelayMs: settings.retryDelayMs });
}

/** The run's context as the settings say to read it (built-in or server tokenizer). */
export function loadForSettings(settings: ScoreSettings, signal?: AbortSignal): Promise<LoadedContext> {
  const server =
    settings.tokenizer === 'server'
      ? {
          url: settings.urls[0]!,
          model: settings.model ?? null,
          template: settings.template!,
          apiKey: settings.apiKey,
          timeoutMs: settings.timeoutMs,
          concurrency: settings.concurrency,
          signal,
        }
      : undefined;
  return loadWithTokenizer(settings.file, server);
}

/** `preloaded` skips reading the file again (watch mode has just read it). */
export async function prepareRun(settings: ScoreSettings, signal?: AbortSignal, preloaded?: LoadedContext): Promise<PreparedRun> {
  const builtin = settings.urls.length === 0;
  const loaded = preloaded ?? (await loadForSettings(settings, signal));
  const model = settings.model ?? loaded.context.model ?? (builtin ? MODEL_NAME : null);
  const scorer = createScorer(settings, model);
  let modeOptions: ModeOptions;
  switch (settings.mode) {
    case 'full':
      modeOptions = { mode: 'full', estimate: settings.estimate, seed: settings.seed, search: settings.search === undefined ? undefined : { threshold: settings.search } };
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
