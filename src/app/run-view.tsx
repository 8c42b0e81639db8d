// The run view: a store, the App on the terminal (holdTerminal's lifecycle); on quit (q, Ctrl-C or
// a signal) it stops what feeds the store. What feeds the store is the caller's: a scoring engine
// (scoringFeed), a recorded session's replay driver, a followed file, a watched context.
import { App, type ReplayControl } from '../../components/App.tsx';
import type { ColorDepth } from '../tui/color-depth.ts';
import { contextTexts, type ContextTexts } from '../context/context-texts.ts';
import { RunStore } from '../tui/run-store.ts';
import type { RunState } from '../tui/run-state.ts';
import type { PreparedRun } from '../run/scoring-run.ts';
import { asError } from '../core/errors.ts';
import { holdTerminal } from './terminal-session.tsx';

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
export async function showRunView(feed: ScreenFeed, options: TerminalOptions): Promise<number> {
  const store = new RunStore();
  let texts = feed.texts;
  let notice: string | undefined;
  let relayout = () => {};
  let feeding: Promise<number> = Promise.resolve(0);
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
  let crash: unknown;
  // A signal or Ctrl-C decides the exit code; a plain q leaves it to the feed's outcome.
  let interruptCode: number | undefined;
  try {
    interruptCode = await holdTerminal<number | undefined>({
      ...options,
      overlay: true,
      onSignal: (code) => code,
      view: ({ depth, overlay, size, finish, redraw, suspend }) => (
        <App
          store={store}
          texts={texts}
          file={feed.file}
          depth={depth}
          overlay={overlay}
          size={size}
          onQuit={(interrupt) => finish(interrupt ? 130 : undefined)}
          onRedraw={redraw}
          onSuspend={suspend}
          {...(feed.now ? { now: feed.now } : {})}
          replay={feed.replay}
          tag={feed.tag}
          notice={notice}
        />
      ),
      onMount: (draw) => {
        relayout = draw;
        feeding = feed.start(store, view);
      },
    });
  } catch (error) {
    crash = error;
  } finally {
    feed.stop();
    store.close();
  }
  const outcome = await feeding.catch((error: unknown) => {
    crash ??= error;
    return 1;
  });
  if (crash !== undefined) throw asError(crash);
  options.onClose?.(store.current());
  return interruptCode ?? outcome;
}

/** A scoring run as a feed: the engine's events into the store; stopping it cancels the calls in flight. */
export function scoringFeed(run: PreparedRun, controller: AbortController, file: string): ScreenFeed {
  let started = false;
  return {
    file,
    texts: contextTexts(run.loaded.context),
    async start(store) {
      started = true;
      const detach = store.attach(run.engine);
      try {
        await run.engine.run(run.modeOptions);
        return 0;
      } catch {
        // The store already holds the failure and the screen shows it; the exit code says it too:
        // a run the user stopped (q mid-run) ends as interrupted, as Ctrl-C does.
        return controller.signal.aborted ? 130 : 1;
      } finally {
        detach();
        await run.scorer.close();
      }
    },
    stop: () => {
      controller.abort();
      // Stopped before it started (a signal while loading): nothing else closes the scorer.
      if (!started) void run.scorer.close();
    },
  };
}
