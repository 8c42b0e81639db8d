// What drives the screen for `watch`: every run of the watched context feeds the store (a new
// run's run-started resets it), and the screen says what changed in the file.
import { contextTexts } from '../context/context-texts.ts';
import { NO_TEXTS } from '../context/context-texts.ts';
import { neutralize } from '../core/sanitize.ts';
import type { ScoreSettings } from '../run/score-settings.ts';
import type { ScreenFeed } from './run-view.tsx';
import { watchContext, type WatchHooks } from './watch-loop.ts';

export function watchFeed(settings: ScoreSettings, onRun?: WatchHooks['onRun']): ScreenFeed {
  const controller = new AbortController();
  const ownName = neutralize(settings.file);
  return {
    file: settings.file,
    texts: NO_TEXTS,
    tag: 'watch',
    async start(store, view) {
      await watchContext(
        settings,
        {
          onEvent: (event) => store.dispatch(event),
          // The header names the file: the notice need not.
          onNotice: (text) => view.setNotice(text.startsWith(`${ownName} `) ? text.slice(ownName.length + 1) : text),
          // The screen shows the result; nothing is printed over it.
          onResult: () => undefined,
          onContext: (loaded) => view.setTexts(contextTexts(loaded.context)),
          ...(onRun !== undefined ? { onRun } : {}),
        },
        controller.signal,
      );
      return 0;
    },
    stop: () => controller.abort(),
  };
}
