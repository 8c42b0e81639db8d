// `memscope import <log> [-o OUT] --memories RULE…`: an agent's log (OpenAI chat messages or an
// OTLP trace with GenAI spans) as a chat-format context, its memories marked where they sat.
import { writeFileAtomic } from '../core/atomic-write.ts';
import { checkOutputFolder } from '../core/output-folder.ts';
import type { CliIo } from './cli-io.ts';
import { InputError } from '../core/errors.ts';
import { COMMANDS, parseCommandArgs } from './commands.ts';
import { importLog, type ImportedLog } from '../context/import-log.ts';
import { readTextFile } from '../context/load-context.ts';
import { RULE_FORMS, memoryRules } from '../context/memory-rules.ts';
import { neutralize, safeJson } from '../core/sanitize.ts';
import { plural } from '../core/plural.ts';

/** What the import found, a line a memory: its key, the message it sits in, its first words. */
export function foundLines(imported: ImportedLog): string[] {
  const width = Math.min(32, Math.max(...imported.found.map((m) => m.key.length)));
  return [
    `found ${plural(imported.found.length, 'memory', 'memories')} (${plural(new Set(imported.found.map((m) => m.key)).size, 'key')}):`,
    ...imported.found.map((m) => neutralize(`  ${m.key.padEnd(width)}  ${m.role} message ${m.place}  ${m.rule}  "${m.text}"`)),
  ];
}

export async function importCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(COMMANDS.import, args);
  if (positionals.length === 0) throw new InputError('import: name an agent log (OpenAI chat messages or an OTLP trace)');
  const [file, ...extra] = positionals;
  if (values.output !== undefined) checkOutputFolder('-o', values.output);
  const rules = memoryRules(values.memories, extra);
  if (rules.length === 0) throw new InputError(`--memories: name at least one rule (${RULE_FORMS})`);
  const imported = importLog(file!, await readTextFile(file!, 'log file'), rules, values.span);
  const text = `${safeJson(imported.chat, 2)}\n`;
  if (values.output === undefined) io.stdout.write(text);
  else await writeFileAtomic(values.output, text);
  io.stderr.write(`${foundLines(imported).join('\n')}\n`);
  for (const note of imported.notes) io.stderr.write(`note: ${neutralize(note)}\n`);
  if (values.output !== undefined) io.stderr.write(`wrote ${neutralize(values.output)} (chat format, from ${imported.kind === 'otel' ? 'an OTLP trace' : 'OpenAI chat messages'})\n`);
  return 0;
}
