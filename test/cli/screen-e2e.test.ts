// The real binary in a real terminal: tmux runs `memscope` (the demo), the test waits for the
// matrix, moves, opens the detail pane, quits, and reads the screen (colours included) and the
// terminal's state afterwards. Each test has its own tmux server, killed at the end.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tmpdir } from 'node:os';
import { AFTER, SKIP, Tmux } from '../support/tmux.ts';
import { BIN } from '../support/helpers.ts';


describe('memscope in a terminal', { skip: SKIP }, () => {
  it('shows the demo filling in, moves, opens the detail pane, and gives the terminal back on q', async () => {
    const tmux = new Tmux();
    try {
      tmux.start(`printf "before-memscope\\n"; node ${BIN}; ${AFTER}`);
      await tmux.waitFor('the matrix', (s) => /memscope .*medium\.json · full matrix/.test(s) && /memory 1\/40/.test(s));
      assert.equal(tmux.display('#{alternate_on}'), '1', 'the screen draws on the alternate screen');
      const done = await tmux.waitFor('the end of the run', (s) => /✓ done: 41 calls/.test(s));
      assert.match(done, /41\/41 calls/);
      assert.match(done, /^✓ deploy-billing-api-1(?: \(\d\))? +\d+\.\d+ /m);
      assert.match(done, /· <0\.01 {2}0\.01 .* \d+\.\d log/, 'the legend shows the value range');

      const colours = tmux.capture(true);
      // Cells under 0.01 (most of them) read as background with a faint dot; the rest are viridis.
      assert.match(colours, /\u001b\[38;2;72;72;72m·/);
      assert.ok(new Set(colours.match(/48;2;\d+;\d+;\d+/g)).size >= 4, 'several heat colours');

      // The overview folds all 40 × 40 in; z again zooms back.
      tmux.keys('z');
      await tmux.waitFor('the overview', (s) => /overview 40×100/.test(s));
      tmux.keys('z');
      await tmux.waitFor('the matrix again', (s) => /memory \d+\/40/.test(s));
      tmux.keys('g', '0');
      await tmux.waitFor('the first memory', (s) => /memory 1\/40/.test(s));

      tmux.keys('j', 'j', 'l', 'l', 'l');
      await tmux.waitFor('the cursor on the third memory', (s) => /memory 3\/40/.test(s));
      tmux.keys('Enter');
      const detail = await tmux.waitFor('the detail pane', (s) => /config-auth-gateway-1 \(entry \d+\) × response at entry \d+/.test(s));
      assert.match(detail, /memory +auth-gateway \(cluster 1\) reads its settings/);
      assert.match(detail, /divergence \d+\.\d+ · baseline logprob -\d+\.\d+/);
      assert.match(detail, /rank {2,}\d+ of 40/);
      assert.match(detail, /response +\S/);

      const after = await tmux.quit(['q']);
      assert.match(after, /after-memscope exit=0 modes=.*\bicanon\b/);
      assert.match(after.replace(/\n(?!after)/g, ''), /memscope: done: 41 calls in \d+\.\d\ds; session saved to .*sessions\/.*\.jsonl/, 'one line on how the run ended');
      assert.match(after, /\becho\b/);
      assert.doesNotMatch(after, /-icanon|-echo/, 'the terminal left raw mode');
      assert.match(after, /^before-memscope$/m, 'what was on the terminal before is back');
      assert.doesNotMatch(after, /full matrix|memory \d+\/40/, 'nothing of the screen is left');
      assert.equal(tmux.display('#{alternate_on}'), '0', 'back on the main screen');
      assert.equal(tmux.display('#{cursor_flag}'), '1', 'the cursor is visible again');
      const recorded = readdirSync(tmux.sessions);
      assert.equal(recorded.length, 1, 'the screen recorded the run');
      assert.match(readFileSync(join(tmux.sessions, recorded[0]!), 'utf8'), /"type":"run-done"/);
    } finally {
      tmux.kill();
    }
  });

  it('shows a run that fails as a whole on the screen, and exits with 1 on q', async () => {
    const tmux = new Tmux();
    try {
      // Port 9 (discard) on loopback: nothing listens, the baseline call is refused.
      // Three old sessions and a keep of 2: the oldest two go when this run starts recording.
      mkdirSync(tmux.sessions, { recursive: true });
      for (let i = 0; i < 3; i++) {
        writeFileSync(join(tmux.sessions, `old-${i}.jsonl`), '{}\n');
        utimesSync(join(tmux.sessions, `old-${i}.jsonl`), 1000 + i, 1000 + i);
      }
      tmux.start(`MEMSCOPE_SESSIONS_KEEP=2 node ${BIN} score fixtures/small.json --url http://127.0.0.1:9/v1 --retries 0; ${AFTER}`, 80, 24);
      const failed = await tmux.waitFor('the failure', (s) => /✗ scoring failed: baseline failed: /.test(s));
      // The whole error shows above the matrix; rows never scored read cancelled, not pending.
      assert.match(failed, /^ ✗ scoring failed: baseline failed: connection refused \(ECONNREFUSED\); server: *\n http:\/\/127\.0\.0\.1:9\/v1 *$/m);
      const calls = /(\d+)\/9 calls/.exec(failed)![1];
      assert.match(failed, /memory 1\/8/, 'the screen stays open on the failed run');
      assert.match(failed, /^○ deploy-billing-api-1 +– +│cancelled: the run failed before it was sc/m);
      assert.doesNotMatch(failed, /^· /m, 'no row left pending');
      const after = await tmux.quit(['q']);
      assert.match(after, /after-memscope exit=1/);
      // The same count of calls on the screen and in the line after it.
      assert.match(after.replace(/\n/g, ''), new RegExp(`memscope: scoring failed after ${calls}/9 calls: baseline failed: connection refused \\(ECONNREFUSED\\); server: http://127\\.0\\.0\\.1:9/v1; session saved to `));
      // Retention said what it removed, once the screen was gone.
      assert.match(after.replace(/\n/g, ''), /memscope: removed the 2 oldest sessions from .+: it keeps the newest 2 \(MEMSCOPE_SESSIONS_KEEP\)/);
      assert.deepEqual(readdirSync(tmux.sessions).filter((f) => f.startsWith('old-')), ['old-2.jsonl'], 'the newest 2 are kept');
      assert.equal(readdirSync(tmux.sessions).length, 2);
    } finally {
      tmux.kill();
    }
  });

  it('Ctrl-C during a run cancels the calls in flight and exits with 130', async () => {
    const tmux = new Tmux();
    try {
      // With 5 s per call the run would take about a minute; quitting must not wait for it.
      tmux.start(`node ${BIN} score fixtures/medium.json --latency 5000; ${AFTER}`, 100, 30);
      // Calls start with the screen (rows no longer wait for the baseline): wait for the matrix.
      await tmux.waitFor('the screen', (s) => /memory 1\/40/.test(s) && /0\/41 calls/.test(s));
      const after = await tmux.quit(['C-c'], 30_000);
      assert.match(after, /after-memscope exit=130/);
      assert.match(after, /^memscope: interrupted at 0\/41 calls after \d+\.\d\ds; session saved to /m);
      assert.equal(tmux.display('#{alternate_on}'), '0');
      // The run was recorded, and the recording ends with the interruption.
      const [file] = readdirSync(tmux.sessions);
      const lines = readFileSync(join(tmux.sessions, file!), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines[0].format, 'memscope-session');
      assert.equal(lines.at(-1).event.type, 'run-interrupted');
    } finally {
      tmux.kill();
    }
  });

  it('q during a run stops it and exits with 130, as Ctrl-C does (a finished run exits 0)', async () => {
    const tmux = new Tmux();
    try {
      tmux.start(`node ${BIN} score fixtures/medium.json --latency 5000; ${AFTER}`, 100, 30);
      await tmux.waitFor('the screen', (s) => /memory 1\/40/.test(s) && /0\/41 calls/.test(s));
      const after = await tmux.quit(['q'], 30_000);
      assert.match(after, /after-memscope exit=130/);
      assert.match(after, /^memscope: interrupted at 0\/41 calls after /m);
    } finally {
      tmux.kill();
    }
  });

  it('Ctrl-Z gives the terminal back and stops; fg brings the screen back, drawn whole, reading keys again', async () => {
    const tmux = new Tmux();
    const dir = mkdtempSync(join(tmpdir(), 'memscope-suspend-'));
    try {
      // A shell with job control, as a user's: Ctrl-Z stops the job, the shell reads a line, then fg.
      const script = join(dir, 'suspend.sh');
      writeFileSync(script, `set -m\nnode ${BIN} score fixtures/small.json --latency 50\necho "stopped status=$?"\nread line\nfg\n${AFTER}\n`);
      tmux.start(`bash ${script}`, 100, 30);
      await tmux.waitFor('the finished run', (s) => /✓ done: 9 calls/.test(s) && /memory 1\/8/.test(s));
      tmux.keys('C-z');
      const stopped = await tmux.waitFor('the shell', (s) => /stopped status=148/.test(s));
      assert.equal(tmux.display('#{alternate_on}'), '0', 'back on the main screen while stopped');
      assert.equal(tmux.display('#{cursor_flag}'), '1', 'the cursor is visible while stopped');
      assert.doesNotMatch(stopped, /memory 1\/8/);
      // The terminal is in cooked mode: what the user types is the shell's line, echoed.
      tmux.keys('typed-by-user');
      await tmux.waitFor('the echoed line', (s) => /typed-by-user/.test(s));
      tmux.keys('Enter');
      const back = await tmux.waitFor('the screen again', (s) => /memory 1\/8/.test(s) && /✓ done: 9 calls/.test(s));
      assert.doesNotMatch(back, /typed-by-user/, 'the screen is drawn whole, over what the shell wrote');
      assert.equal(tmux.display('#{alternate_on}'), '1');
      tmux.keys('j');
      await tmux.waitFor('keys read again', (s) => /memory 2\/8/.test(s));
      const after = await tmux.quit(['q']);
      assert.match(after, /after-memscope exit=0 modes=.*\bicanon\b/);
    } finally {
      tmux.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
