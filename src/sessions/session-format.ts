// Session files: a recording of one run, as JSON Lines. Line 1 is the header (the full context,
// the backend and the settings: never a key); every later line is one engine event with its
// time offset in milliseconds from the start of the run.
import { z } from 'zod';
import { EngineEventSchema } from '../engine/events.ts';
import { NativeContextSchema } from '../context/native-format.ts';

export const SESSION_FORMAT = 'memscope-session';
/** A session file's name: what the list shows and retention prunes. */
export const SESSION_FILE = /\.jsonl$/;
export const SESSION_VERSION = 1;

const SettingValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const SessionHeaderSchema = z
  .strictObject({
    format: z.literal(SESSION_FORMAT),
    version: z.literal(SESSION_VERSION),
    /** ISO 8601 time the run started. */
    created: z.string(),
    /** The memscope version that wrote the file. */
    memscope: z.string(),
    /** The recording process, so a reader can tell a live run from one that was killed. */
    pid: z.number().int().positive(),
    source: z.strictObject({
      path: z.string(),
      format: z.enum(['chat', 'native']),
      /** score --memories: the file was an agent's log, imported with these rules (the context below is what they made of it). */
      imported: z.strictObject({ log: z.enum(['openai', 'otel']), rules: z.array(z.string()), span: z.string().optional() }).optional(),
    }),
    backend: z.strictObject({
      /** "built-in" or the URLs of the scoring servers. */
      urls: z.array(z.string()),
      model: z.string().nullable(),
    }),
    /** The run's settings (mode, key, count, window, concurrency …); never a secret. */
    settings: z.record(z.string(), SettingValue),
    context: NativeContextSchema,
  })
  .meta({ title: 'memscope session header', description: 'Line 1 of a session file.' });

export const SessionEventLineSchema = z
  .strictObject({
    /** Milliseconds since the run started. */
    t: z.number().nonnegative(),
    event: EngineEventSchema,
  })
  .meta({ title: 'memscope session event', description: 'Lines 2 and after of a session file.' });

export type SessionHeader = z.infer<typeof SessionHeaderSchema>;
export type SessionEventLine = z.infer<typeof SessionEventLineSchema>;

/** The events after which nothing more is written. */
export const END_EVENTS = new Set(['run-done', 'run-failed', 'run-interrupted']);
