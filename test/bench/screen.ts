// Screen benchmark: how long one frame of a 500 × 2000 matrix takes in a 200 × 60 terminal, and
// how long a key press takes to reach the screen while results pour in at 1000 per second.
//   npm run build && node dist/test/bench/screen.js [--quick]
// Frames go through the same path as in the terminal (Ink in debug mode → FrameStdout →
// FrameWriter), into a sink instead of a TTY.
import { EventEmitter } from 'node:events';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

// The bin (dist/bundle/memscope.js) runs React's production build; so does the benchmark.
process.env.NODE_ENV ??= 'production';
const React = await import('react');
const { render } = await import('ink');
const { App } = await import('../../components/App.tsx');
const { RunStore } = await import('../../src/tui/run-store.ts');
const { NO_TEXTS } = await import('../../src/context/context-texts.ts');
const { FrameStdout, FrameWriter } = await import('../../src/tui/frame-writer.ts');
const { LineOverlay } = await import('../../src/tui/line-overlay.ts');
const { ScriptedStdin } = await import('../../src/app/scripted-stdin.ts');
const { syntheticRun } = await import('../support/synthetic-run.ts');

const quick = process.argv.includes('--quick');
const MEMORIES = 500;
const RESPONSES = 2000;
const COLUMNS = 200;
const ROWS = 60;
const FRAME_SAMPLES = quick ? 15 : 60;
const BURST_SECONDS = quick ? 2 : 5;
const BURST_RATE = 1000;
const TARGET_FRAME_MS = 16;

class FakeTerminal extends EventEmitter {
  readonly columns = COLUMNS;
  readonly rows = ROWS;
  bytes = 0;
  writes = 0;
  write(data: string): boolean {
    this.bytes += data.length;
    this.writes++;
    return true;
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const median = (values: number[]) => percentile(values, 50);
const ms = (value: number) => `${value.toFixed(2)} ms`;

const terminal = new FakeTerminal();
const writer = new FrameWriter(terminal, () => ROWS);
const overlay = new LineOverlay();
const stdout = new FrameStdout(terminal as unknown as NodeJS.WriteStream, writer, overlay);
const stdin = new ScriptedStdin();
const store = new RunStore();
const run = syntheticRun(MEMORIES, RESPONSES);

/** The next frame whose ruler shows the cursor on a row (1-based) that passes `test`. */
let waiting: { test: (row: number) => boolean; resolve: (seen: { at: number; row: number }) => void } | undefined;
let frames = 0;
const originalWrite = stdout.write;
stdout.write = (frame: string) => {
  frames++;
  const result = originalWrite(frame);
  if (waiting) {
    const match = /memory (\d+)\/\d+/.exec(overlay.compose(frame));
    if (match && waiting.test(Number(match[1]))) {
      const { resolve } = waiting;
      waiting = undefined;
      resolve({ at: performance.now(), row: Number(match[1]) });
    }
  }
  return result;
};

function frameShowing(test: (row: number) => boolean): Promise<{ at: number; row: number }> {
  return new Promise((resolve) => (waiting = { test, resolve }));
}

const size = { columns: COLUMNS, rows: ROWS };
const instance = render(React.createElement(App, { store, texts: NO_TEXTS, file: 'synthetic-500x2000.json', depth: 'truecolor', animate: false, overlay, size }), {
  stdout: stdout as unknown as NodeJS.WriteStream,
  stdin: stdin as unknown as NodeJS.ReadStream,
  debug: true,
  exitOnCtrlC: false,
  patchConsole: false,
});

store.dispatch(run.started);
store.dispatch(run.baseline);
for (let i = 0; i < MEMORIES; i++) store.dispatch(run.row(i));
store.flush();
await sleep(50);

// ── one frame ─────────────────────────────────────────────────────────────
// A cursor move redraws every visible row of the matrix (the cursor row and column change), the
// ruler and the counts: the whole frame goes through React, Ink's layout and output, and the
// line diff. The cursor walks down and back so the viewport scrolls too.
const frameTimes: number[] = [];
let row = 1;
for (let i = 0; i < FRAME_SAMPLES + 5; i++) {
  const down = Math.floor(i / 30) % 2 === 0;
  const expected = (row += down ? 1 : -1);
  const shown = frameShowing((r) => r === expected);
  const t0 = performance.now();
  stdin.press(down ? 'j' : 'k');
  const { at } = await shown;
  if (i >= 5) frameTimes.push(at - t0);
  await nextTurn();
}

// Paging: every line of the matrix shows other memories.
const pageTimes: number[] = [];
for (let i = 0; i < Math.ceil(FRAME_SAMPLES / 2); i++) {
  const before = row;
  const down = i % 2 === 0;
  const shown = frameShowing((r) => (down ? r > before : r < before));
  const t0 = performance.now();
  stdin.press(down ? '\u001b[6~' : '\u001b[5~');
  const seen = await shown;
  pageTimes.push(seen.at - t0);
  row = seen.row;
  await nextTurn();
}

// ── input latency during a burst ──────────────────────────────────────────
// Results arrive at 1000 a second (ten every 10 ms, new rows over the old ones) while a key is
// pressed every 50 ms; latency runs from the key to the first frame that shows its effect.
let sent = 0;
let seed = 0;
const burstStart = performance.now();
const framesBefore = frames;
const bytesBefore = terminal.bytes;
const feeder = setInterval(() => {
  const due = Math.floor(((performance.now() - burstStart) / 1000) * BURST_RATE) - sent;
  for (let k = 0; k < due; k++, sent++) {
    const event = run.row(sent % MEMORIES);
    store.dispatch({ type: 'call-done', call: sent, ok: true });
    store.dispatch(event.type === 'row-done' ? { ...event, divergences: event.divergences.map((d) => d * (1 + (seed++ % 7) / 10)) } : event);
  }
}, 10);
const latencies: number[] = [];
while (performance.now() - burstStart < BURST_SECONDS * 1000) {
  const down = latencies.length % 2 === 0;
  const expected = (row += down ? 1 : -1);
  const shown = frameShowing((r) => r === expected);
  const t0 = performance.now();
  stdin.press(down ? 'j' : 'k');
  latencies.push((await shown).at - t0);
  await sleep(50);
}
clearInterval(feeder);
const burstSeconds = (performance.now() - burstStart) / 1000;
const burstFrames = frames - framesBefore;
const burstBytes = terminal.bytes - bytesBefore;

instance.unmount();
store.close();
stdout.close();

const rows: [string, string, string][] = [
  ['frame, cursor move (500 × 2000 in 200 × 60)', `median ${ms(median(frameTimes))}  p95 ${ms(percentile(frameTimes, 95))}`, `n=${frameTimes.length}`],
  ['frame, page down/up (all rows change)', `median ${ms(median(pageTimes))}  p95 ${ms(percentile(pageTimes, 95))}`, `n=${pageTimes.length}`],
  [
    `key → frame during ${BURST_RATE} results/s`,
    `median ${ms(median(latencies))}  p95 ${ms(percentile(latencies, 95))}  max ${ms(Math.max(...latencies))}`,
    `n=${latencies.length}`,
  ],
  ['burst: results applied', `${(sent / burstSeconds).toFixed(0)} /s`, `${sent} in ${burstSeconds.toFixed(1)} s`],
  ['burst: frames written', `${(burstFrames / burstSeconds).toFixed(1)} /s`, `${(burstBytes / burstSeconds / 1024).toFixed(0)} KiB/s to the terminal`],
];
const width = Math.max(...rows.map((r) => r[0].length));
const valueWidth = Math.max(...rows.map((r) => r[1].length));
console.log(`memscope screen benchmark (node ${process.version}, React ${process.env.NODE_ENV})`);
for (const [name, value, note] of rows) console.log(`  ${name.padEnd(width)}  ${value.padEnd(valueWidth)}  ${note}`);
const verdict = median(frameTimes) <= TARGET_FRAME_MS ? 'within' : 'OVER';
console.log(`  frame target ≤ ${TARGET_FRAME_MS} ms median: ${verdict}`);
