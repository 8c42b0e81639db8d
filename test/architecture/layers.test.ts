// The layout is the architecture: src/ is cut into layers, and a module may import only from its own
// layer or a lower one. React and Ink live in components/ and in src/app/ (the code that mounts them).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/helpers.ts';

/** Lowest first: the order in which data flows from the input file to the terminal. */
export const LAYERS = ['core', 'context', 'scoring', 'builtin', 'engine', 'run', 'sessions', 'tui', 'export', 'components', 'app', 'cli'] as const;
const REACT = new Set(['react', 'ink', 'react/jsx-runtime']);

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

/** 'src/engine/engine.ts' → 'engine'; 'components/App.tsx' → 'components'. */
function layerOf(file: string): string {
  if (file.startsWith('components/')) return 'components';
  const layer = file.split('/')[1] ?? '';
  assert.ok((LAYERS as readonly string[]).includes(layer), `${file}: src/${layer} is not a known layer (add it to LAYERS in test/architecture)`);
  return layer;
}

/** Every module a file imports: static, dynamic and `typeof import()`, with the line each is on. */
function imports(file: string, text = readFileSync(join(ROOT, file), 'utf8')): { spec: string; line: number }[] {
  const found: { spec: string; line: number }[] = [];
  for (const match of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'([^']+)'/gm)) {
    found.push({ spec: match[1]!, line: text.slice(0, match.index).split('\n').length });
  }
  return found;
}

const files = [...sources('src'), ...sources('components')];

test('the source tree has files in every layer it names', () => {
  assert.ok(files.length > 50);
  const present = new Set(files.map(layerOf));
  for (const layer of LAYERS) assert.ok(present.has(layer), `no files in ${layer}`);
});

/** The imports of `file` that reach a higher layer than its own. */
function upwardImports(file: string, found: { spec: string; line: number }[]): string[] {
  const rank = LAYERS.indexOf(layerOf(file) as (typeof LAYERS)[number]);
  const broken: string[] = [];
  for (const { spec, line } of found) {
    if (!spec.startsWith('.')) continue;
    const target = posix.normalize(posix.join(dirname(file), spec));
    const targetRank = LAYERS.indexOf(layerOf(target) as (typeof LAYERS)[number]);
    if (targetRank > rank) broken.push(`${file}:${line} (${LAYERS[rank]}) imports ${target} (${LAYERS[targetRank]})`);
  }
  return broken;
}

test('no module imports from a higher layer', () => {
  assert.deepEqual(files.flatMap((file) => upwardImports(file, imports(file))), []);
});

test('React and Ink are imported only by components/ and src/app/', () => {
  const broken = files
    .filter((file) => !file.startsWith('components/') && !file.startsWith('src/app/'))
    .flatMap((file) => imports(file).filter(({ spec }) => REACT.has(spec)).map(({ line, spec }) => `${file}:${line} imports ${spec}`));
  assert.deepEqual(broken, []);
});

test('the layer check sees a violation when there is one', () => {
  // The check must be able to fail: the engine reaching up into the CLI, or src/ into components/.
  assert.deepEqual(upwardImports('src/engine/engine.ts', [{ spec: '../cli/cli.ts', line: 3 }]), [
    'src/engine/engine.ts:3 (engine) imports src/cli/cli.ts (cli)',
  ]);
  assert.equal(upwardImports('src/tui/run-store.ts', [{ spec: '../../components/App.tsx', line: 1 }]).length, 1);
  assert.deepEqual(upwardImports('src/cli/cli.ts', [{ spec: '../engine/engine.ts', line: 1 }]), []);
});

/** Where `text` loads undici's index at run time (an `import type` loads nothing). */
function undiciIndexLoads(file: string, text: string): string[] {
  const lines = text.split('\n');
  return imports(file, text)
    .filter(({ spec, line }) => spec === 'undici' && !/^\s*import\s+type\b/.test(lines[line - 1]!))
    .map(({ line }) => `${file}:${line}`);
}

test("undici's index is never loaded by memscope: its Agent and request() come from src/scoring/http-agent.ts", () => {
  // The index also loads fetch, WebSocket, caches and mocks: ~30 ms more on every HTTP run's start.
  const broken = files.filter((file) => !file.endsWith('.d.ts')).flatMap((file) => undiciIndexLoads(file, readFileSync(join(ROOT, file), 'utf8')));
  assert.deepEqual(broken, []);
  // The check sees one when there is one.
  assert.deepEqual(undiciIndexLoads('src/x.ts', "import type { Agent } from 'undici';\nconst u = await import('undici');\nimport { request } from 'undici';\n"), ['src/x.ts:2', 'src/x.ts:3']);
});
