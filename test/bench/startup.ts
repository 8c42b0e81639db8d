// `npm run bench`, part 1: how fast the installed command starts, measured side by side with a
// bare `node -e 0` in one run (medians, the commands interleaved so that a busy machine slows
// them alike).
//
//   - `memscope --version` against `node -e 0`
//   - `memscope score fixtures/small.json --json`, whole process
//   - the demo's first matrix frame in a real terminal (tmux): from the moment the shell starts
//     memscope to the first capture that shows a memory row; the same poll on a plain `echo`
//     gives the measuring overhead, printed beside it
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, fixture } from '../support/helpers.ts';
import { HAS_TMUX } from '../support/tmux.ts';
import { median } from './measure.ts';

const tiny = process.argv.includes('--tiny');
const runs = tiny ? 2 : 15;
const frames = tiny ? 1 : 7;

function wall(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  return ms;
}

/** Milliseconds from the shell's start of `command` to the first pane capture that passes `seen`. */
function firstFrame(command: string, seen: (screen: string) => boolean): number {
  const dir = mkdtempSync(join(tmpdir(), 'memscope-startup-'));
  const socket = join(dir, 'tmux.sock');
  const stamp = join(dir, 'start');
  const tmux = (...args: string[]) => spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
  try {
    // The shell writes the clock just before it starts the command: tmux's own start is not counted.
    tmux('new-session', '-d', '-x', '120', '-y', '30', '-c', ROOT, `env -u CI TERM=tmux-256color MEMSCOPE_SESSIONS=${dir}/sessions sh -c 'date +%s%N > ${stamp}; ${command}; sleep 30'`);
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      const screen = tmux('capture-pane', '-p').stdout;
      if (seen(screen)) {
        const now = BigInt(Date.now()) * 1_000_000n;
        return Number(now - BigInt(readFileSync(stamp, 'utf8').trim())) / 1e6;
      }
    }
    throw new Error(`no frame from ${command} within 20 s`);
  } finally {
    tmux('kill-server');
    rmSync(dir, { recursive: true, force: true });
  }
}

const times = { node: [] as number[], version: [] as number[], score: [] as number[] };
const small = fixture('small.json');
for (let i = 0; i < runs; i++) {
  times.node.push(wall(['-e', '0']));
  times.version.push(wall([BIN, '--version']));
  times.score.push(wall([BIN, 'score', small, '--json']));
}
const frame = { echo: [] as number[], demo: [] as number[] };
if (HAS_TMUX) {
  for (let i = 0; i < frames; i++) {
    frame.echo.push(firstFrame('echo ready-to-go', (s) => s.includes('ready-to-go')));
    // The demo's first memory row (medium fixture, position order): the matrix is on the screen.
    frame.demo.push(firstFrame(`node ${BIN}`, (s) => s.includes('deploy-billing-api-1')));
  }
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const node = median(times.node);
const version = median(times.version);
const rows: [string, string, string][] = [
  ['0. start-up: `node -e 0`, a bare Node start (the yardstick)', ms(node), ''],
  ['   `memscope --version`', `**${(version / node).toFixed(2)}×** node (${ms(version)})`, '≤ 1.5×'],
  ['   `memscope score fixtures/small.json --json`, whole process', `**${ms(median(times.score))}**`, '< 300 ms'],
  HAS_TMUX
    ? ['   the demo (`memscope`) in tmux: launch to first matrix frame', `**${ms(median(frame.demo))}** (the same poll on an \`echo\`: ${ms(median(frame.echo))})`, '< 500 ms']
    : ['   the demo (`memscope`) in tmux: launch to first matrix frame', 'not measured: tmux is not installed', '< 500 ms'],
];
console.log(`memscope start-up bench${tiny ? ' --tiny' : ''}: medians of ${runs} runs (${frames} frames), interleaved, compiled code from dist/\n`);
console.log('| measure | figure | target |');
console.log('| --- | --- | --- |');
for (const [what, figure, target] of rows) console.log(`| ${what.replace(/^ {3}/, '↳ ')} | ${figure} | ${tiny ? '' : target} |`);
console.log('');
