// `memscope score` and `memscope watch`: a run on the screen (recorded into the sessions
// directory), or headless with progress on stderr and the result on stdout.
import { join } from 'node:path';
import { Interrupt, trapSignals, type CliIo } from './cli-io.ts';
import { printProgress, resultJson, resultText } from '../export/headless.ts';
import { openRunView } from './open-run-view.ts';
import { neutralize } from '../core/sanitize.ts';
import type { ScoreSettings } from '../run/score-settings.ts';
import { loadForSettings, prepareRun, type PreparedRun } from '../run/scoring-run.ts';
import { sessionHeader } from '../sessions/session-header.ts';
import { openRecording, sessionFileName, sessionsDir, type SessionRecorder } from '../sessions/session-recorder.ts';
import { VERSION } from './version.ts';
import { runOutcome, type RunState } from '../tui/run-state.ts';
import { pruneSessions, prunedNotice, sessionsKeep } from '../sessions/session-retention.ts';

/** Whether a score run opens the screen: a terminal on both ends, and no headless flag. */
export function wantsScreen(settings: ScoreSettings, io: CliIo): boolean {
  return io.isTTY && !settings.headless && !settings.json;
}

/** Retention's line (if it removed anything), once the screen is gone. */
function sayPruned(io: CliIo, notice: string | undefined): void {
  if (notice !== undefined) io.stderr.write(`memscope: ${neutralize(notice)}\n`);
}

/** What was said of the input without stopping it (an imported log's tool definitions), a line each. */
function sayNotes(io: CliIo, notes: readonly string[] | undefined): void {
  for (const note of notes ?? []) io.stderr.write(`memscope: note: ${neutralize(note)}\n`);
}

async function scoreOnScreen(settings: ScoreSettings, io: CliIo): Promise<number> {
  // A bad MEMSCOPE_SESSIONS_KEEP is bad input, said before the screen opens.
  const keep = sessionsKeep(io.env);
  // The screen records every run, by default into the sessions directory.
  const path = settings.record ?? join(sessionsDir(io.env), sessionFileName(new Date(), settings.file, settings.mode));
  let recorder: SessionRecorder | undefined;
  // What retention removed from the sessions directory, said after the screen is gone.
  let pruned: string | undefined;
  let notes: readonly string[] | undefined;
  // Once the screen is gone: how the run ended (a failure in full), where its session is, what retention removed, the input's notes.
  const onClose = (state: RunState) => {
    io.stderr.write(`memscope: ${neutralize(runOutcome(state, Date.now()))}; session saved to ${neutralize(path)}\n`);
    sayPruned(io, pruned);
    sayNotes(io, notes);
  };
  try {
    return await openRunView(
      settings.file,
      io,
      async (controller) => {
        // The context is read and tokenized (bad input ends with its line) while the view loads.
        const [run, { scoringFeed }] = await Promise.all([prepareRun(settings, controller.signal), import('../app/run-view.tsx')]);
        try {
          // The default sessions directory is made on first use; a --record folder must exist.
          recorder = openRecording(path, sessionHeader(run.loaded, settings, run.model, VERSION, new Date()), { createFolder: settings.record === undefined, force: settings.force });
        } catch (error) {
          await run.scorer.close();
          throw error;
        }
        run.engine.subscribe(recorder.record);
        notes = run.loaded.notes;
        // The sessions directory keeps the newest sessions only.
        if (settings.record === undefined) pruned = prunedNotice(pruneSessions(sessionsDir(io.env), keep, path), sessionsDir(io.env), keep);
        return scoringFeed(run, controller, settings.file);
      },
      onClose,
    );
  } finally {
    recorder?.close();
  }
}

export async function score(settings: ScoreSettings, io: CliIo): Promise<number> {
  if (wantsScreen(settings, io)) return scoreOnScreen(settings, io);
  const controller = new AbortController();
  const signals = trapSignals(controller);
  let run: PreparedRun | undefined;
  let recorder: SessionRecorder | undefined;
  try {
    // Inside the try: tokenizing through a server can take a while and be interrupted.
    run = await prepareRun(settings, controller.signal);
    sayNotes(io, run.loaded.notes);
    run.engine.subscribe(printProgress(io.stderr as never));
    if (settings.record !== undefined) {
      recorder = openRecording(settings.record, sessionHeader(run.loaded, settings, run.model, VERSION, new Date()), { force: settings.force });
      run.engine.subscribe(recorder.record);
    }
    const result = await run.engine.run(run.modeOptions);
    io.stdout.write(settings.json ? `${resultJson(result)}\n` : resultText(result));
    return 0;
  } catch (error) {
    const code = signals.exitCode();
    if (code !== undefined) throw new Interrupt(code);
    throw error;
  } finally {
    recorder?.close();
    signals.release();
    await run?.scorer.close();
  }
}


export async function watchCommand(settings: ScoreSettings, io: CliIo): Promise<number> {
  // Loaded here: `score` starts without the file watcher's modules.
  const [{ watchFeed }, { watchContext }, { recordWatchRuns }] = await Promise.all([import('../app/watch-feed.ts'), import('../app/watch-loop.ts'), import('../app/watch-recording.ts')]);
  if (wantsScreen(settings, io)) {
    // Bad input on the first load ends with its one line before the screen opens.
    await loadForSettings(settings);
    const keep = sessionsKeep(io.env);
    // Each run is recorded, as `score` on the screen records its run; what retention removed
    // over all of them is said after the screen, as `score` says it.
    let removed = 0;
    const directory = sessionsDir(io.env);
    const record = recordWatchRuns(settings, VERSION, settings.record !== undefined ? { record: settings.record } : { directory, keep, onPruned: (n) => (removed += n) });
    // After q: how the last run ended, and where the runs were recorded.
    const where = settings.record ?? directory;
    const onClose = (state: RunState) => {
      io.stderr.write(`memscope: last run ${neutralize(runOutcome(state, Date.now()))}; sessions saved to ${neutralize(where)}\n`);
      sayPruned(io, prunedNotice(removed, directory, keep));
    };
    return openRunView(settings.file, io, () => Promise.resolve(watchFeed(settings, record)), onClose);
  }
  const controller = new AbortController();
  const signals = trapSignals(controller);
  const print = printProgress(io.stderr as never);
  try {
    await watchContext(
      settings,
      {
        onEvent: print,
        onNotice: (text) => io.stderr.write(`${text}\n`),
        onResult: (text) => io.stdout.write(text),
        ...(settings.record !== undefined ? { onRun: recordWatchRuns(settings, VERSION, { record: settings.record }) } : {}),
      },
      controller.signal,
    );
  } finally {
    signals.release();
  }
  throw new Interrupt(signals.exitCode() ?? 130);
}

