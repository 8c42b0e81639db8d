// Writing a session file: append-only, one line per event, each written with a single
// synchronous write so that a crash or kill loses at most the line being written.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { InputError, errorMessage } from '../core/errors.ts';
import { checkOutputFolder } from '../core/output-folder.ts';
import type { EngineEvent } from '../engine/events.ts';
import { safeJson } from '../core/sanitize.ts';
import type { SessionHeader } from './session-format.ts';

/** Where the screen records by default: $MEMSCOPE_SESSIONS, else the XDG state directory. */
export function sessionsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MEMSCOPE_SESSIONS) return env.MEMSCOPE_SESSIONS;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'memscope', 'sessions');
}

/** A file name that sorts by time and says what was scored. */
export function sessionFileName(created: Date, source: string, mode: string): string {
  const stamp = created.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = source.split(/[\\/]/).pop()!.replace(/\.json$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40);
  return `${stamp}-${base}-${mode}-${process.pid}.jsonl`;
}

export interface RecordingOptions {
  /** Make the folder (the sessions directory); else a missing one is an InputError. */
  readonly createFolder?: boolean;
  /** Overwrite an existing file (--force); else one is never clobbered. */
  readonly force?: boolean;
}

export class SessionRecorder {
  private fd: number | undefined;
  private readonly started: number;

  constructor(
    readonly path: string,
    header: SessionHeader,
    private readonly clock: () => number = () => performance.now(),
    options: RecordingOptions = { createFolder: true },
  ) {
    // The sessions directory is made on first use; a folder the user named must exist.
    if (options.createFolder) mkdirSync(dirname(path), { recursive: true });
    else checkOutputFolder('--record', path);
    // 'wx': never append to or clobber an existing recording unless asked.
    this.fd = openSync(path, options.force ? 'w' : 'wx', 0o644);
    this.started = clock();
    this.write(safeJson(header));
  }

  private write(line: string): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${line}\n`);
  }

  record = (event: EngineEvent): void => {
    const t = Math.round((this.clock() - this.started) * 1000) / 1000;
    this.write(safeJson({ t, event }));
  };

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A new recording, or an InputError saying why it cannot be written (an existing one is kept unless `force`). */
export function openRecording(path: string, header: SessionHeader, options: RecordingOptions = {}): SessionRecorder {
  try {
    return new SessionRecorder(path, header, undefined, options);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`--record: ${path}: ${code === 'EEXIST' ? 'already exists: --force overwrites it, or name a free file' : `cannot write (${code ?? errorMessage(error)})`}`);
  }
}
