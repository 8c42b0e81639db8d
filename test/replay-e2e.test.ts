// Sessions on the real screen in tmux: a run recorded, replayed (pause, step, seek, speed, quit),
// and the sessions list opening it. MEMSCOPE_SESSIONS points into the test's own directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AFTER, ROOT, SKIP, Tmux } from './tmux.ts';

/** Records a small run headless into the sessions directory; returns the file and its event count. */
function record(tmux: Tmux): { file: string; events: number } {
  mkdirSync(tmux.sessions, { recursive: true });
  const file = join(tmux.sessions, 'small.jsonl');
  const run = spawnSync(process.execPath, ['src/memscope.js', 'score', 'fixtures/small.json', '--latency', '150', '--record', file, '--json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '' } });
  assert.equal(run.status, 0, run.stderr);
  return { file, events: readFileSync(file, 'utf8').trim().split('\n').length - 1 };
}

const position = (screen: string) => /replay (\d+)\/(\d+)/.exec(screen);

describe('replay in a terminal', { skip: SKIP }, () => {
  it('replays a recorded run on the screen: pause, step, seek, speed, quit', async () => {
    const tmux = new Tmux();
    try {
      const { file, events } = record(tmux);
      // At a tenth of the speed the run of about half a second takes several seconds.
      tmux.start(`node src/memscope.js replay ${file} --speed 0.1; ${AFTER}`, 120, 30);
      const first = await tmux.waitFor('the replay header', (s) => /memscope .*small\.jsonl · full matrix/.test(s) && /replay \d+\/\d+ ×0\.1/.test(s));
      assert.equal(Number(position(first)![2]), events, 'the header counts every recorded event');
      tmux.keys('Space');
      const paused = await tmux.waitFor('the pause', (s) => /⏸ paused/.test(s));
      const at = Number(position(paused)![1]);
      assert.ok(at < events, 'paused before the end');
      tmux.keys('.');
      await tmux.waitFor('one step', (s) => Number(position(s)?.[1]) === at + 1 && /⏸ paused/.test(s));
      tmux.keys('>', '>');
      await tmux.waitFor('two events further', (s) => Number(position(s)?.[1]) === at + 3);
      tmux.keys('<');
      await tmux.waitFor('one event back', (s) => Number(position(s)?.[1]) === at + 2);
      // Seeking to the start rebuilds the state: nothing has run yet.
      tmux.keys('S-Left', 'S-Left', 'S-Left', 'S-Left', 'S-Left', 'S-Left', 'S-Left', 'S-Left', 'S-Left', 'S-Left', 'S-Left');
      const start = await tmux.waitFor('the start', (s) => Number(position(s)?.[1]) === 0);
      assert.match(start, /0\/0 calls/);
      tmux.keys('+', '+');
      await tmux.waitFor('faster', (s) => /×0\.4/.test(s));
      tmux.keys('Space');
      const end = await tmux.waitFor('the end of the replay', (s) => /✓ done: 9 calls/.test(s) && /replay (\d+)\/\1 ×0\.4 end/.test(s), 30_000);
      assert.match(end, /^✓ deploy-billing-api-1 +\d+\.\d+ /m, 'the replayed matrix');
      assert.match(end, /␣ again/);
      tmux.keys('q');
      const after = await tmux.waitFor('memscope to exit', (s) => /after-memscope exit=.*:end/.test(s));
      assert.match(after, /after-memscope exit=0 modes=.*\bicanon\b/);
      assert.equal(tmux.display('#{alternate_on}'), '0');
    } finally {
      tmux.kill();
    }
  });

  it('lists the recorded sessions and opens one in replay with Enter', async () => {
    const tmux = new Tmux();
    try {
      record(tmux);
      tmux.start(`node src/memscope.js sessions; ${AFTER}`, 120, 24);
      await tmux.waitFor('the list', (s) => /memscope sessions · .* 1 recorded/.test(s) && /fixtures\/small\.json +full +8 +12 done/.test(s));
      tmux.keys('Enter');
      await tmux.waitFor('the replay', (s) => /small\.jsonl · full matrix/.test(s) && /replay \d+\/\d+ ×1/.test(s));
      tmux.keys('q');
      await tmux.waitFor('the list again', (s) => /memscope sessions/.test(s));
      tmux.keys('q');
      const after = await tmux.waitFor('memscope to exit', (s) => /after-memscope exit=.*:end/.test(s));
      assert.match(after, /after-memscope exit=0/);
    } finally {
      tmux.kill();
    }
  });
});
