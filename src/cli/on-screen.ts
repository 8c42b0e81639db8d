// A screen feed (a replay, a followed session, a watch) opened on the terminal, with a loading
// line on the alternate screen while the screen's modules load.
import { drawLoading, enterAltScreen, leaveAltScreen } from '../screen/alt-screen.ts';
import { Interrupt, trapSignals, type CliIo } from './cli-io.ts';
import { neutralize } from '../core/sanitize.ts';
import type { RunState } from '../screen/run-state.ts';

/** Opens a screen feed on the terminal, with a loading line while the screen's modules load. */
export async function onScreen(
  file: string,
  io: CliIo,
  makeFeed: (signal: AbortSignal) => Promise<import('../app/screen.tsx').ScreenFeed>,
  onClose?: (state: RunState) => void,
): Promise<number> {
  const controller = new AbortController();
  // Until the screen takes them, a signal leaves the loading line (e.g. a followed file that never appears).
  const signals = trapSignals(controller);
  enterAltScreen(io.stdout);
  drawLoading(io.stdout, `memscope: loading ${neutralize(file)}…`);
  let feed;
  let showScreen: typeof import('../app/screen.tsx').showScreen;
  try {
    // The feed (a followed session waits here for its header) and the screen's modules (React,
    // Ink, Yoga) load at the same time, behind the loading line.
    [feed, { showScreen }] = await Promise.all([makeFeed(controller.signal), import('../app/screen.tsx')]);
  } catch (error) {
    leaveAltScreen(io.stdout);
    const code = signals.exitCode();
    if (code !== undefined) throw new Interrupt(code);
    throw error;
  } finally {
    signals.release();
  }
  const code = signals.exitCode();
  if (code !== undefined) {
    feed.stop();
    leaveAltScreen(io.stdout);
    throw new Interrupt(code);
  }
  return showScreen(feed, { env: io.env, ...(onClose ? { onClose } : {}) });
}

