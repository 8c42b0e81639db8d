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

  it('5: long keys are cut in the middle, so keys that differ at the end stay distinct', async () => {
    const keys = ['config-auth-gateway-service-primary-1', 'config-auth-gateway-service-primary-2'];
    const screen = await mount(
      [{ type: 'run-started', mode: 'full', model: 'm', backend: 'built-in', memories: keys.map((key, i) => ({ key, entry: i })), responses: Array.from({ length: 40 }, (_, i) => 2 + i), totalCalls: 3 }],
      { size: { columns: 80, rows: 20 } },
    );
    try {
      const shown = screen.lines().slice(2, 4).map((l) => l.slice(2, l.indexOf(' ', 2)));
      assert.match(shown[0]!, /…/, 'the key is cut');
      assert.match(shown[0]!, /-1$/);
      assert.match(shown[1]!, /-2$/);
    } finally {
      screen.unmount();
    }
  });

  it('6: the key column is sized by the keys as shown, and takes the room the cells leave', async () => {
    const key = 'evil\u001b[31m-key-with-escapes\u202e-and-more';
    const screen = await mount(
      [{ type: 'run-started', mode: 'full', model: 'm', backend: 'built-in', memories: [{ key, entry: 0 }], responses: [1, 3], totalCalls: 2 }],
      { size: { columns: 200, rows: 20 } },
    );
    try {
      assert.match(screen.text(), /evil␛\[31m-key-with-escapes<U\+202E>-and-more /, 'the whole stand-in shows');
    } finally {
      screen.unmount();
    }
  });
});
