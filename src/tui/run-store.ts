// The live store between the engine and the screen: applies every event at once (the reducer is
// cheap), but tells React at most once per frame, so a burst of results never floods rendering
// and keyboard input stays responsive. Shaped for useSyncExternalStore.
import type { EngineEvent, EventListener } from '../engine/events.ts';
import { INITIAL_RUN_STATE, reduceRun, type RunState } from './run-state.ts';

/** ~40 notifications a second at most: smooth to the eye, far below a burst's event rate. */
export const DEFAULT_BATCH_MS = 25;

export interface RunStoreOptions {
  readonly now?: () => number;
  readonly batchMs?: number;
}

export interface EventSource {
  subscribe(listener: EventListener): () => void;
}

export class RunStore {
  private state: RunState = INITIAL_RUN_STATE;
  /** What React sees: the state as of the last notification. */
  private published: RunState = INITIAL_RUN_STATE;
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;
  private readonly batchMs: number;
  /** Events applied since the store was made: benchmarks and tests read it. */
  events = 0;

  constructor(options: RunStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.batchMs = options.batchMs ?? DEFAULT_BATCH_MS;
  }

  /** Feeds the store from an engine (or anything that emits engine events). */
  attach(source: EventSource): () => void {
    return source.subscribe((event) => this.dispatch(event));
  }

  /** Applies an event stamped now, or at `at` (a replay's recorded time). */
  dispatch(event: EngineEvent, at: number = this.now()): void {
    this.state = reduceRun(this.state, event, at);
    this.events++;
    this.timer ??= setTimeout(() => this.flush(), this.batchMs);
  }

  /** Puts a whole state in place (a replay seeking), published with the next batch. */
  replace(state: RunState): void {
    this.state = state;
    this.timer ??= setTimeout(() => this.flush(), this.batchMs);
  }

  /** Publishes pending changes now. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.published === this.state) return;
    this.published = this.state;
    for (const listener of this.listeners) listener();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): RunState => this.published;

  /** The state with every event applied, published or not (the run's end, after the screen closed). */
  current(): RunState {
    return this.state;
  }

  /** Stops the pending notification timer, e.g. when the screen closes. */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
