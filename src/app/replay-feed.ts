// What drives the screen for `replay` and `replay --follow`: a replay driver over a session's
// events (read whole, or appended by a follower) feeding the screen's store.
import { contextTexts, type ContextTexts } from '../context/context-texts.ts';
import { errorMessage } from '../core/errors.ts';
import { nativeToContext } from '../context/native-format.ts';
import { ReplayDriver, type ReplayClock, type ReplaySink } from '../tui/replay-driver.ts';
import type { RunState } from '../tui/run-state.ts';
import type { RunStore } from '../tui/run-store.ts';
import { neutralize } from '../core/sanitize.ts';
import type { ScreenFeed, ScreenView } from './run-view.tsx';
import { SessionFollower } from '../sessions/session-follower.ts';
import type { SessionEventLine, SessionHeader } from '../sessions/session-format.ts';
import { isEnd, type SessionData } from '../sessions/session-reader.ts';
import { processAlive } from '../sessions/session-summary.ts';

export interface ReplayFeedOptions {
  readonly speed?: number;
  readonly instant?: boolean;
  readonly clock?: ReplayClock;
}

export function headerTexts(header: SessionHeader): ContextTexts {
  return contextTexts(nativeToContext(header.context));
}

/** A sink that reaches the screen's store once the screen has made it. */
class StoreSink implements ReplaySink {
  store: RunStore | undefined;
  dispatch(event: SessionEventLine['event'], at: number): void {
    this.store?.dispatch(event, at);
  }
  replace(state: RunState): void {
    this.store?.replace(state);
  }
  flush(): void {
    this.store?.flush();
  }
}

function driverFeed(file: string, header: SessionHeader, driver: ReplayDriver, sink: StoreSink, run: (view: ScreenView) => Promise<number>, stop: () => void): ScreenFeed {
  return {
    file,
    texts: headerTexts(header),
    now: driver.now,
    replay: { subscribe: driver.subscribe, getSnapshot: driver.getSnapshot, command: (command) => driver.command(command) },
    async start(store, view) {
      sink.store = store;
      driver.start();
      return run(view);
    },
    stop() {
      driver.stop();
      stop();
    },
  };
}

/** Replays a whole session read from its file. */
export function replayFeed(session: SessionData, options: ReplayFeedOptions = {}): ScreenFeed {
  const sink = new StoreSink();
  const driver = new ReplayDriver(session.events, sink, { ...options, cut: session.cut });
  return driverFeed(session.path, session.header, driver, sink, () => Promise.resolve(0), () => {});
}

/** How often a followed recording's process is checked for being alive. */
const ALIVE_CHECK_MS = 1000;

/**
 * Follows a session another process is writing: resolves once the header is read, with a feed
 * that shows every event as it is appended, until the run's end event. When the recording
 * process is gone without an end event, the screen says the recording was cut.
 */
export async function followFeed(path: string, options: ReplayFeedOptions = {}, signal?: AbortSignal): Promise<ScreenFeed> {
  const sink = new StoreSink();
  let driver: ReplayDriver | undefined;
  const early: SessionEventLine[] = [];
  let gotHeader!: (header: SessionHeader) => void;
  const headerRead = new Promise<SessionHeader>((resolve) => (gotHeader = resolve));
  const follower = new SessionFollower(path, {
    header: (header) => gotHeader(header),
    event: (line) => {
      if (driver) driver.append([line], follower.ended || isEnd(line));
      else early.push(line);
    },
  }).start();
  signal?.addEventListener('abort', () => follower.stop(), { once: true });
  const header = await Promise.race([headerRead, follower.done.then(() => undefined)]);
  if (header === undefined) throw new Error(`${path}: stopped before the header was read`);
  driver = new ReplayDriver(early, sink, { instant: options.instant ?? true, live: !early.some(isEnd), ...(options.speed ? { speed: options.speed } : {}), ...(options.clock ? { clock: options.clock } : {}) });
  const following = driver;
  let aliveCheck: NodeJS.Timeout | undefined;
  return driverFeed(
    path,
    header,
    following,
    sink,
    async (view) => {
      aliveCheck = setInterval(() => {
        if (!follower.ended && !processAlive(header.pid)) {
          clearInterval(aliveCheck);
          following.markCut();
          view.setNotice('the recording process is gone: the run never finished');
        }
      }, ALIVE_CHECK_MS);
      try {
        await follower.done;
        return 0;
      } catch (error) {
        // A corrupt line: the screen keeps what was read and says why it stopped.
        following.markCut();
        view.setNotice(`stopped following: ${neutralize(errorMessage(error))}`);
        return 2;
      } finally {
        clearInterval(aliveCheck);
      }
    },
    () => {
      clearInterval(aliveCheck);
      follower.stop();
    },
  );
}
