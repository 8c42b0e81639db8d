// Wiring one scoring run from settings: the context (tokenized in-process or by the server),
// the scorer (the backend table's), the engine.
import { checkSingleKey } from './single-key.ts';
import { MODEL_NAME } from '../builtin/builtin-model.ts';
import { ScoringError, errorMessage } from '../core/errors.ts';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { safeJson } from '../core/sanitize.ts';
import { contextToNative } from '../context/native-format.ts';
import type { Context } from '../context/context.ts';
import { LLAMA_CPP_REFUSAL, probeServer, tooLongMessage, GENERATION_ROOM, type ServerFacts } from '../scoring/server-probe.ts';
import { backendRun, type BackendName, type BackendSettings } from './backends.ts';
import { longestPrompt } from './longest-prompt.ts';
import { ScoringEngine } from '../engine/engine.ts';
import { scoringMode, type ModeOptions } from '../engine/mode-table.ts';
import { loadWithModelTemplate } from './model-template.ts';
import { loadContext, type ChatTokenizing, type LoadedContext } from '../context/load-context.ts';
import { loadAgentLog } from '../context/import-log.ts';
import type { ScoreSettings } from './score-settings.ts';
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
  /** What the server said of itself before the run (backends with a probe). */
  readonly server?: ServerFacts | undefined;
}

export interface ServerTokenizing {
  readonly url: string;
  readonly model: string | null;
  readonly template: TextTemplate;
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
  /** Tokenize calls in flight at once (default: the Limiter's). */
  readonly concurrency?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Loads a context; chat input goes through the server's tokenizer when `server` is given. With
 *  `fromLog`, the file is an agent's log, imported with those rules first. */
export async function loadWithTokenizer(file: string, server: ServerTokenizing | undefined, fromLog?: { rules: readonly string[]; span?: string | undefined }): Promise<LoadedContext> {
  const load = (tokenizing?: ChatTokenizing) => (fromLog === undefined ? loadContext(file, tokenizing) : loadAgentLog(file, fromLog.rules, fromLog.span, tokenizing));
  if (server === undefined) return load();
  const opened: ServerTokenizer[] = [];
  const tokenizer = (model: string | null) => {
    // --model wins over the file's, as for scoring.
    const created = new ServerTokenizer({ ...server, model: server.model ?? model });
    opened.push(created);
    return created;
  };
  try {
    return await load({ tokenizer, template: server.template });
  } finally {
    await Promise.all(opened.map((t) => t.close()));
  }
}

/** What a scorer is made from: the settings that choose and configure the backend. */
export interface ScorerSettings extends BackendSettings {
  readonly backend: BackendName;
}

/** The scorer a run uses: the backend table's (built-in, or one client per --url with retries). */
export function createScorer(settings: ScorerSettings, model: string | null): Scorer {
  return backendRun(settings).create(settings, model);
}

/**
 * The run's context as the settings say to read it (built-in or server tokenizer, or the model's
 * own template); `modeOptions`, when known, has the template check the prompts the mode sends.
 */
export function loadForSettings(settings: ScoreSettings, signal?: AbortSignal, modeOptions?: ModeOptions): Promise<LoadedContext> {
  const fromLog = settings.memories === undefined ? undefined : { rules: settings.memories, span: settings.span };
  if (settings.modelTemplate !== undefined) {
    const options = { url: settings.urls[0]!, model: settings.model ?? null, apiKey: settings.apiKey, timeoutMs: settings.timeoutMs, concurrency: settings.concurrency, signal };
    return loadWithModelTemplate(settings.file, settings.modelTemplate, options, modeOptions === undefined ? undefined : (context) => scoringMode(modeOptions).promptRanges(context), fromLog);
  }
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
  return loadWithTokenizer(settings.file, server, fromLog);
}

/** `preloaded` skips reading the file again (watch mode has just read it). */
/** score --write: the scored context in native form, its memory_scores as the run left them. */
async function writeScoredContext(path: string, context: Context): Promise<void> {
  try {
    await writeFileAtomic(path, `${safeJson(contextToNative(context))}\n`);
  } catch (error) {
    throw new ScoringError(`--write: ${path}: cannot write (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`);
  }
}

export async function prepareRun(settings: ScoreSettings, signal?: AbortSignal, preloaded?: LoadedContext): Promise<PreparedRun> {
  const builtin = settings.urls.length === 0;
  let modeOptions: ModeOptions;
  switch (settings.mode) {
    case 'full':
      // --search, else --estimate, else the exact matrix.
      if (settings.search !== undefined) modeOptions = { mode: 'search', threshold: settings.search, splitFraction: 1 - settings.margin };
      else if (settings.estimate !== undefined) modeOptions = { mode: 'estimate', count: settings.estimate, seed: settings.seed };
      else modeOptions = { mode: 'full' };
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
  const loaded = preloaded ?? (await loadForSettings(settings, signal, modeOptions));
  if (modeOptions.mode === 'single') checkSingleKey(loaded.path, loaded.context, modeOptions.key);
  const model = settings.model ?? loaded.context.model ?? (builtin ? MODEL_NAME : null);
  const server = await checkServer(settings, model, longestPrompt(loaded.context, modeOptions), signal);
  const scorer = createScorer(settings, model);
  const engine = new ScoringEngine(loaded.context, {
    scorer,
    model,
    concurrency: settings.concurrency,
    priority: settings.priority,
    noise: settings.noise,
    ...(settings.write !== undefined ? { afterScoring: (context: Context) => writeScoredContext(settings.write!, context) } : {}),
    ...(signal ? { signal } : {}),
  });
  return { loaded, scorer, engine, modeOptions, model, server };
}

/**
 * Before any scoring call, for a backend whose table entry has a probe: a llama.cpp server is
 * refused (it cannot return prompt logprobs), and a run whose longest prompt does not fit the
 * context limit (--max-model-len, or what the server says) stops with one line. The limit of
 * several replicas is the smallest.
 */
async function checkServer(settings: ScoreSettings, model: string | null, longest: number, signal?: AbortSignal): Promise<ServerFacts | undefined> {
  const { probe } = backendRun(settings);
  if (probe === undefined) return undefined;
  const options = { model, apiKey: settings.apiKey, timeoutMs: settings.timeoutMs, signal };
  const facts = await Promise.all(settings.urls.map((url) => probeServer(probe, url, options)));
  const llama = facts.findIndex((f) => f.llamaCpp !== undefined);
  if (llama !== -1) throw new ScoringError(`${settings.urls[llama]}: ${LLAMA_CPP_REFUSAL}`);
  let known: ServerFacts = {};
  if (settings.maxModelLen !== undefined) known = { maxModelLen: settings.maxModelLen, limitSource: '--max-model-len' };
  else {
    for (const [i, f] of facts.entries()) {
      if (f.maxModelLen !== undefined && (known.maxModelLen === undefined || f.maxModelLen < known.maxModelLen)) {
        known = { maxModelLen: f.maxModelLen, limitSource: `${f.limitSource} of ${settings.urls[i]}` };
      }
    }
  }
  if (known.maxModelLen !== undefined && longest > known.maxModelLen - GENERATION_ROOM) {
    throw new ScoringError(tooLongMessage(longest, known.maxModelLen, known.limitSource!, probe));
  }
  return known;
}
