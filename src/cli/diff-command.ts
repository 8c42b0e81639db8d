// `memscope diff A B`: two finished full-matrix runs (session files or saved --json results)
// compared, B − A: on the screen in a terminal, else as text, --json or --csv.
import type { CliIo } from './cli-io.ts';
import { InputError } from '../core/errors.ts';
import { COMMANDS, parseCommandArgs } from './commands.ts';
import { compareRuns, entryMatchWarning } from '../engine/run-diff.ts';
import { diffCsv, diffJsonText, diffText } from '../export/diff-output.ts';
import { diffSide, readRunInput } from '../sessions/run-input.ts';

/** Both runs read and compared; an unreadable file is an InputError naming it. */
export async function loadDiff(pathA: string, pathB: string) {
  const [a, b] = await Promise.all([readRunInput(pathA), readRunInput(pathB)]);
  return { a, b, diff: compareRuns(diffSide(a), diffSide(b)) };
}

export async function diff(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(COMMANDS.diff, args);
  if (positionals.length !== 2) throw new InputError('diff: name two runs, A then B (session files or saved --json results)');
  if (values.json && values.csv) throw new InputError('diff: --json or --csv, not both');
  const [pathA, pathB] = positionals as [string, string];
  // Both files are read before the screen opens, so a bad one is one line on the terminal as it was.
  const { a, b, diff: result } = await loadDiff(pathA, pathB);
  if (io.isTTY && !values.json && !values.csv && !values.headless) {
    const { showDiff } = await import('../app/diff-screen.tsx');
    return showDiff(a, b, result, io.env);
  }
  // The text says it in its head; JSON and CSV stay data, so the warning goes to stderr.
  const warning = entryMatchWarning(result);
  if (warning !== undefined && (values.json || values.csv)) io.stderr.write(`memscope: diff: ${warning}\n`);
  io.stdout.write(values.json ? diffJsonText(a, b, result) : values.csv ? diffCsv(result) : diffText(a, b, result));
  return 0;
}
