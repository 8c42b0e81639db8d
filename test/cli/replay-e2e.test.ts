// Sessions on the real screen in tmux: a run recorded, replayed (pause, step, seek, speed, quit),
// and the sessions list opening it. MEMSCOPE_SESSIONS points into the test's own directory.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, BIN } from '../support/helpers.ts';
import { AFTER, ROOT, SKIP, Tmux } from '../support/tmux.ts';

/** Records a small run headless into the sessions directory; returns the file and its event count. */
function record(tmux: Tmux): { file: string; events: number } {
  mkdirSync(tmux.sessions, { recursive: true });
  const file = join(tmux.sessions, 'small.jsonl');
  const run = spawnSync(process.execPath, [BIN, 'score', 'fixtures/small.json', '--latency', '150', '--record', file, '--json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '' } });
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
      tmux.start(`node ${BIN} replay ${file} --speed 0.1; ${AFTER}`, 120, 30);
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
      assert.match(end, /^✓ deploy-billing-api-1(?: \(2\))? +\d+\.\d+ /m, 'the replayed matrix (the key sits in two memory turns)');
      assert.match(end, /␣ again/);
      const after = await tmux.quit(['q']);
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
      tmux.start(`node ${BIN} sessions; ${AFTER}`, 120, 24);
      await tmux.waitFor('the list', (s) => /memscope sessions · .* 1 recorded/.test(s) && /fixtures\/small\.json +full +8 +12 done/.test(s));
      // A session that appears while the list is open shows up (newest first); one that cannot be read says why.
      const text = readFileSync(join(tmux.sessions, 'small.jsonl'), 'utf8');
      writeFileSync(join(tmux.sessions, 'zz-broken.jsonl'), text.replace(/"created":"[^"]+"/, '"created":"2099-01-01T00:00:00.000Z"').replace(/\n.*\n/, '\n{oops}\n'));
      await tmux.waitFor('the new session', (s) => /2 recorded/.test(s));
      tmux.keys('Enter');
      await tmux.waitFor('the reason', (s) => /zz-broken\.jsonl: line 2: corrupt line/.test(s) && /memscope sessions/.test(s));
      tmux.keys('j', 'Enter');
      await tmux.waitFor('the replay', (s) => /small\.jsonl · full matrix/.test(s) && /replay \d+\/\d+ ×1/.test(s));
      tmux.keys('q');
      await tmux.waitFor('the list again', (s) => /memscope sessions/.test(s));
      const after = await tmux.quit(['q']);
      assert.match(after, /after-memscope exit=0/);
    } finally {
      tmux.kill();
    }
  });

  it('follows a session another process is writing, until its end', async () => {
    const tmux = new Tmux();
    mkdirSync(tmux.sessions, { recursive: true });
    const file = join(tmux.sessions, 'live.jsonl');
    const writer = spawn(process.execPath, [BIN, 'score', 'fixtures/medium.json', '--latency', '250', '--concurrency', '2', '--record', file, '--headless'], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise((resolve) => writer.on('close', resolve));
    try {
      tmux.start(`node ${BIN} replay --follow ${file}; ${AFTER}`, 120, 30);
      const live = await tmux.waitFor('the live run', (s) => /follow \d+\/\d+ instant live/.test(s) && /scoring: \S/.test(s));
      assert.match(live, /live\.jsonl · full matrix/);
      const end = await tmux.waitFor('the end of the run', (s) => /✓ done: 41 calls/.test(s), 60_000);
      assert.match(end, /replay (\d+)\/\1 instant end/, 'no longer live');
      const after = await tmux.quit(['q']);
      assert.match(after, /after-memscope exit=0/);
    } finally {
      writer.kill();
      await exited;
      tmux.kill();
    }
  });

  it('watch: scores the context, and again when it is replaced atomically, saying what changed and what retention removed', async () => {
    const tmux = new Tmux();
    try {
      mkdirSync(tmux.sessions, { recursive: true });
      // Three old sessions and a keep of 3: each run's recording removes the oldest one left.
      for (let i = 0; i < 3; i++) {
        writeFileSync(join(tmux.sessions, `old-${i}.jsonl`), '{}\n');
        utimesSync(join(tmux.sessions, `old-${i}.jsonl`), 1000 + i, 1000 + i);
      }
      const context = join(tmux.sessions, 'context.json');
      const chat = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'small.json'), 'utf8'));
      writeFileSync(context, JSON.stringify(chat));
      tmux.start(`MEMSCOPE_SESSIONS_KEEP=3 node ${BIN} watch ${context} --latency 50; ${AFTER}`, 120, 30);
      await tmux.waitFor('the first run', (s) => /context\.json · watch · full matrix/.test(s) && /✓ done: 9 calls/.test(s));
      chat.conversation.push({ role: 'memory', key: 'added-memory', content: 'a memory added while watching' }, { role: 'user', content: 'and now?' }, { role: 'assistant', content: 'an answer after it' });
      writeFileSync(`${context}.tmp`, JSON.stringify(chat));
      renameSync(`${context}.tmp`, context);
      const second = await tmux.waitFor('the second run', (s) => /✓ done: 10 calls/.test(s) && /changed: 1 memory added \(added-memory\); 1 response appended/.test(s));
      assert.match(second, /^✓ added-memory +\d/m);
      assert.match(second, /memory 1\/9/);
      const after = await tmux.quit(['q']);
      assert.match(after, /after-memscope exit=0/);
      // Retention's line, once for the whole watch, as `score` says it.
      assert.match(after.replace(/\n/g, ''), /memscope: removed the 2 oldest sessions from .+: it keeps the newest 3 \(MEMSCOPE_SESSIONS_KEEP\)/);
      assert.deepEqual(readdirSync(tmux.sessions).filter((name) => name.startsWith('old-')), ['old-2.jsonl']);
      // Both runs were recorded in the sessions directory, each a session of its own.
      const sessions = readdirSync(tmux.sessions).filter((name) => name.endsWith('.jsonl') && !name.startsWith('old-')).sort();
      assert.equal(sessions.length, 2, sessions.join(', '));
      const calls = await Promise.all(sessions.map(async (name) => JSON.parse((await runCli(['replay', join(tmux.sessions, name), '--json'])).stdout).calls));
      assert.deepEqual(calls.sort((a, b) => a - b), [9, 10]);
    } finally {
      tmux.kill();
    }
  });
});
