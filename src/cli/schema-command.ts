// `memscope schema [name]`: the JSON Schema of a file format, derived from its zod schema.
import { z } from 'zod';
import { ChatContextSchema } from '../context/chat-format.ts';
import type { CliIo } from './cli-io.ts';
import { InputError } from '../core/errors.ts';
import { COMMANDS, parseCommandArgs } from './commands.ts';
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

export const SCHEMA_NAMES = Object.keys(SCHEMAS);

export function schema(args: string[], io: CliIo): number {
  const { positionals } = parseCommandArgs(COMMANDS.schema, args);
  const name = positionals[0] ?? SCHEMA_NAMES[0]!;
  const chosen = SCHEMAS[name];
  if (positionals.length > 1 || chosen === undefined) throw new InputError(`schema: expected one of ${SCHEMA_NAMES.join(', ')}, got "${positionals.join(' ')}"`);
  io.stdout.write(`${JSON.stringify(z.toJSONSchema(chosen, { io: 'input' }), null, 2)}\n`);
  return 0;
}

