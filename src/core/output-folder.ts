// A file written where the user said (-o, --record) goes into a folder that exists: a typo in a
// path is an error naming the folder, not a new folder tree made in silence.
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from './errors.ts';

/** Throws an InputError when `path`'s folder is missing or not a folder; `flag` names the option. */
export function checkOutputFolder(flag: string, path: string): void {
  const folder = dirname(path);
  let problem: string | undefined;
  try {
    if (!statSync(folder).isDirectory()) problem = 'is not a folder';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problem = code === 'ENOENT' ? 'does not exist (memscope makes no folders here: create it first)' : `cannot be read (${code ?? 'error'})`;
  }
  if (problem !== undefined) throw new InputError(`${flag}: ${path}: the folder ${folder} ${problem}`);
}
