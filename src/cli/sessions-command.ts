// `memscope sessions`: the recorded sessions, as a live list on the screen (Enter replays one,
// Space marks two and d compares them) or printed once.
import { mkdir } from 'node:fs/promises';
import { Interrupt, type CliIo } from './cli-io.ts';
import { InputError, ScoringError } from '../core/errors.ts';
import { COMMANDS, parseCommandArgs } from './commands.ts';
import { replayOnScreen } from './replay-command.ts';
import { neutralize, safeJson } from '../core/sanitize.ts';
import { SESSION_COLUMNS, SessionDirectory, listSessions, sessionRow } from '../sessions/session-list.ts';
import { sessionsDir } from '../sessions/session-recorder.ts';
import { formatSize, sessionsKeep } from '../sessions/session-retention.ts';

export async function sessions(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(COMMANDS.sessions, args);
  const dir = values.dir ?? sessionsDir(io.env);
  // A bad MEMSCOPE_SESSIONS_KEEP is bad input, said before anything is printed.
  const keep = sessionsKeep(io.env);
  if (!io.isTTY || values.json || values.headless) {
    const list = await listSessions(dir);
    if (values.json) {
      for (const summary of list) io.stdout.write(`${safeJson(summary)}\n`);
      return 0;
    }
    if (list.length === 0) {
      io.stderr.write(`no sessions in ${neutralize(dir)}\n`);
      return 0;
    }
    const rows = [SESSION_COLUMNS, ...list.map((summary) => [...sessionRow(summary), summary.path])].map((row) => row.map(neutralize));
    rows[0] = [...rows[0]!, 'file'];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) io.stdout.write(`${row.map((cell, i) => (i === 3 || i === 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()}\n`);
    const bytes = list.reduce((sum, summary) => sum + summary.size, 0);
    io.stdout.write(`${list.length} session${list.length === 1 ? '' : 's'}, ${formatSize(bytes)} in ${neutralize(dir)} (the newest ${Number.isFinite(keep) ? keep : 'all'} are kept; MEMSCOPE_SESSIONS_KEEP)\n`);
    return 0;
  }
  await mkdir(dir, { recursive: true });
  const directory = await new SessionDirectory(dir).start();
  const { showSessions } = await import('../app/sessions-screen.tsx');
  try {
    let notice: string | undefined;
    // A diff that could not be shown keeps its two marks, so the user can change one.
    let marks: readonly string[] = [];
    for (;;) {
      const choice = await showSessions(directory, io.env, notice, marks);
      if ('quit' in choice) return choice.quit ?? 0;
      notice = undefined;
      marks = [];
      // A session that cannot be read (or compared) says so on the list, rather than ending it.
      try {
        let code: number;
        if ('diff' in choice) {
          const [{ loadDiff }, { showDiff }] = await Promise.all([import('./diff-command.ts'), import('../app/diff-screen.tsx')]);
          const { a, b, diff } = await loadDiff(...choice.diff);
          code = await showDiff(a, b, diff, io.env);
        } else {
          const state = directory.getSnapshot().find((x) => x.path === choice.open)?.state;
          code = await replayOnScreen(choice.open, io, { follow: state === 'running' });
        }
        if (code >= 128) return code;
      } catch (error) {
        if (error instanceof Interrupt) return error.exitCode;
        if (!(error instanceof InputError || error instanceof ScoringError)) throw error;
        notice = error.message;
        if ('diff' in choice) marks = choice.diff;
      }
    }
  } finally {
    await directory.close();
  }
}

