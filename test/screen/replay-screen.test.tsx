// The replay on the screen's components: the header says where the replay is, the keys steer the
// driver (space, step, speed, seek), the footer and help list them, and a cut file says so.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../../src/engine/events.ts';
import { ManualClock, ReplayDriver, type ReplaySink } from '../../src/tui/replay-driver.ts';
import type { RunStore } from '../../src/tui/run-store.ts';
import type { SessionEventLine } from '../../src/sessions/session-format.ts';
import { mount, type Mounted } from '../support/screen-harness.tsx';
import { syntheticRun } from '../support/synthetic-run.ts';

function lines(): SessionEventLine[] {
  const run = syntheticRun(5, 8, 2);
  const events: EngineEvent[] = [run.started, run.baseline, ...[0, 1, 2, 3, 4].map((i) => run.row(i))];
  return events.map((event, i) => ({ t: i * 1000, event }));
}

async function replayScreen(options: { cut?: boolean } = {}): Promise<{ screen: Mounted; clock: ManualClock; driver: ReplayDriver; header: () => string }> {
  const clock = new ManualClock();
  let store: RunStore | undefined;
  const sink: ReplaySink = { dispatch: (event, at) => store!.dispatch(event, at), replace: (state) => store!.replace(state) };
  const driver = new ReplayDriver(lines(), sink, { clock, ...(options.cut ? { cut: true } : {}) });
  const screen = await mount([], {
    replay: { subscribe: driver.subscribe, getSnapshot: driver.getSnapshot, command: (c) => driver.command(c) },
    now: driver.now,
    file: 'run.jsonl',
    size: { columns: 120, rows: 24 },
  });
  store = screen.store;
  driver.start();
  await screen.send();
  return { screen, clock, driver, header: () => screen.lines()[0]! };
}

describe('replay screen', () => {
  it('shows the replay position, speed and pause state in the header', async () => {
    const { screen, clock, header } = await replayScreen();
    try {
      assert.match(header(), /run\.jsonl · full matrix/);
      assert.match(header(), /replay 1\/7 ×1 /);
      clock.advanceTo(2200);
      await screen.send();
      assert.match(header(), /replay 3\/7 ×1 +0:02 /, 'recorded time as the clock');
      assert.match(screen.text(), /✓ deploy-0000/);
      await screen.pressKeys('pause');
      assert.match(header(), /replay 3\/7 ×1 ⏸ paused/);
      assert.match(screen.lines().at(-1)!, /␣ play {2}\. step {2}<> seek {2}\+- speed/);
    } finally {
      screen.unmount();
    }
  });

  it('steps, changes speed and seeks with the keys; arrows still move the cursor', async () => {
    const { screen, driver, header } = await replayScreen();
    try {
      await screen.pressKeys('step');
      assert.match(header(), /replay 2\/7 ×1 ⏸ paused/);
      await screen.pressKeys('step', 'step');
      await screen.send();
      assert.match(header(), /replay 4\/7/);
      assert.equal(screen.store.getSnapshot().memories.filter((m) => m.status === 'done').length, 2);
      await screen.pressKeys('faster', 'faster');
      assert.match(header(), /×4/);
      await screen.pressKeys('slower');
      assert.match(header(), /×2/);
      await screen.pressKeys('back');
      await screen.send();
      assert.match(header(), /replay 3\/7/);
      assert.equal(screen.store.getSnapshot().memories.filter((m) => m.status === 'done').length, 1, 'the state rebuilt to the event');
      await screen.pressKeys('forward');
      await screen.pressKeys('down');
      assert.match(header(), /replay 4\/7/, 'a plain arrow is not a seek');
      assert.match(screen.text(), /memory 2\/5/, 'it moves the cursor');
      await screen.press('\u001b[1;2D');
      await screen.send();
      assert.match(header(), /replay 3\/7/, 'shift-left seeks back a tenth (one event of seven)');
      assert.equal(driver.getSnapshot().position, 3);
    } finally {
      screen.unmount();
    }
  });

  it('lists the replay keys in the help overlay, and says when the tail was cut', async () => {
    const { screen, header } = await replayScreen({ cut: true });
    try {
      assert.match(header(), /replay 1\/7 ×1 tail cut/);
      await screen.pressKeys('help');
      const help = screen.text();
      assert.match(help, /Space +replay: pause \/ resume/);
      assert.match(help, /< > +replay: one event back \/ forward \(pauses\)/);
      assert.match(help, /Shift-← Shift-→ +replay: seek a tenth/);
      await screen.pressKeys('pause');
      assert.match(header(), /replay 1\/7 ×1 tail cut/, 'space closes the help, not pausing');
    } finally {
      screen.unmount();
    }
  });

  it('shows the watch tag and notice', async () => {
    const run = syntheticRun(2, 3, 1);
    const screen = await mount([run.started, run.baseline, run.row(0), run.row(1), { type: 'run-done', result: { mode: 'single', key: 'x', score: 0, calls: 3 } }], {
      tag: 'watch',
      notice: 'context.json changed: 1 memory added (k\u001b[31m)',
    });
    try {
      assert.match(screen.lines()[0]!, /context\.json · watch · full matrix/);
      assert.match(screen.text(), /✓ done: 0 calls in .* · context\.json changed: 1 memory added \(k␛\[31m\)/);
      assert.doesNotMatch(screen.raw(), /\u001b\[31m/, 'the notice is neutralised');
    } finally {
      screen.unmount();
    }
  });
});
