// The export formats, one record each: what `memscope export --format` accepts, what its help
// says, and how a session becomes the file. Adding a format is a record here and its writer.
import { InputError, ScoringError } from '../core/errors.ts';
import type { FullResult, RunResult } from '../engine/events.ts';
import { resultCsv } from '../export/export-csv.ts';
import { resultSvg } from '../export/export-svg.ts';
import { resultJson } from '../export/headless.ts';
import { sessionResult, type SessionData } from '../sessions/session-reader.ts';

export interface ExportFormat {
  readonly name: string;
  /** One line for the help. */
  readonly what: string;
  /** The file's text, and what the line after writing it adds in brackets (if anything). */
  readonly write: (session: SessionData) => Promise<{ readonly text: string; readonly note?: string }>;
}

/** A format of the run's result: it needs a finished run. */
function ofResult(name: string, what: string, text: (result: RunResult, session: SessionData) => string): ExportFormat {
  return {
    name,
    what,
    write: (session) => {
      const result = sessionResult(session);
      if (result === undefined) throw new ScoringError(`${session.path}: no result to export: the run did not finish`);
      return Promise.resolve({ text: text(result, session) });
    },
  };
}

function fullMatrix(format: string, result: RunResult): FullResult {
  if (result.mode !== 'full') throw new InputError(`--format ${format}: draws the full matrix; this session is ${result.mode} mode`);
  return result;
}

export const EXPORT_FORMATS: readonly ExportFormat[] = [
  ofResult('csv', 'the matrix (or the mode\'s result) as CSV, keys and entries as headers', (result) => resultCsv(result)),
  ofResult('json', 'the result as `score --json` prints it', (result) => `${resultJson(result)}\n`),
  ofResult('svg', 'a heatmap of the full matrix on the screen\'s colour scale', (result, session) => resultSvg(fullMatrix('svg', result), `memscope: ${session.header.source.path}`)),
  {
    name: 'cast',
    what: 'an asciicast v2 recording of the replay screen (any run, finished or not)',
    // The replay screen, whatever the run's outcome: a cut or failed run is worth watching too.
    write: async (session) => {
      const { sessionCast } = await import('../app/export-cast.tsx');
      return { text: await sessionCast(session), note: `asciicast v2, ${session.events.length} events` };
    },
  },
];

export const EXPORT_FORMAT_NAMES = EXPORT_FORMATS.map((format) => format.name);

export function exportFormat(name: string | undefined): ExportFormat {
  const names = EXPORT_FORMAT_NAMES.join(', ');
  if (name === undefined) throw new InputError(`export: --format is required (one of ${names})`);
  const format = EXPORT_FORMATS.find((f) => f.name === name);
  if (format === undefined) throw new InputError(`--format: expected one of ${names}, got "${name}"`);
  return format;
}
