// Following a file that is not there yet: its folder must exist (else a typo, said at once);
// the file is waited for, up to a limit, polling, because another process may be about to write it.
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError } from './errors.ts';
import { checkOutputFolder } from './output-folder.ts';

const POLL_MS = 200;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new InputError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Resolves once `path` exists; `waiting` is called once if it has to wait. Throws an InputError
 * when its folder is missing or it has not appeared within `seconds`; resolves false if `signal`
 * aborts meanwhile.
 */
export async function waitForFile(path: string, seconds: number, waiting: () => void, signal?: AbortSignal): Promise<boolean> {
  if (await exists(path)) return true;
  try {
    checkOutputFolder('--follow', path);
  } catch {
    throw new InputError(`--follow: ${path}: the folder ${dirname(path)} does not exist`);
  }
  if (seconds > 0) waiting();
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (signal?.aborted) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
    if (await exists(path)) return true;
  }
  throw new InputError(`--follow: ${path} did not appear within ${seconds} s; --wait SECONDS waits longer`);
}
