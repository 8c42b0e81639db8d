// Reading a session file: the header, then every complete event. A file that ends in a partial
// line (a run killed while writing) keeps every complete event and says the tail was cut; a bad
// line anywhere else is an error naming its line number.
import { z } from 'zod';
import { InputError } from '../core/errors.ts';
import { jsonPath } from '../core/json-path.ts';
import { looksLikeContext, readTextFile } from '../context/load-context.ts';
import type { RunResult } from '../engine/events.ts';
import { END_EVENTS, SESSION_FORMAT, SESSION_VERSION, SessionEventLineSchema, SessionHeaderSchema, type SessionEventLine, type SessionHeader } from './session-format.ts';

export type SessionState = 'done' | 'failed' | 'interrupted' | 'running' | 'cut';

export interface SessionData {
  readonly path: string;
  readonly header: SessionHeader;
  readonly events: SessionEventLine[];
  /** The file ended in a partial line, which was left out. */
  readonly cut: boolean;
  readonly state: SessionState;
}

function lineProblem(path: string, line: number, error: z.ZodError): InputError {
  const issue = error.issues[0]!;
  return new InputError(`${path}: line ${line}: ${jsonPath(issue.path)}: ${issue.message}`);
}

export function parseHeader(path: string, text: string): SessionHeader {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError(`${path}: line 1: not a session header (invalid JSON)`);
  }
  const record = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  if (record.format !== SESSION_FORMAT) {
    throw new InputError(`${path}: line 1: not a memscope session (${looksLikeContext(record) ? 'it is a context: use "memscope score"' : 'no "format": "memscope-session"'})`);
  }
  if (typeof record.version === 'number' && record.version > SESSION_VERSION) {
    throw new InputError(`${path}: line 1: session format version ${record.version} is newer than this memscope reads (${SESSION_VERSION}); upgrade memscope`);
  }
  const parsed = SessionHeaderSchema.safeParse(json);
  if (!parsed.success) throw lineProblem(path, 1, parsed.error);
  return parsed.data;
}

/** A whole file that is one JSON document (a context, pretty-printed): say what it is. */
function notJsonLines(path: string, text: string): void {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    return;
  }
  const record = (typeof whole === 'object' && whole !== null ? whole : {}) as Record<string, unknown>;
  throw new InputError(`${path}: not a session (${looksLikeContext(record) ? 'it is a context: use "memscope score"' : 'one JSON document, not JSON Lines with a session header'})`);
}

export function parseSession(path: string, text: string): SessionData {
  const firstLine = text.slice(0, Math.max(0, text.indexOf('\n')));
  try {
    JSON.parse(firstLine);
  } catch {
    notJsonLines(path, text);
  }
  const lines = text.split('\n');
  // A complete file ends in "\n", leaving an empty last piece; anything else is a partial line.
  const tail = lines.pop()!;
  let cut = false;
  if (tail !== '') {
    try {
      JSON.parse(tail);
      lines.push(tail);
    } catch {
      cut = true;
    }
  }
  if (lines.length === 0) {
    if (cut) throw new InputError(`${path}: line 1: the header was cut short: nothing to replay`);
    throw new InputError(`${path}: empty file, not a session`);
  }
  const header = parseHeader(path, lines[0]!);
  const events: SessionEventLine[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new InputError(`${path}: line ${i + 1}: corrupt line (invalid JSON)`);
    }
    const parsed = SessionEventLineSchema.safeParse(json);
    if (!parsed.success) throw lineProblem(path, i + 1, parsed.error);
    events.push(parsed.data);
  }
  const last = events.at(-1)?.event.type;
  const state: SessionState =
    last === 'run-done' ? 'done' : last === 'run-failed' ? 'failed' : last === 'run-interrupted' ? 'interrupted' : cut ? 'cut' : 'running';
  return { path, header, events, cut, state };
}

/** The run's result, when the recording holds its end. */
export function sessionResult(session: SessionData): RunResult | undefined {
  const done = session.events.findLast((line) => line.event.type === 'run-done')?.event;
  return done?.type === 'run-done' ? done.result : undefined;
}

/** Why a session has no result to show, by its state. */
export function noResultReason(state: SessionState): string {
  return { failed: 'the run failed', interrupted: 'the run was interrupted', cut: 'the recording was cut short', running: 'the run has not finished', done: 'no result' }[state];
}

export async function readSession(path: string): Promise<SessionData> {
  return parseSession(path, await readTextFile(path, 'session file', 1024 ** 3));
}

export function isEnd(line: SessionEventLine): boolean {
  return END_EVENTS.has(line.event.type);
}
