// `score --search` in a real terminal: tmux runs the binary; the test sees a group's rows marked
// together, the header's label, the activity line's count of memories, and the run's end.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AFTER, SKIP, Tmux } from '../support/tmux.ts';
import { BIN } from '../support/helpers.ts';

describe('score --search in a terminal', { skip: SKIP }, () => {
  it('marks the groups being ablated, counts memories resolved, and ends with the search’s calls', async () => {
    const tmux = new Tmux();
    try {
      tmux.start(`node ${BIN} score fixtures/medium.json --search --latency 150 --concurrency 2; ${AFTER}`);
      const group = await tmux.waitFor('a group of 8 being ablated, and the search’s activity', (s) => /^┌ \S+(?: \(\d\))? +×8 /m.test(s) && /^└ \S+(?: \(\d\))? +×8 /m.test(s) && /search: \d+ exact, \d+ cleared, \d+ groups? ablated/.test(s));
      assert.match(group, /memscope .*medium\.json · full matrix \(search T=1\.0\)/);
      assert.match(group, /\d+% \d+\/40 memories/);
      const done = await tmux.waitFor('the end of the run', (s) => /✓ done: \d+ calls/.test(s));
      assert.doesNotMatch(done, /×\d/, 'no group left marked');
      assert.match(done, /^✓ config-auth-gateway-1 +\d+\.\d+ /m);
      const after = await tmux.quit(['q']);
      assert.match(after, /after-memscope exit=0/);
    } finally {
      tmux.kill();
    }
  });
});
