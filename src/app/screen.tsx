// The live screen: the alternate screen buffer, a store, the Ink app; on quit (q, Ctrl-C or a
// signal) it stops what feeds the store and leaves the terminal as it found it. What feeds the
// store is the caller's: a scoring engine (runScreen), a recorded session's replay driver, a
// followed file, a watched context.
import { render } from 'ink';
import { App, type ReplayControl } from '../../components/App.tsx';
import { enterAltScreen, leaveAltScreen } from '../screen/alt-screen.ts';
import { colorDepth, type ColorDepth } from '../screen/color-depth.ts';
import { contextTexts, type ContextTexts } from '../context/context-texts.ts';
import { FrameStdout, FrameWriter } from '../screen/frame-writer.ts';
import { LineOverlay } from '../screen/line-overlay.ts';
import { RunStore } from '../screen/run-store.ts';
import type { RunState } from '../screen/run-state.ts';
import type { PreparedRun } from '../run/scoring-run.ts';
import { asError } from '../core/errors.ts';
import { onExitSignals } from '../core/exit-signals.ts';

/** What a feed may change on the screen while it runs. */
export interface ScreenView {
  setTexts(texts: ContextTexts): void;
  setNotice(notice: string | undefined): void;
}

export interface ScreenFeed {
  readonly file: string;
  readonly texts: ContextTexts;
  /** The screen's clock (a replay shows recorded time); the wall clock by default. */
  readonly now?: () => number;
  readonly replay?: ReplayControl;
  readonly tag?: string;
  /**
   * Starts feeding `store`; settles when the feed is over (the screen stays until the user
   * quits) with the exit code its outcome asks for.
   */
  start(store: RunStore, view: ScreenView): Promise<number>;
  /** The user quit: stop feeding, cancel what is in flight. */
  stop(): void;
}

export interface TerminalOptions {
  readonly env: NodeJS.ProcessEnv;
  /** After the terminal is restored and the feed is over: the run as it ended. */
  readonly onClose?: (state: RunState) => void;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
  readonly depth?: ColorDepth;
}

/** Shows what the feed sends until the user quits; resolves with the exit code. */
export async function showScreen(feed: ScreenFeed, options: TerminalOptions): Promise<number> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const depth = options.depth ?? colorDepth({ env: options.env, isTTY: Boolean(stdout.isTTY) });
  const store = new RunStore();

  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    leaveAltScreen(stdout);
  };
  // Whatever ends the process, the terminal gets its screen back.
  process.once('exit', restore);

  // A signal or Ctrl-C decides the exit code; a plain q leaves it to the feed's outcome.
  let interruptCode: number | undefined;
  let onQuit!: () => void;
  const quitting = new Promise<void>((resolve) => (onQuit = resolve));
  const quit = (code?: number) => {
    if (code !== undefined) interruptCode ??= code;
    feed.stop();
    onQuit();
  };
  const releaseSignals = onExitSignals(quit);

  enterAltScreen(stdout);
  const writer = new FrameWriter(stdout, () => stdout.rows || 24);
  const overlay = new LineOverlay();
  const frames = new FrameStdout(stdout, writer, overlay);
  let texts = feed.texts;
  let notice: string | undefined;
  const app = () => (
    <App
      store={store}
      texts={texts}
      file={feed.file}
      depth={depth}
      overlay={overlay}
      size={{ columns: stdout.columns || 80, rows: stdout.rows || 24 }}
      onQuit={(interrupt) => quit(interrupt ? 130 : undefined)}
      onRedraw={() => {
        writer.invalidate();
        relayout();
      }}
      {...(feed.now ? { now: feed.now } : {})}
      replay={feed.replay}
      tag={feed.tag}
      notice={notice}
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

  const view: ScreenView = {
    setTexts(next) {
      texts = next;
      relayout();
    },
    setNotice(next) {
      notice = next;
      relayout();
    },
  };
  const feeding = feed.start(store, view);

  let crash: unknown;
  let outcome: number;
  try {
    await Promise.race([quitting, instance.waitUntilExit()]);
  } catch (error) {
    crash = error;
  } finally {
    feed.stop();
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
    store.close();
    frames.off('resize', relayout);
    frames.close();
    restore();
    process.off('exit', restore);
    releaseSignals();
    outcome = await feeding.catch((error: unknown) => {
      crash ??= error;
      return 1;
    });
  }
  if (crash !== undefined) throw asError(crash);
  options.onClose?.(store.current());
  return interruptCode ?? outcome;
}

export interface ScreenOptions extends TerminalOptions {
  readonly run: PreparedRun;
  /** Aborting it cancels the run's calls in flight; the run was prepared with its signal. */
  readonly controller: AbortController;
  readonly file: string;
}

/** Shows a scoring run until the user quits; resolves with the exit code. */
export async function runScreen(options: ScreenOptions): Promise<number> {
  const { run, controller, file } = options;
  let detach = () => {};
  return showScreen(
    {
      file,
      texts: contextTexts(run.loaded.context),
      async start(store) {
        detach = store.attach(run.engine);
        try {
          await run.engine.run(run.modeOptions);
          return 0;
        } catch {
          // The store already holds the failure and the screen shows it; the exit code says it too.
          return controller.signal.aborted ? 0 : 1;
        } finally {
          detach();
          await run.scorer.close();
        }
      },
      stop: () => controller.abort(),
    },
    options,
  );
}
