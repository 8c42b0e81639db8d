// What `npm pack` ships: the bundle and the fixtures the docs' recipes and the demo read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from '../support/helpers.ts';

test('the package ships the bundle, fixtures/small.json (the recipes) and fixtures/medium.json (the demo)', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const files = new Set((JSON.parse(out) as [{ files: { path: string }[] }])[0].files.map((file) => file.path));
  for (const path of ['dist/bundle/memscope.js', 'fixtures/small.json', 'fixtures/medium.json', 'package.json']) assert.ok(files.has(path), `${path} is packed`);
  assert.ok(![...files].some((path) => path.startsWith('src/') || path.startsWith('test/')), 'no sources');
});
