// The replay driver on a fake clock: events at their recorded times scaled by the speed, pause,
// step, speed changes, seeks rebuilt by the reducer, instant replay, and appends while following.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../../src/engine/events.ts';
import { ManualClock, ReplayDriver, stateAt, type ReplaySink } from '../../src/tui/replay-driver.ts';
import { INITIAL_RUN_STATE, reduceRun, type RunState } from '../../src/tui/run-state.ts';
import { RunStore } from '../../src/tui/run-store.ts';
import type { SessionEventLine } from '../../src/sessions/session-format.ts';
import { syntheticRun } from '../support/synthetic-run.ts';

/** The driver's own manual clock, moved by relative steps. */
class FakeClock extends ManualClock {
  advance(ms: number): void {
    this.advanceTo(this.now() + ms);
  }
}

/** A sink that keeps its own state through the reducer, as the store does. */
class StateSink implements ReplaySink {
  state: RunState = INITIAL_RUN_STATE;
  dispatched = 0;
  replaced = 0;
  dispatch(event: EngineEvent, at: number): void {
    this.state = reduceRun(this.state, event, at);
    this.dispatched++;
  }
  replace(state: RunState): void {
    this.state = state;
    this.replaced++;
  }
}

/** A run of 4 memories: run-started at 0, baseline at 100, rows at 200, 300, 400, 500, run-done at 600. */
function lines(): SessionEventLine[] {
  const run = syntheticRun(4, 6, 3);
  const events: EngineEvent[] = [run.started, run.baseline, run.row(0), run.row(1), run.row(2), run.row(3)];
  events.push({ type: 'run-done', result: { mode: 'single', key: 'x', score: 1, calls: 5 } });
  return events.map((event, i) => ({ t: i * 100, event }));
}

function setup(options: ConstructorParameters<typeof ReplayDriver>[2] = {}) {
  const clock = new FakeClock();
  const sink = new StateSink();
  const driver = new ReplayDriver(lines(), sink, { clock, ...options });
  return { clock, sink, driver };
}

describe('replay driver', () => {
  it('applies events at their recorded times, and holds at the end', () => {
    const { clock, sink, driver } = setup();
    driver.start();
    assert.equal(driver.getSnapshot().position, 1, 'the event at t=0 at once');
    clock.advance(99);
    assert.equal(driver.getSnapshot().position, 1);
    clock.advance(1);
    assert.equal(driver.getSnapshot().position, 2);
    assert.equal(sink.state.baseline?.length, 6);
    clock.advance(250);
    assert.equal(driver.getSnapshot().position, 4);
    assert.equal(driver.now(), 350, 'the screen clock is the recorded time');
    clock.advance(1000);
    const end = driver.getSnapshot();
    assert.equal(end.position, 7);
    assert.equal(end.ended, true);
    assert.equal(sink.state.phase, 'done');
    assert.equal(clock.pending, 0, 'no timer left');
    assert.equal(driver.now(), 600);
  });

  it('plays faster and slower, and instant replays everything at once', () => {
    const fast = setup({ speed: 4 });
    fast.driver.start();
    fast.clock.advance(50);
    assert.equal(fast.driver.getSnapshot().position, 3, '200 ms of the run in 50 ms at ×4');
    fast.driver.command({ type: 'speed', faster: false });
    assert.equal(fast.driver.getSnapshot().speed, 2);
    fast.clock.advance(49);
    assert.equal(fast.driver.getSnapshot().position, 3);
    fast.clock.advance(1);
    assert.equal(fast.driver.getSnapshot().position, 4, 'the next 100 ms of the run in 50 ms at ×2');

    const instant = setup({ instant: true });
    instant.driver.start();
    assert.equal(instant.driver.getSnapshot().position, 7);
    assert.equal(instant.sink.state.phase, 'done');
  });

  it('pauses, resumes where it was, and steps one event at a time', () => {
    const { clock, driver } = setup();
    driver.start();
    clock.advance(150);
    driver.command({ type: 'toggle-pause' });
    assert.equal(driver.getSnapshot().paused, true);
    clock.advance(10_000);
    assert.equal(driver.getSnapshot().position, 2, 'nothing moves while paused');
    // Paused, the clock reads the last shown event's time: the same as a seek to it would.
    assert.equal(driver.now(), 100);
    driver.command({ type: 'step' });
    assert.equal(driver.getSnapshot().position, 3);
    assert.equal(driver.now(), 200);
    driver.command({ type: 'toggle-pause' });
    clock.advance(99);
    assert.equal(driver.getSnapshot().position, 3);
    clock.advance(1);
    assert.equal(driver.getSnapshot().position, 4, 'resumed from the stepped event’s time');
  });

  it('seeks back and forth: the state is rebuilt from the start by the reducer', () => {
    const { clock, sink, driver } = setup();
    driver.start();
    clock.advance(10_000);
    assert.equal(driver.getSnapshot().ended, true);
    driver.command({ type: 'seek', by: -3 });
    assert.equal(driver.getSnapshot().position, 4);
    assert.equal(driver.getSnapshot().paused, true, 'a replay that ended holds where it was sought');
    assert.deepEqual(sink.state, stateAt(lines(), 4));
    assert.equal(sink.state.memories.filter((m) => m.status === 'done').length, 2);
    clock.advance(10_000);
    assert.equal(driver.getSnapshot().position, 4);
    driver.command({ type: 'seek', by: -100 });
    assert.equal(driver.getSnapshot().position, 0);
    assert.equal(sink.state, INITIAL_RUN_STATE);
    driver.command({ type: 'seek', by: 5 });
    assert.equal(sink.state.memories.filter((m) => m.status === 'done').length, 3);
    // Space at the end plays again from the start.
    driver.seekTo(7);
    driver.command({ type: 'toggle-pause' });
    assert.equal(driver.getSnapshot().position, 1);
    assert.equal(driver.getSnapshot().paused, false);
  });

  it('a seek of one event while playing pauses there, so it stays in view; a longer seek plays on', () => {
    const { clock, sink, driver } = setup();
    driver.start();
    clock.advance(350);
    assert.equal(driver.getSnapshot().position, 4);
    driver.command({ type: 'seek', by: -1 });
    clock.advance(1_000);
    assert.equal(driver.getSnapshot().position, 3, 'the event sought past does not come straight back');
    assert.equal(driver.getSnapshot().paused, true);
    assert.deepEqual(sink.state, stateAt(lines(), 3));
    driver.command({ type: 'seek', by: 1 });
    assert.equal(driver.getSnapshot().position, 4);
    driver.command({ type: 'toggle-pause' });
    driver.command({ type: 'seek', by: -3 });
    assert.equal(driver.getSnapshot().paused, false);
    clock.advance(1_000);
    assert.equal(driver.getSnapshot().ended, true, 'a longer seek played on to the end');
  });

  it('follows appended events while live, then ends', () => {
    const all = lines();
    const clock = new FakeClock();
    const sink = new StateSink();
    const driver = new ReplayDriver(all.slice(0, 2), sink, { clock, instant: true, live: true }).start();
    assert.equal(driver.getSnapshot().position, 2);
    assert.equal(driver.getSnapshot().ended, false);
    driver.append(all.slice(2, 5));
    assert.equal(driver.getSnapshot().position, 5);
    driver.append(all.slice(5), true);
    const status = driver.getSnapshot();
    assert.equal(status.position, 7);
    assert.equal(status.live, false);
    assert.equal(status.ended, true);
    assert.equal(sink.state.phase, 'done');
  });

  it('never shows a position with another position\'s state: the store is published with each move', () => {
    const clock = new FakeClock();
    // A batch far longer than the test: without the flush, nothing would be published at all.
    const store = new RunStore({ batchMs: 60_000 });
    const sink: ReplaySink = { dispatch: (e, at) => store.dispatch(e, at), replace: (state) => store.replace(state), flush: () => store.flush() };
    const events = lines();
    const driver = new ReplayDriver(events, sink, { clock });
    let checked = 0;
    driver.subscribe(() => {
      const { position } = driver.getSnapshot();
      const shown = store.getSnapshot();
      const expected = stateAt(events, position);
      assert.deepEqual([shown.phase, shown.calls, shown.memories, shown.baseline], [expected.phase, expected.calls, expected.memories, expected.baseline], `at position ${position}`);
      checked++;
    });
    driver.start();
    clock.advance(250);
    driver.command({ type: 'toggle-pause' });
    driver.command({ type: 'step' });
    driver.command({ type: 'seek', by: -10 });
    driver.command({ type: 'seek', by: 3 });
    driver.command({ type: 'toggle-pause' });
    clock.advance(1000);
    store.close();
    assert.ok(checked >= 6, `${checked} moves checked`);
  });
});
