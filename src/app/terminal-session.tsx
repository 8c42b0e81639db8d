// The one terminal lifecycle every full-screen view uses (the run view, the diff, the sessions
// list): the alternate screen, the frame writer, resizes, signals that end it with their exit code,
// Ctrl-Z that suspends it properly, and on the way out the terminal as it was found.
import { render } from 'ink';
import type { ReactElement } from 'react';
import { onExitSignals } from '../core/exit-signals.ts';
import { enterAltScreen, leaveAltScreen } from '../tui/alt-screen.ts';
import { colorDepth, terminalBackground, type ColorDepth, type TerminalBackground } from '../tui/color-depth.ts';
import { FrameStdout, FrameWriter } from '../tui/frame-writer.ts';
import { LineOverlay } from '../tui/line-overlay.ts';

/** What the view is drawn with; a new one on every layout. */
export interface TerminalView<T> {
  readonly depth: ColorDepth;
  /** Dark or light, decided with the depth: colours that must stand out from it ask. */
  readonly background: TerminalBackground;
  /** The line overlay, where the view asked for one. */
  readonly overlay: LineOverlay | undefined;
  /** The terminal's size now. */
  readonly size: { readonly columns: number; readonly rows: number };
  /** Ends the session with this value. */
  readonly finish: (value: T) => void;
  /** Ctrl-L: paints the terminal afresh. */
  readonly redraw: () => void;
  /** Ctrl-Z: gives the terminal back and stops the process; `fg` brings the view back. */
  readonly suspend: () => void;
}

export interface TerminalSessionOptions<T> {
  readonly env: NodeJS.ProcessEnv;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
  readonly depth?: ColorDepth;
  /** Whether the view hands its lines to a line overlay. */
  readonly overlay: boolean;
  /** The value a signal ends the session with, given the signal's exit code. */
  readonly onSignal: (code: number) => T;
  readonly view: (terminal: TerminalView<T>) => ReactElement;
  /** Once the view is mounted; `relayout` draws it again (new props from outside). */
  readonly onMount?: (relayout: () => void) => void;
}

/**
 * Shows the view on the alternate screen until it finishes or a signal comes; resolves with the
 * value (undefined if the view ended on its own). A crash in the view is rethrown once the
 * terminal is restored.
 */
export async function holdTerminal<T>(options: TerminalSessionOptions<T>): Promise<T | undefined> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const depth = options.depth ?? colorDepth({ env: options.env, isTTY: Boolean(stdout.isTTY) });
  const background = terminalBackground(options.env);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    leaveAltScreen(stdout);
  };
  // Whatever ends the process, the terminal gets its screen back.
  process.once('exit', restore);
  enterAltScreen(stdout);
  const writer = new FrameWriter(stdout, () => stdout.rows || 24);
  const overlay = options.overlay ? new LineOverlay() : undefined;
  const frames = new FrameStdout(stdout, writer, overlay);
  let finish!: (value: T) => void;
  const finished = new Promise<T>((resolve) => (finish = resolve));
  const releaseSignals = onExitSignals((code) => finish(options.onSignal(code)));
  const redraw = () => {
    writer.invalidate();
    relayout();
  };
  const raw = (on: boolean) => {
    if (stdin.isTTY) stdin.setRawMode(on);
  };
  // Ctrl-Z comes as a key in raw mode: the terminal is given back (main screen, cursor, cooked
  // mode) before the process stops, so the shell's `fg` is read by the shell, not as keys.
  // Frames are held from the moment the screen is given back until it is taken again: one drawn
  // in between (a spinner tick due when `fg` wakes the process) landed on the main screen.
  const suspend = () => {
    writer.hold();
    leaveAltScreen(stdout);
    raw(false);
    process.kill(process.pid, 'SIGTSTP');
  };
  const resume = () => {
    raw(true);
    enterAltScreen(stdout);
    writer.release();
    redraw();
  };
  process.on('SIGCONT', resume);
  const app = () => options.view({ depth, background, overlay, size: { columns: stdout.columns || 80, rows: stdout.rows || 24 }, finish, redraw, suspend });
  // Debug mode hands every frame whole to FrameStdout (renders are paced by the store's batches
  // and the spinner); Ctrl-C comes as a key. With an overlay Ink sees a narrow canvas of stand-ins;
  // the view lays out for the real terminal, and again on every resize.
  const instance = render(app(), { stdin, stdout: frames as unknown as NodeJS.WriteStream, debug: true, exitOnCtrlC: false, patchConsole: false });
  function relayout() {
    instance.rerender(app());
  }
  frames.on('resize', relayout);
  try {
    options.onMount?.(relayout);
    return await Promise.race([finished, instance.waitUntilExit().then(() => undefined)]);
  } finally {
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
    frames.off('resize', relayout);
    frames.close();
    process.off('SIGCONT', resume);
    releaseSignals();
    process.off('exit', restore);
    restore();
  }
}
