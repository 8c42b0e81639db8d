// The diff screen in a real terminal (tmux): two recorded runs of the same context, the second
// with a journal entry that restates one memory (standing in for a model fine-tuned on it).
// `memscope diff A B`: s orders by the largest drop, Enter shows both cells, q quits (exit 0);
// then the sessions list: Space marks the two, d compares them, q back, q quits, terminal restored.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, fixture } from '../support/helpers.ts';
import { AFTER, ROOT, SKIP, Tmux } from '../support/tmux.ts';

function record(context: string, file: string): void {
  const run = spawnSync(process.execPath, [BIN, 'score', context, '--record', file, '--json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '' } });
  assert.equal(run.status, 0, run.stderr);
}

describe('diff in a terminal', { skip: SKIP }, () => {
  it('memscope diff A B: sorts by drop, shows a cell, quits; the sessions list opens the same diff with d', async () => {
    const tmux = new Tmux();
    try {
      mkdirSync(tmux.sessions, { recursive: true });
      const small = JSON.parse(readFileSync(fixture('small.json'), 'utf8')) as { journal: string[] };
      small.journal.push('Learned: deploys of billing-api (cluster 1) go through `make release-billing-api-1`; Maya is on call for it and rollbacks use argo rollouts.');
      const after = join(tmux.sessions, '..', 'after.json');
      writeFileSync(after, JSON.stringify(small));
      record(fixture('small.json'), join(tmux.sessions, 'before.jsonl'));
      record(after, join(tmux.sessions, 'after.jsonl'));

      const [before, afterRun] = [join(tmux.sessions, 'before.jsonl'), join(tmux.sessions, 'after.jsonl')];
      tmux.start(`node ${BIN} diff ${before} ${afterRun}; echo diff-exit=$?; node ${BIN} sessions; ${AFTER}`, 120, 30);
      await tmux.waitFor('the diff screen', (s) => /memscope diff +B − A · A .*before\.jsonl .*→ B .*after\.jsonl/.test(s) && /8×12 compared/.test(s));
      tmux.keys('s', 's');
      const sorted = await tmux.waitFor('the drop order', (s) => /sort: largest drop/.test(s));
      // The restated memory is the one the "fine-tuned" run no longer needs: the largest drop, on top.
      assert.match(sorted, /memory 1\/8 +max A +max B +↑change[^\n]*\n +deploy-billing-api-1 +203\.4 +1\.134 +-202\.3/);
      tmux.keys('Enter');
      const detail = await tmux.waitFor('the detail pane', (s) => /deploy-billing-api-1 × response 2/.test(s));
      assert.match(detail, /cell +B − A -\d+\.\d+ · A 203\.4 · B \d\.\d+/);
      assert.match(detail, /memory +Deploys of billing-api \(cluster 1\) go through/);
      tmux.keys('q');

      // The same two runs from the sessions list: Space marks them (the older is A), d compares.
      await tmux.waitFor('the list', (s) => /memscope sessions .* 2 recorded/.test(s));
      tmux.keys('Space', 'Space');
      await tmux.waitFor('two marks', (s) => /^B.*after\.json/m.test(s) && /^A.*small\.json/m.test(s));
      tmux.keys('d');
      await tmux.waitFor('the diff screen again', (s) => /memscope diff +B − A · A .*before\.jsonl .*→ B .*after\.jsonl/.test(s));
      tmux.keys('q');
      await tmux.waitFor('the list again', (s) => /memscope sessions/.test(s));
      const end = await tmux.quit(['q']);
      assert.match(end, /diff-exit=0/);
      assert.match(end, /after-memscope exit=0 modes=.*\bicanon\b/);
      assert.equal(tmux.display('#{alternate_on}'), '0');
    } finally {
      tmux.kill();
    }
  });
});
