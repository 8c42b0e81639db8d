// Issue 15's rough edges on the screen, each as the user met it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KEYS, mount } from '../support/screen-harness.tsx';
import { syntheticRun } from '../support/synthetic-run.ts';

describe('rough edges', () => {
  it('7: column labels stay whole entries after paging sideways at 80×24, the cursor’s always readable', async () => {
    const run = syntheticRun(30, 600, 2);
    const screen = await mount([run.started, run.baseline, ...Array.from({ length: 30 }, (_, i) => run.row(i))], { size: { columns: 80, rows: 24 } });
    try {
      for (let page = 0; page < 4; page++) {
        await screen.press('L');
        const ruler = screen.lines()[1]!;
        const labels = ruler.slice(ruler.indexOf('│') + 1).replace(/[◀▶]/g, ' ').trim().split(/\s+/);
        for (const label of labels) assert.ok(run.entries.includes(Number(label)), `"${label}" is not an entry: ${ruler}`);
        const state = screen.raw().split('\n')[1]!;
        const cursor = /\u001b\[7m(\d+)/.exec(state)?.[1];
        assert.ok(cursor !== undefined && run.entries.includes(Number(cursor)), `the cursor's label is whole: ${ruler}`);
      }
    } finally {
      screen.unmount();
    }
  });
});
