// Recording `watch`: every run is a session of its own (a session is one run). Under
// --record PATH the first run is PATH and later ones PATH-2.jsonl, PATH-3.jsonl…; on the screen
// without --record they go to the sessions directory, as a run of `score` on the screen does.
import { extname, join } from 'node:path';
import type { ScoreSettings } from '../run/score-settings.ts';
import type { PreparedRun } from '../run/scoring-run.ts';
import { sessionHeader } from '../sessions/session-header.ts';
import { openRecording, sessionFileName } from '../sessions/session-recorder.ts';
import { DEFAULT_SESSIONS_KEEP, pruneSessions } from '../sessions/session-retention.ts';

/** PATH for the first run, PATH with -N before its extension for the Nth. */
export function numberedPath(path: string, index: number): string {
  if (index <= 1) return path;
  const extension = extname(path);
  return `${path.slice(0, path.length - extension.length)}-${index}${extension}`;
}

/** Where watch records: a --record PATH, or the sessions directory, which keeps the newest `keep`
 *  sessions and tells `onPruned` how many each run's start removed. */
export type WatchRecordTarget = { record: string } | { directory: string; keep?: number; onPruned?: (removed: number) => void };

/** The watch hook that records each run: into `record` if given, else into `directory`. */
export function recordWatchRuns(settings: ScoreSettings, version: string, target: WatchRecordTarget) {
  return (run: PreparedRun, index: number): (() => void) => {
    const created = new Date();
    const base = 'record' in target ? target.record : join(target.directory, sessionFileName(created, settings.file, settings.mode));
    const recorder = openRecording(numberedPath(base, index), sessionHeader(run.loaded, settings, run.model, version, created), { createFolder: 'directory' in target, force: settings.force });
    run.engine.subscribe(recorder.record);
    if ('directory' in target) target.onPruned?.(pruneSessions(target.directory, target.keep ?? DEFAULT_SESSIONS_KEEP, recorder.path));
    return () => recorder.close();
  };
}
