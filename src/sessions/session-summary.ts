// One line about a recorded session, read cheaply: the header without its context (which can be
// large), the run-started line for the counts, and the last line for how the run ended. Only a
// few small reads, whatever the file's size.
import { open, type FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { ModeSchema } from '../engine/events.ts';
import { SESSION_FORMAT } from './session-format.ts';

export type SummaryState = 'running' | 'done' | 'cut' | 'interrupted' | 'failed';

export interface SessionSummary {
  readonly path: string;
  readonly created: string;
  readonly context: string;
  readonly mode: string;
  readonly memories: number | null;
  readonly responses: number | null;
  readonly state: SummaryState;
  readonly size: number;
}

const CHUNK = 64 * 1024;

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The header's small fields: everything before its context (the schema puts context last). */
const HeaderHeadSchema = z.object({
  format: z.literal(SESSION_FORMAT),
  created: z.string(),
  pid: z.number().int(),
  source: z.object({ path: z.string() }),
  settings: z.object({ mode: ModeSchema }),
});

const RunStartedSchema = z.object({
  event: z.object({ type: z.literal('run-started'), memories: z.array(z.unknown()), responses: z.array(z.unknown()) }),
});

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** Offset of the first newline at or after `from`, or -1. */
async function findNewline(file: FileHandle, from: number, size: number): Promise<number> {
  for (let at = from; at < size; at += CHUNK) {
    const chunk = await readAt(file, at, Math.min(CHUNK, size - at));
    const i = chunk.indexOf(0x0a);
    if (i >= 0) return at + i;
  }
  return -1;
}

/** Offset just after the last newline before `before`, or 0. */
async function lineStartBefore(file: FileHandle, before: number): Promise<number> {
  for (let end = before; end > 0; end -= CHUNK) {
    const start = Math.max(0, end - CHUNK);
    const chunk = await readAt(file, start, end - start);
    const i = chunk.lastIndexOf(0x0a);
    if (i >= 0) return start + i + 1;
  }
  return 0;
}

function headerHead(text: string): z.infer<typeof HeaderHeadSchema> | undefined {
  const cut = text.indexOf(',"context":');
  for (const candidate of cut >= 0 ? [`${text.slice(0, cut)}}`, text] : [text]) {
    try {
      const parsed = HeaderHeadSchema.safeParse(JSON.parse(candidate));
      if (parsed.success) return parsed.data;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** The summary of one session file; undefined for a file that is not a session (yet). */
export async function summarizeSession(path: string, alive: (pid: number) => boolean = processAlive): Promise<SessionSummary | undefined> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = await file.stat();
    if (size === 0) return undefined;
    const head = (await readAt(file, 0, Math.min(CHUNK, size))).toString('utf8');
    const headerEnd = await findNewline(file, 0, size);
    // Only the small fields are parsed: up to the context when the header is long.
    const header = headerHead(headerEnd >= 0 && headerEnd < CHUNK ? head.slice(0, headerEnd) : head);
    if (!header) return undefined;
    let memories: number | null = null;
    let responses: number | null = null;
    let lastType: string | undefined;
    if (headerEnd >= 0) {
      const secondEnd = await findNewline(file, headerEnd + 1, size);
      if (secondEnd > headerEnd + 1) {
        try {
          const started = RunStartedSchema.safeParse(JSON.parse((await readAt(file, headerEnd + 1, secondEnd - headerEnd - 1)).toString('utf8')));
          if (started.success) {
            memories = started.data.event.memories.length;
            responses = started.data.event.responses.length;
          }
        } catch {
          // a corrupt line: the counts stay unknown
        }
      }
      // The last complete line: only its start is read, for the event's type.
      const complete = (await readAt(file, size - 1, 1))[0] === 0x0a ? size - 1 : await lineStartBefore(file, size) - 1;
      if (complete > headerEnd) {
        const start = await lineStartBefore(file, complete);
        const type = /"event":\{"type":"([a-z-]+)"/.exec((await readAt(file, start, Math.min(256, complete - start))).toString('utf8'));
        lastType = type?.[1];
      }
    }
    const ended: Record<string, SummaryState> = { 'run-done': 'done', 'run-failed': 'failed', 'run-interrupted': 'interrupted' };
    const state: SummaryState = (lastType && ended[lastType]) || (alive(header.pid) ? 'running' : 'cut');
    return { path, created: header.created, context: header.source.path, mode: header.settings.mode, memories, responses, state, size };
  } finally {
    await file.close();
  }
}
