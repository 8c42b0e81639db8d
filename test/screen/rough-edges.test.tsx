// Issue 15's rough edges on the screen, each as the user met it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatToContext } from '../../src/context/chat-format.ts';
import { contextTexts } from '../../src/context/context-texts.ts';
import { ManualClock, ReplayDriver } from '../../src/tui/replay-driver.ts';
import { RunStore } from '../../src/tui/run-store.ts';
import { callRate } from '../../src/tui/run-state.ts';
import { failureLines } from '../../components/FailureNote.tsx';
import { KEYS, mount } from '../support/screen-harness.tsx';
import { syntheticRun } from '../support/synthetic-run.ts';

describe('rough edges', () => {
  it('a long failure note wraps to at most the lines it has, the last cut with …; with no line to spare it is none', () => {
    const error = 'connection refused by the scoring server at 127.0.0.1 port 8000 after three retries';
    const lines = failureLines(error, 30, 2);
    assert.equal(lines.length, 2);
    assert.ok(lines[0]!.startsWith('✗ scoring failed:'), lines[0]);
    assert.ok(lines[1]!.endsWith('…'), lines[1]);
    assert.equal(lines[1]!.length, 28, JSON.stringify(lines[1]));
    assert.equal(failureLines(error, 200, 4).length, 1);
    assert.deepEqual(failureLines(error, 30, 0), []);
  });

  it('7: column labels stay whole entries after paging sideways at 80×24, the cursor’s always readable', async () => {
    const run = syntheticRun(30, 600, 2);
    const screen = await mount([run.started, run.baseline, ...Array.from({ length: 30 }, (_, i) => run.row(i))], { size: { columns: 80, rows: 24 } });
    try {
      for (let page = 0; page < 4; page++) {
        await screen.pressKeys('pageRight');
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

  it('8: the detail pane scrolls the whole memory text, with one ellipsis and no doubled space', async () => {
    const memory = Array.from({ length: 12 }, (_, i) => `Memory line ${i + 1}: rollbacks use the previous image and a long tail of words here.`).join('\n');
    const texts = contextTexts(
      chatToContext({
        conversation: [
          { role: 'memory', key: 'long-memory', content: memory },
          { role: 'assistant', content: 'Answer with ' + 'many words '.repeat(40) },
        ],
      }),
    );
    const screen = await mount(
      [
        { type: 'run-started', mode: 'full', model: 'm', backend: 'built-in', memories: [{ key: 'long-memory', entry: 0 }], responses: [1], totalCalls: 2 },
        { type: 'row-done', key: 'long-memory', index: 0, divergences: [3], max: 3, first: 0 },
      ],
      { texts, size: { columns: 80, rows: 24 } },
    );
    try {
      await screen.pressKeys('enter');
      assert.match(screen.text(), /memory +Memory line 1: rollbacks/);
      assert.doesNotMatch(screen.text(), /Memory line 12/);
      await screen.press(']'.repeat(20));
      assert.match(screen.text(), /Memory line 12: rollbacks/, 'the memory text scrolls');
      await screen.press(']'.repeat(40));
      assert.match(screen.text(), /many words/);
      assert.doesNotMatch(screen.text(), /……|\S  +… ?lines| {2}…/, 'one ellipsis, no space before it');
    } finally {
      screen.unmount();
    }
  });

  it('12: / starts a new filter, and with no match Enter says so instead of showing a response', async () => {
    const run = syntheticRun(4, 3, 1);
    const texts = { memory: () => 'text', response: () => 'a response' };
    const screen = await mount([run.started, run.baseline, run.row(0)], { texts });
    try {
      await screen.press('/', 'dep', KEYS.enter);
      assert.match(screen.text(), /\/dep 1\/4/);
      await screen.press('/', 'zz', KEYS.enter);
      assert.match(screen.text(), /\/zz 0\/4/, 'the old filter text is not kept');
      await screen.pressKeys('enter');
      assert.match(screen.text(), /no memory selected/);
      assert.match(screen.text(), /no memory key matches the filter/);
      assert.doesNotMatch(screen.text(), /a response|nothing selected/);
    } finally {
      screen.unmount();
    }
  });

  it('11: help fits 80×24 whole, and the key that closes it also acts', async () => {
    const run = syntheticRun(5, 3, 1);
    const screen = await mount([run.started, run.baseline], { size: { columns: 80, rows: 24 } });
    try {
      await screen.pressKeys('help');
      assert.match(screen.text(), /q {2}Ctrl-C +quit/);
      assert.match(screen.text(), /any key closes this help/);
      await screen.pressKeys('down');
      assert.doesNotMatch(screen.text(), /any key closes/);
      assert.match(screen.lines()[1]!, /memory 2\/5/, 'j moved the cursor');
    } finally {
      screen.unmount();
    }
  });

  it('9: the activity text never runs into the progress bar, at 80 and 70 columns', async () => {
    const run = syntheticRun(40, 10, 1);
    for (const columns of [80, 70]) {
      const screen = await mount([run.started, { type: 'activity', text: `scoring: 11/40 ${'a-very-long-memory-key-'.repeat(4)}` }], { size: { columns, rows: 24 } });
      try {
        const activity = screen.lines().at(-2)!;
        assert.match(activity, /… ━/, `a space between the cut text and the bar: ${activity}`);
        assert.doesNotMatch(activity, /11\/40/);
      } finally {
        screen.unmount();
      }
    }
  });

  it('10: a paused replay reads the same calls/s however its position was reached', () => {
    const run = syntheticRun(3, 4, 1);
    const events = [run.started, { type: 'call-done', call: 0, ok: true } as const, run.row(0), { type: 'call-done', call: 1, ok: true } as const, run.row(1), run.row(2)];
    const lines = events.map((event, i) => ({ t: i * 100, event }));
    const clock = new ManualClock();
    const store = new RunStore({ batchMs: 3_600_000 });
    const driver = new ReplayDriver(lines, store, { clock }).start();
    clock.advanceTo(350);
    driver.command({ type: 'toggle-pause' });
    store.flush();
    const paused = callRate(store.current(), driver.now());
    driver.command({ type: 'seek', by: -1 });
    driver.command({ type: 'seek', by: 1 });
    store.flush();
    assert.equal(callRate(store.current(), driver.now()), paused);
    driver.stop();
    store.close();
  });
});
