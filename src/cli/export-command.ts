// `memscope export <session> --format F`: a recorded run in one of the formats of
// export-formats.ts, written atomically with -o.
import { writeFileAtomic } from '../core/atomic-write.ts';
import { checkOutputFolder } from '../core/output-folder.ts';
import type { CliIo } from './cli-io.ts';
import { InputError } from '../core/errors.ts';
import { exportFormat } from './export-formats.ts';
import { COMMANDS, parseCommandArgs } from './commands.ts';
import { neutralize } from '../core/sanitize.ts';
import { readSession } from '../sessions/session-reader.ts';

export async function exportSession(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(COMMANDS.export, args);
  if (positionals.length !== 1) throw new InputError('export: name one session file');
  const format = exportFormat(values.format);
  if (values.output !== undefined) checkOutputFolder('-o', values.output);
  const session = await readSession(positionals[0]!);
  const { text, note } = await format.write(session);
  if (values.output === undefined) io.stdout.write(text);
  else {
    await writeFileAtomic(values.output, text);
    io.stderr.write(`wrote ${neutralize(values.output)}${note === undefined ? '' : ` (${note})`}\n`);
  }
  return 0;
}
