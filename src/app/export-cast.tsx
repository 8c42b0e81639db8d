// `export --format cast`: an asciicast v2 recording of the replay screen. The session is replayed
// offline by the same driver, store and app as on the terminal, on a clock that jumps from event
// to event; every frame the frame writer produces becomes an output event at the recorded time.
// Context text reaches the frames only through the views, which neutralise it.
import { EventEmitter } from 'node:events';
import { basename } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { render } from 'ink';
import { App } from '../../components/App.tsx';
import type { ColorDepth } from '../tui/color-depth.ts';
import { FrameStdout, FrameWriter } from '../tui/frame-writer.ts';
import { LineOverlay } from '../tui/line-overlay.ts';
import { ManualClock, ReplayDriver } from '../tui/replay-driver.ts';
import { headerTexts } from './replay-feed.ts';
import { RunStore } from '../tui/run-store.ts';
import { safeJson } from '../core/sanitize.ts';
import { ScriptedStdin } from './scripted-stdin.ts';
import type { SessionData } from '../sessions/session-reader.ts';

export interface CastOptions {
  readonly columns?: number;
  readonly rows?: number;
  readonly depth?: ColorDepth;
  /** At most this many frames a second of recorded time: bursts of events share a frame. */
  readonly fps?: number;
  /** The TERM the cast declares. */
  readonly term?: string;
}

export const CAST_COLUMNS = 120;
export const CAST_ROWS = 40;
const HIDE_CURSOR = '\u001b[?25l';
const SHOW_CURSOR = '\u001b[?25h';

/** A terminal of a fixed size that never resizes: what FrameStdout reads. */
class FixedTerminal extends EventEmitter {
  readonly isTTY = true;
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
}

/** Lets React commit and Ink write the frame. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await nextTurn();
}

/** The whole .cast file: the header line, then one [time, "o", data] line per frame. */
export async function sessionCast(session: SessionData, options: CastOptions = {}): Promise<string> {
  const columns = options.columns ?? CAST_COLUMNS;
  const rows = options.rows ?? CAST_ROWS;
  const frameMs = 1000 / (options.fps ?? 30);
  const terminal = new FixedTerminal(columns, rows);
  let pending = '';
  const writer = new FrameWriter({ write: (data: string) => (pending += data) }, () => rows);
  const overlay = new LineOverlay();
  const frames = new FrameStdout(terminal as unknown as NodeJS.WriteStream, writer, overlay);
  const clock = new ManualClock();
  // A long batch: the store publishes when told, once per frame.
  const store = new RunStore({ batchMs: 3_600_000 });
  const driver = new ReplayDriver(session.events, store, { clock, cut: session.cut });
  const lines: string[] = [];
  const emit = (ms: number, prefix = '') => {
    const data = prefix + pending;
    pending = '';
    if (data !== '') lines.push(safeJson([Math.round(ms) / 1000, 'o', data]));
  };
  const instance = render(
    <App
      store={store}
      texts={headerTexts(session.header)}
      // The session's name: a viewer of the cast has no use for where it sat on this machine.
      file={basename(session.path)}
      depth={options.depth ?? 'truecolor'}
      overlay={overlay}
      size={{ columns, rows }}
      now={driver.now}
      animate={false}
      keys={false}
      replay={{ subscribe: driver.subscribe, getSnapshot: driver.getSnapshot, command: (c) => driver.command(c) }}
    />,
    { stdin: new ScriptedStdin() as unknown as NodeJS.ReadStream, stdout: frames as unknown as NodeJS.WriteStream, debug: true, exitOnCtrlC: false, patchConsole: false },
  );
  try {
    await settle();
    emit(0, HIDE_CURSOR);
    driver.start();
    const times = session.events.map((line) => line.t);
    let i = 0;
    while (i < times.length) {
      // One frame for the events within a frame's time of the first one.
      const at = times[i]!;
      while (i < times.length && times[i]! < at + frameMs) i++;
      clock.advanceTo(times[i - 1]!);
      store.flush();
      await settle();
      emit(times[i - 1]!);
    }
    // The player's terminal gets its cursor back, at the start of the last row. A line feed there
    // would scroll the player's screen (exactly the cast's size) and lose the title row of the
    // last frame, which is the one a player stays on.
    emit(times.at(-1) ?? 0, `\u001b[${rows};1H${SHOW_CURSOR}`);
  } finally {
    driver.stop();
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
    store.close();
    frames.close();
  }
  const created = Date.parse(session.header.created);
  const header = {
    version: 2,
    width: columns,
    height: rows,
    ...(Number.isFinite(created) ? { timestamp: Math.floor(created / 1000) } : {}),
    env: { TERM: options.term ?? 'xterm-256color', COLORTERM: 'truecolor' },
  };
  return `${[JSON.stringify(header), ...lines].join('\n')}\n`;
}
