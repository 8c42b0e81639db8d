// The loop behind `memscope watch <context>`: score, then watch the file; when it changes
// (editors' and agents' atomic rename-on-save included) cancel any run in flight and score
// again, debounced.
import { watch } from 'chokidar';
import { contextChange, describeChange } from '../engine/context-diff.ts';
import { InputError, errorMessage } from '../core/errors.ts';
import type { EngineEvent } from '../engine/events.ts';
import { resultJson, resultText } from '../export/headless.ts';
import type { LoadedContext } from '../context/load-context.ts';
import { neutralize } from '../core/sanitize.ts';
import type { ScoreSettings } from '../run/score-settings.ts';
import { loadForSettings, prepareRun, type PreparedRun } from '../run/scoring-run.ts';

export const WATCH_DEBOUNCE_MS = 250;

export interface WatchHooks {
  /** Every engine event of every run, e.g. for the progress printer or a screen's store. */
  readonly onEvent: (event: EngineEvent) => void;
  /** A line for the user: a change seen, a file that does not parse yet, a run that failed. */
  onNotice(text: string): void;
  onResult(text: string): void;
  /** The context each run scores (a screen shows its texts). */
  onContext?(loaded: LoadedContext): void;
  /** A run about to start (the first is 1): may subscribe to it, and return what to do when it ends. */
  onRun?(run: PreparedRun, index: number): (() => void) | undefined;
}

interface InFlight {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

/**
 * Scores the file now and again after every change, until `stop` aborts. Bad input on the
 * first load throws (the command ends with exit 2); later, a half-saved file is reported and
 * the next change is awaited.
 */
export async function watchContext(settings: ScoreSettings, hooks: WatchHooks, stop: AbortSignal): Promise<void> {
  let inFlight: InFlight | undefined;
  let timer: NodeJS.Timeout | undefined;

  let runs = 0;
  const startRun = async (loaded: LoadedContext): Promise<void> => {
    const controller = new AbortController();
    const run = await prepareRun(settings, controller.signal, loaded);
    let ended: (() => void) | undefined;
    try {
      ended = hooks.onRun?.(run, ++runs);
    } catch (error) {
      await run.scorer.close();
      throw error;
    }
    hooks.onContext?.(loaded);
    run.engine.subscribe(hooks.onEvent);
    const done = run.engine
      .run(run.modeOptions)
      .then((result) => hooks.onResult(settings.json ? `${resultJson(result)}\n` : resultText(result)))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) hooks.onNotice(`scoring failed: ${neutralize(errorMessage(error))}`);
      })
      .finally(() => {
        ended?.();
        return run.scorer.close();
      });
    inFlight = { controller, done };
  };

  // The context the last run scored, and its fingerprint: a save that changes nothing (an
  // editor's touch, an undo back to it, a deleted file put back) is said, not scored again.
  let previous: LoadedContext | undefined;
  let scored = '';
  let deleted = false;
  const name = neutralize(settings.file);

  const reload = async (): Promise<void> => {
    let loaded: LoadedContext;
    try {
      loaded = await loadForSettings(settings, stop);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      hooks.onNotice(`${error.message} (waiting for the next change)`);
      return;
    }
    const how = deleted ? 'is back' : 'changed';
    deleted = false;
    if (fingerprint(loaded) === scored) {
      hooks.onNotice(`${name} ${how}: the same context as run ${runs}, not scored again`);
      return;
    }
    const current = inFlight;
    current?.controller.abort();
    await current?.done;
    if (stop.aborted) return;
    if (previous !== undefined) hooks.onNotice(`${name} ${how}: ${neutralize(describeChange(contextChange(previous.context, loaded.context)))} (run ${runs + 1})`);
    previous = loaded;
    scored = fingerprint(loaded);
    await startRun(loaded);
  };

  const rescore = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      reload().catch((error: unknown) => hooks.onNotice(`scoring failed: ${neutralize(errorMessage(error))}`));
    }, WATCH_DEBOUNCE_MS);
  };

  const removed = () => {
    // A save by rename arrives as a change (chokidar's atomic option); this is a real deletion.
    clearTimeout(timer);
    deleted = true;
    hooks.onNotice(`${name} was deleted: showing run ${runs}; waiting for the file to come back`);
  };

  // Watching starts before the first load: a change saved while the first run is scored (it may
  // take a few milliseconds) is then never missed.
  const watcher = watch(settings.file, { ignoreInitial: true, atomic: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 } });
  watcher.on('change', rescore);
  watcher.on('add', rescore);
  watcher.on('unlink', removed);
  try {
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', resolve);
      watcher.once('error', reject);
    });
    previous = await loadForSettings(settings, stop);
    scored = fingerprint(previous);
    await startRun(previous);
  } catch (error) {
    clearTimeout(timer);
    await watcher.close();
    throw error;
  }
  await new Promise<void>((resolve) => {
    if (stop.aborted) resolve();
    else stop.addEventListener('abort', () => resolve(), { once: true });
  });
  clearTimeout(timer);
  await watcher.close();
  inFlight?.controller.abort();
  await inFlight?.done;
}

/** What a run scores: the context's sections and model, whatever the file's spacing. */
function fingerprint(loaded: LoadedContext): string {
  return JSON.stringify(loaded.context);
}
