// Every command's flags go through node:util parseArgs (strict); its errors (an unknown flag, a
// missing value) become an InputError: one line, exit 2, like any other bad input.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError, errorMessage } from './errors.ts';

export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new InputError(errorMessage(error).split('\n')[0]);
    throw error;
  }
}
