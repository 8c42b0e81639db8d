// `npm ci` runs no package's install script (esbuild's used to warn on every install): nothing in
// the lockfile may bring one back.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/helpers.ts';

test('no dependency has an install script, and esbuild and tsx stay out', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const scripted = Object.entries(lock.packages).filter(([, info]) => info.hasInstallScript).map(([path]) => path);
  assert.deepEqual(scripted, []);
  const names = Object.keys(lock.packages);
  assert.deepEqual(names.filter((path) => /node_modules\/(esbuild|tsx|@esbuild\/[^/]+)$/.test(path)), []);
});
