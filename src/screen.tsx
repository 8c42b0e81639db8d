// Runs the live screen over a prepared scoring run: the alternate screen buffer, the store fed
// by the engine, the Ink app; on quit (q, Ctrl-C or a signal) it cancels the calls in flight
// and leaves the terminal as it found it.
import { render } from 'ink';
import { App } from '../components/App.tsx';
import { enterAltScreen, leaveAltScreen } from './alt-screen.ts';
import { colorDepth, type ColorDepth } from './color-depth.ts';
import { contextTexts } from './context-texts.ts';
import { FrameStdout, FrameWriter } from './frame-writer.ts';
import { LineOverlay } from './line-overlay.ts';
import { RunStore } from './run-store.ts';
import type { PreparedRun } from './scoring-run.ts';

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export interface ScreenOptions {
  readonly run: PreparedRun;
  /** Aborting it cancels the run's calls in flight; the run was prepared with its signal. */
  readonly controller: AbortController;
  readonly file: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
  readonly depth?: ColorDepth;
}

/** Shows the run until the user quits; resolves with the exit code. */
export async function runScreen(options: ScreenOptions): Promise<number> {
  const { run, controller, file, env } = options;
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const depth = options.depth ?? colorDepth({ env, isTTY: Boolean(stdout.isTTY) });
  const store = new RunStore();
  const detach = store.attach(run.engine);

  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    leaveAltScreen(stdout);
  };
  // Whatever ends the process, the terminal gets its screen back.
  process.once('exit', restore);

  // A signal or Ctrl-C decides the exit code; a plain q leaves it to the run's outcome.
  let interruptCode: number | undefined;
  let onQuit!: () => void;
  const quitting = new Promise<void>((resolve) => (onQuit = resolve));
  const quit = (code?: number) => {
    if (code !== undefined) interruptCode ??= code;
    controller.abort();
    onQuit();
  };
  const signalHandlers = Object.entries(SIGNAL_EXIT).map(([signal, code]) => {
    const handler = () => quit(code);
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });

  enterAltScreen(stdout);
  const writer = new FrameWriter(stdout, () => stdout.rows || 24);
  const overlay = new LineOverlay();
  const frames = new FrameStdout(stdout, writer, overlay);
  const texts = contextTexts(run.loaded.context);
  const app = () => (
    <App
      store={store}
      texts={texts}
      file={file}
      depth={depth}
      overlay={overlay}
      size={{ columns: stdout.columns || 80, rows: stdout.rows || 24 }}
      onQuit={(interrupt) => quit(interrupt ? 130 : undefined)}
      onRedraw={() => {
        writer.invalidate();
        relayout();
      }}
    />
  );
  // Debug mode hands every frame, whole and unthrottled, to FrameStdout (renders are already paced
  // by the store's batches and the spinner); Ctrl-C comes as a key. Ink sees a narrow canvas of
  // stand-ins; the app lays out for the real terminal, and again on every resize.
  const instance = render(app(), { stdin, stdout: frames as unknown as NodeJS.WriteStream, debug: true, exitOnCtrlC: false, patchConsole: false });
  function relayout() {
    instance.rerender(app());
  }
  frames.on('resize', relayout);

  let failed = false;
  const scoring = run.engine.run(run.modeOptions).then(
    () => undefined,
    () => {
      // The store already holds the failure and the screen shows it; the exit code says it too.
      failed = !controller.signal.aborted;
    },
  );

  let crash: unknown;
  try {
    await Promise.race([quitting, instance.waitUntilExit()]);
  } catch (error) {
    crash = error;
  } finally {
    controller.abort();
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
    store.close();
    frames.off('resize', relayout);
    frames.close();
    restore();
    process.off('exit', restore);
    for (const off of signalHandlers) off();
    detach();
    await scoring;
    await run.scorer.close();
  }
  if (crash !== undefined) throw crash;
  return interruptCode ?? (failed ? 1 : 0);
}
