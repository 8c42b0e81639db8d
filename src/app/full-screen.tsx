// A screen that holds the terminal until the user decides (the diff screen, the sessions list):
// the alternate screen, the frame writer, signals that end it with their exit code, and on the way
// out the terminal as it was found. The live run screen has its own (a feed to stop, a store).
import { render } from 'ink';
import type { ReactElement } from 'react';
import { onExitSignals } from '../core/exit-signals.ts';
import { enterAltScreen, leaveAltScreen } from '../screen/alt-screen.ts';
import { colorDepth, type ColorDepth } from '../screen/color-depth.ts';
import { FrameStdout, FrameWriter } from '../screen/frame-writer.ts';
import { LineOverlay } from '../screen/line-overlay.ts';

/** The exit code a signal asks for (128 + its number). */

/** What the view is drawn with; a new one on every layout. */
export interface FullScreen<T> {
  readonly depth: ColorDepth;
  /** The line overlay, where the view asked for one. */
  readonly overlay: LineOverlay | undefined;
  /** The terminal's size now. */
  readonly size: { readonly columns: number; readonly rows: number };
  /** Ends the screen with this value. */
  readonly finish: (value: T) => void;
  /** Ctrl-L: paints the terminal afresh. */
  readonly redraw: () => void;
}

export interface FullScreenOptions<T> {
  readonly env: NodeJS.ProcessEnv;
  /** Whether the view hands its lines to a line overlay. */
  readonly overlay: boolean;
  /** The value a signal ends the screen with, given the signal's exit code. */
  readonly onSignal: (code: number) => T;
  readonly view: (screen: FullScreen<T>) => ReactElement;
}

/** Shows the view on the alternate screen until it finishes or a signal comes; resolves with the value. */
export async function showFullScreen<T>({ env, overlay: wantsOverlay, onSignal, view }: FullScreenOptions<T>): Promise<T> {
  const stdout = process.stdout;
  const depth = colorDepth({ env, isTTY: Boolean(stdout.isTTY) });
  enterAltScreen(stdout);
  const restore = () => leaveAltScreen(stdout);
  // Whatever ends the process, the terminal gets its screen back.
  process.once('exit', restore);
  const writer = new FrameWriter(stdout, () => stdout.rows || 24);
  const overlay = wantsOverlay ? new LineOverlay() : undefined;
  const frames = new FrameStdout(stdout, writer, overlay);
  let finish!: (value: T) => void;
  const finished = new Promise<T>((resolve) => (finish = resolve));
  const releaseSignals = onExitSignals((code) => finish(onSignal(code)));
  const redraw = () => {
    writer.invalidate();
    relayout();
  };
  const app = () => view({ depth, overlay, size: { columns: stdout.columns || 80, rows: stdout.rows || 24 }, finish, redraw });
  // Debug mode hands every frame whole to FrameStdout; Ctrl-C comes as a key.
  const instance = render(app(), { stdout: frames as unknown as NodeJS.WriteStream, debug: true, exitOnCtrlC: false, patchConsole: false });
  function relayout() {
    instance.rerender(app());
  }
  frames.on('resize', relayout);
  try {
    return await finished;
  } finally {
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
    frames.off('resize', relayout);
    frames.close();
    releaseSignals();
    process.off('exit', restore);
    restore();
  }
}
