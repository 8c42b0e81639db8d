// `npm run bench`: the start-up, scoring and screen benchmarks in one run, each in a process of
// its own (one's heap and JIT state must not colour the next), with the options passed on to
// each: `-- --quick` a smoke run on smaller inputs, `-- --gpu` the GPU-cost table alone.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const options = process.argv.slice(2);
const parts = options.includes('--gpu') ? ['run.js'] : ['startup.js', 'run.js', 'screen.js'];
for (const part of parts) {
  const { status, signal } = spawnSync(process.execPath, [join(import.meta.dirname, part), ...options], { stdio: 'inherit' });
  if (status !== 0) {
    process.stderr.write(`bench: ${part} ${signal ? `was killed (${signal})` : `exited ${status}`}\n`);
    process.exit(status ?? 1);
  }
}
