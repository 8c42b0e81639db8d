// `memscope export <session> --format csv|json|svg|cast`: a recorded run's result for other
// tools, or (cast) an asciicast of its replay; written atomically with -o.
import { writeFileAtomic } from '../core/atomic-write.ts';
import type { CliIo } from './cli-io.ts';
import { InputError, ScoringError } from '../core/errors.ts';
import { parseFlags } from '../core/parse-flags.ts';
import { resultCsv } from '../export/export-csv.ts';
import { resultSvg } from '../export/export-svg.ts';
import { resultJson } from '../export/headless.ts';
import { neutralize } from '../core/sanitize.ts';
import { readSession, sessionResult } from '../sessions/session-reader.ts';

const EXPORT_FORMATS = ['csv', 'json', 'svg', 'cast'] as const;

export async function exportSession(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    options: { format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' } },
    allowPositionals: true,
    strict: true,
  }, { format: 'one of csv, json, svg, cast', output: 'a file to write' });
  if (positionals.length !== 1) throw new InputError('export: name one session file');
  if (values.format === undefined) throw new InputError(`export: --format is required (one of ${EXPORT_FORMATS.join(', ')})`);
  const format = values.format as (typeof EXPORT_FORMATS)[number];
  if (!EXPORT_FORMATS.includes(format)) throw new InputError(`--format: expected one of ${EXPORT_FORMATS.join(', ')}, got "${values.format ?? ''}"`);
  const session = await readSession(positionals[0]!);
  if (format === 'cast') {
    // The replay screen, whatever the run's outcome: a cut or failed run is worth watching too.
    const { sessionCast } = await import('../app/export-cast.tsx');
    const cast = await sessionCast(session);
    if (values.output === undefined) io.stdout.write(cast);
    else {
      await writeFileAtomic(values.output, cast);
      io.stderr.write(`wrote ${neutralize(values.output)} (asciicast v2, ${session.events.length} events)\n`);
    }
    return 0;
  }
  const result = sessionResult(session);
  if (result === undefined) throw new ScoringError(`${session.path}: no result to export: the run did not finish`);
  let text: string;
  if (format === 'json') text = `${resultJson(result)}\n`;
  else if (format === 'csv') text = resultCsv(result);
  else {
    if (result.mode !== 'full') throw new InputError(`--format svg: draws the full matrix; this session is ${result.mode} mode`);
    text = resultSvg(result, `memscope: ${session.header.source.path}`);
  }
  if (values.output === undefined) io.stdout.write(text);
  else {
    await writeFileAtomic(values.output, text);
    io.stderr.write(`wrote ${neutralize(values.output)}\n`);
  }
  return 0;
}

