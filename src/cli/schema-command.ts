// `memscope schema [name]`: the JSON Schema of a file format, derived from its zod schema.
import { z } from 'zod';
import { ChatContextSchema } from '../context/chat-format.ts';
import type { CliIo } from './cli-io.ts';
import { InputError } from '../core/errors.ts';
import { NativeContextSchema } from '../context/native-format.ts';
import { SessionEventLineSchema, SessionHeaderSchema } from '../sessions/session-format.ts';
import { TemplateFileSchema } from '../context/text-template.ts';
import { WeightStoreSchema } from '../engine/weight-store.ts';

const SCHEMAS: Record<string, z.ZodType> = {
  context: NativeContextSchema,
  chat: ChatContextSchema,
  weights: WeightStoreSchema,
  template: TemplateFileSchema,
  'session-header': SessionHeaderSchema,
  'session-event': SessionEventLineSchema,
};

export function schema(args: string[], io: CliIo): number {
  const name = args[0] ?? 'context';
  const chosen = SCHEMAS[name];
  if (args.length > 1 || chosen === undefined) throw new InputError(`schema: expected one of ${Object.keys(SCHEMAS).join(', ')}, got "${args.join(' ')}"`);
  io.stdout.write(`${JSON.stringify(z.toJSONSchema(chosen, { io: 'input' }), null, 2)}\n`);
  return 0;
}

