#!/usr/bin/env node
// The entry point: compiled to dist/src/cli/memscope.js, then bundled to dist/bundle/memscope.js (the bin).

// React and its reconciler load (and render) several times faster in their production builds.
process.env.NODE_ENV ??= 'production';
// A reader that stops early (`memscope sessions --json | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const { main } = await import('./cli.ts');
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY && process.stdin.isTTY),
});
process.exitCode = code;
