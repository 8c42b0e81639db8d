// Following a session file that another process is still writing: new complete lines are read
// as they are appended (chokidar tells when the file changes) until the run's end event.
import { open } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';
import { z } from 'zod';
import { InputError, asError } from '../core/errors.ts';
import { jsonPath } from '../core/json-path.ts';
import { END_EVENTS, SessionEventLineSchema, type SessionEventLine, type SessionHeader } from './session-format.ts';
import { parseHeader } from './session-reader.ts';

export interface FollowHandlers {
  header(header: SessionHeader): void;
  event(line: SessionEventLine): void;
}

export class SessionFollower {
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private offset = 0;
  private pending = '';
  private lineNumber = 0;
  private header: SessionHeader | undefined;
  private reading: Promise<void> = Promise.resolve();
  private finish!: (error?: unknown) => void;
  /** Settles at the run's end event, on a bad line, or when stopped. */
  readonly done: Promise<void>;
  ended = false;

  constructor(
    readonly path: string,
    private readonly handlers: FollowHandlers,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.finish = (error?: unknown) => {
        clearInterval(this.poll);
        void this.watcher?.close();
        if (error) reject(asError(error));
        else resolve();
      };
    });
  }

  start(): this {
    // Polling is not needed: fs.watch sees appends. The first read covers what is already there.
    this.watcher = watch(this.path, { ignoreInitial: false, awaitWriteFinish: false });
    this.watcher.on('add', () => this.schedule());
    this.watcher.on('change', () => this.schedule());
    this.watcher.on('error', (error) => this.finish(error));
    // fs.watch may coalesce or drop change events under a burst of appends; a slow poll of the
    // file's size makes sure the last lines are read all the same.
    this.poll = setInterval(() => this.schedule(), 250);
    this.schedule();
    return this;
  }

  stop(): void {
    this.finish();
  }

  private schedule(): void {
    this.reading = this.reading.then(() => this.readNew()).catch((error) => this.finish(error));
  }

  private async readNew(): Promise<void> {
    if (this.ended) return;
    let file;
    try {
      file = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // not written yet
      throw error;
    }
    try {
      const { size } = await file.stat();
      if (size < this.offset) throw new InputError(`${this.path}: the file shrank while being followed`);
      if (size === this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      this.pending += buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await file.close();
    }
    const lines = this.pending.split('\n');
    this.pending = lines.pop()!;
    for (const line of lines) {
      this.lineNumber++;
      if (line.trim() === '') continue;
      if (this.header === undefined) {
        this.header = parseHeader(this.path, line);
        this.handlers.header(this.header);
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new InputError(`${this.path}: line ${this.lineNumber}: corrupt line (invalid JSON)`);
      }
      const parsed = SessionEventLineSchema.safeParse(json);
      if (!parsed.success) {
        const issue = (parsed.error as z.ZodError).issues[0]!;
        throw new InputError(`${this.path}: line ${this.lineNumber}: ${jsonPath(issue.path)}: ${issue.message}`);
      }
      this.handlers.event(parsed.data);
      if (END_EVENTS.has(parsed.data.event.type)) {
        this.ended = true;
        this.finish();
        return;
      }
    }
  }
}
