// The real binary in a real terminal: tmux runs `memscope` (the demo), the test waits for the
// matrix, moves, opens the detail pane, quits, and reads the screen (colours included) and the
// terminal's state afterwards. Each test has its own tmux server, killed at the end.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
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
      assert.match(done, /^✓ deploy-billing-api-1 +\d+\.\d+ /m);
      assert.match(done, /· <0\.01  0\.01 .* \d+\.\d log/, 'the legend shows the value range');

      const colours = tmux.capture(true);
      // Viridis cells in 24-bit colour: the dark end (68,1,84) fills most of the matrix.
      assert.match(colours, /\u001b\[[0-9;]*48;2;68;1;84m/);
      assert.ok(new Set(colours.match(/48;2;\d+;\d+;\d+/g)).size >= 4, 'several heat colours');

      tmux.keys('j', 'j', 'l', 'l', 'l');
      await tmux.waitFor('the cursor on the third memory', (s) => /memory 3\/40/.test(s));
      tmux.keys('Enter');
      const detail = await tmux.waitFor('the detail pane', (s) => /config-auth-gateway-1 \(entry \d+\) × response at entry \d+/.test(s));
      assert.match(detail, /memory +auth-gateway \(cluster 1\) reads its settings/);
      assert.match(detail, /divergence \d+\.\d+ · baseline logprob -\d+\.\d+/);
      assert.match(detail, /rank \d+ of 40/);
      assert.match(detail, /response +\S/);

      const after = await tmux.quit(['q']);
      assert.match(after, /after-memscope exit=0 modes=.*\bicanon\b/);
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
      tmux.start(`node ${BIN} score fixtures/small.json --url http://127.0.0.1:9/v1; ${AFTER}`, 100, 24);
      const failed = await tmux.waitFor('the failure', (s) => /✗ scoring failed: baseline failed: /.test(s));
      assert.match(failed, /ECONNREFUSED|refused/);
      assert.match(failed, /memory 1\/8/, 'the screen stays open on the failed run');
      const after = await tmux.quit(['q']);
      assert.match(after, /after-memscope exit=1/);
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
});
