// The shipped command: dist/src (tsc's output) and its dependencies bundled into dist/bundle, so the
// installed package needs no node_modules and starts without resolving hundreds of files. Modules
// loaded on demand (a command, the screen, the HTTP client) stay separate chunks, loaded on demand.
import commonjs from '@rollup/plugin-commonjs';
import json from '@rollup/plugin-json';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import replace from '@rollup/plugin-replace';
import { rmSync } from 'node:fs';
import { builtinModules } from 'node:module';

const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

// Chunk names carry content hashes: a new build starts from an empty folder, or old chunks would ship too.
rmSync('dist/bundle', { recursive: true, force: true });

export default {
  input: { memscope: 'dist/src/cli/memscope.js' },
  output: { dir: 'dist/bundle', format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
  // Ink imports React's devtools only when DEV=true; memscope never ships them.
  external: (id) => builtins.has(id) || id === 'react-devtools-core',
  plugins: [
    // React picks its production build from NODE_ENV; the bundle fixes it at build time.
    replace({ preventAssignment: true, include: ['**/node_modules/**'], values: { 'process.env.NODE_ENV': JSON.stringify('production') } }),
    json(),
    nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }),
    // undici requires node:sqlite (Node 22) only for a cache store memscope never makes: left a plain
    // require, never run, rather than a static import that fails on Node 20.
    commonjs({ ignoreDynamicRequires: true, ignore: ['node:sqlite'] }),
  ],
  onwarn(warning, warn) {
    // Circular imports inside dependencies (zod, undici) and `this` at the top of their CJS files are theirs and harmless.
    if (warning.code === 'CIRCULAR_DEPENDENCY' || warning.code === 'THIS_IS_UNDEFINED') return;
    warn(warning);
  },
};
