// memscope's own files (package.json, the demo fixture) are found by walking up from this module:
// compiled code runs from dist/src/core in a clone and from node_modules/memscope/dist/src/core
// when installed, so no fixed number of '..' fits both.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`memscope: no package.json above ${start}`);
  }
}

/** The folder holding memscope's package.json. */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A file of memscope's own package, by its path from the package root. */
export const packageFile = (path: string): string => join(PACKAGE_ROOT, path);
