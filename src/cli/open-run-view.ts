// Every run view a command opens (a scoring run, a replay, a followed session, a watch): a loading
// line on the alternate screen while the feed is prepared and the view's modules load, then the
// run view until the user quits. Loading errors leave the alternate screen and end with their line.
import { drawLoading, enterAltScreen, leaveAltScreen } from '../tui/alt-screen.ts';
import { Interrupt, trapSignals, type CliIo } from './cli-io.ts';
import type { RunState } from '../tui/run-state.ts';
import type { ScreenFeed } from '../app/run-view.tsx';

/**
 * Opens a feed on the terminal. `makeFeed` gets the controller a signal aborts while loading
 * (a feed that stops the same controller cancels what it started with it).
 */
export async function openRunView(file: string, io: CliIo, makeFeed: (controller: AbortController) => Promise<ScreenFeed>, onClose?: (state: RunState) => void): Promise<number> {
  const controller = new AbortController();
  // Until the view takes them, a signal leaves the loading line (e.g. a followed file that never appears).
  const signals = trapSignals(controller);
  enterAltScreen(io.stdout);
  drawLoading(io.stdout, file);
  let feed;
  let showRunView: typeof import('../app/run-view.tsx').showRunView;
  try {
    // The feed (a followed session waits here for its header, a scoring run tokenizes) and the
    // view's modules (React, Ink, Yoga) load at the same time, behind the loading line.
    [feed, { showRunView }] = await Promise.all([makeFeed(controller), import('../app/run-view.tsx')]);
  } catch (error) {
    leaveAltScreen(io.stdout);
    // Ctrl-C while loading aborts it: that ends as interrupted, not as the abort's error.
    const code = signals.exitCode();
    if (code !== undefined) throw new Interrupt(code);
    throw error;
  } finally {
    // From here the view takes the signals (and raw mode turns Ctrl-C into a key).
    signals.release();
  }
  const code = signals.exitCode();
  if (code !== undefined) {
    feed.stop();
    leaveAltScreen(io.stdout);
    throw new Interrupt(code);
  }
  return showRunView(feed, { env: io.env, ...(onClose ? { onClose } : {}) });
}
