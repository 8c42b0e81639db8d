// One side of a comparison (`memscope diff A B`): a finished full-matrix run, read from a session
// file (which also carries the context, so texts can be matched and shown) or from a saved
// `--json` result (plain, estimated or searched; no texts). Anything else is one line, exit 2.
import type { Context } from '../context/context.ts';
import { contextTexts } from '../context/context-texts.ts';
import { looksLikeContext, readTextFile, zodProblem } from '../context/load-context.ts';
import { nativeToContext } from '../context/native-format.ts';
import { InputError, ScoringError } from '../core/errors.ts';
import { RunResultSchema, type FullResult } from '../engine/events.ts';
import type { DiffSide } from '../engine/run-diff.ts';
import { SESSION_FORMAT } from './session-format.ts';
import { noResultReason, parseSession, sessionResult } from './session-reader.ts';

export interface RunInput {
  readonly path: string;
  readonly kind: 'session' | 'result';
  readonly result: FullResult;
  readonly model: string | null;
  /** The scored context (sessions only): response and memory texts. */
  readonly context?: Context;
}

const MAX_INPUT_BYTES = 1024 ** 3;

function notFull(path: string, mode: string): InputError {
  return new InputError(`${path}: a ${mode}-mode run; diff compares full-matrix runs (memscope score --mode full)`);
}

function fromSession(path: string, text: string): RunInput {
  const session = parseSession(path, text);
  const mode = session.header.settings.mode;
  if (mode !== 'full') throw notFull(path, String(mode));
  const result = sessionResult(session);
  // An unfinished run has no result: exit 1, as export and replay say it (not bad input).
  if (result?.mode !== 'full') throw new ScoringError(`${path}: ${noResultReason(session.state)}: no result to compare`);
  return {
    path,
    kind: 'session',
    result,
    model: result.model ?? session.header.backend.model,
    context: nativeToContext(session.header.context),
  };
}

function fromResult(path: string, json: Record<string, unknown>): RunInput {
  // Any saved `--json` result parses, told apart by "mode", so another mode is named rather than misread.
  const parsed = RunResultSchema.safeParse(json);
  if (!parsed.success) throw zodProblem(path, parsed.error, json);
  if (parsed.data.mode !== 'full') throw notFull(path, String(parsed.data.mode));
  // Extra fields (--search's) ride along unread: the diff reads memories, responses and the matrix.
  const result = parsed.data;
  // The matrix is memories × responses: a hand-edited file that breaks it is named here.
  if (result.matrix.length !== result.memories.length) throw new InputError(`${path}: $.matrix: ${result.matrix.length} rows for ${result.memories.length} memories`);
  const bad = result.matrix.findIndex((row) => row.length !== result.responses.length);
  if (bad >= 0) throw new InputError(`${path}: $.matrix[${bad}]: ${result.matrix[bad]!.length} values for ${result.responses.length} responses`);
  return { path, kind: 'result', result, model: result.model };
}

/** Parses a file's text as a session or a saved result; anything else is an InputError naming it. */
export function parseRunInput(path: string, text: string): RunInput {
  const newline = text.indexOf('\n');
  const firstLine = newline === -1 ? text : text.slice(0, newline);
  let head: unknown;
  try {
    head = JSON.parse(firstLine);
  } catch {
    head = undefined;
  }
  if (typeof head === 'object' && head !== null && (head as Record<string, unknown>).format === SESSION_FORMAT) return fromSession(path, text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError(`${path}: neither a memscope session (JSON Lines) nor a saved --json result (not JSON)`);
  }
  const record = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  if (record && 'mode' in record) return fromResult(path, record);
  const what = record && looksLikeContext(record) ? 'a context: score it first (memscope score FILE --json, or --record)' : 'no "format": "memscope-session" and no "mode"';
  throw new InputError(`${path}: neither a memscope session nor a saved --json result (${what})`);
}

export async function readRunInput(path: string): Promise<RunInput> {
  return parseRunInput(path, await readTextFile(path, 'session or result file', MAX_INPUT_BYTES));
}

/** The run as the comparison reads it: its result, and its response texts when it has a context. */
export function diffSide(input: RunInput): DiffSide {
  if (!input.context) return { result: input.result };
  const texts = contextTexts(input.context);
  return { result: input.result, responseText: (entry) => texts.response(entry) };
}
