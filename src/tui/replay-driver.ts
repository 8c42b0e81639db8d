// Replaying a recorded session: feeds the store its events at their recorded times (scaled by
// the speed), or all at once, and answers the replay keys. Seeking rebuilds the state by running
// the pure reducer over the events from the start. The clock is injected, so timing is testable.
import type { RunState } from './run-state.ts';
import { INITIAL_RUN_STATE, reduceRun } from './run-state.ts';
import type { SessionEventLine } from '../sessions/session-format.ts';

export interface ReplayClock {
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

export const SYSTEM_CLOCK: ReplayClock = {
  now: () => performance.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/** Where the events go: the screen's store. */
export interface ReplaySink {
  dispatch(event: SessionEventLine['event'], at: number): void;
  /** The state after a seek, replacing what the sink holds. */
  replace(state: RunState): void;
  /** Shows what it holds now: the replay position is about to change with it. */
  flush?(): void;
}

export type ReplayCommand =
  | { readonly type: 'toggle-pause' }
  | { readonly type: 'step' }
  | { readonly type: 'speed'; readonly faster: boolean }
  /** By events, or by tenths of the run. */
  | { readonly type: 'seek'; readonly by: number; readonly unit?: 'event' | 'tenth' };

export interface ReplayStatus {
  /** Events applied so far. */
  readonly position: number;
  readonly total: number;
  readonly speed: number;
  readonly paused: boolean;
  readonly instant: boolean;
  /** The replay has shown every event and no more will come: seeking back holds there. */
  readonly ended: boolean;
  /** The file ended in a partial line. */
  readonly cut: boolean;
  /** Following a file that is still being written. */
  readonly live: boolean;
}

export interface ReplayOptions {
  readonly speed?: number;
  readonly instant?: boolean;
  readonly cut?: boolean;
  readonly live?: boolean;
  readonly clock?: ReplayClock;
}

export const MIN_SPEED = 1 / 64;
export const MAX_SPEED = 1024;

/** The state after the first `count` events, from scratch: the reducer is pure. */
export function stateAt(lines: readonly SessionEventLine[], count: number): RunState {
  let state = INITIAL_RUN_STATE;
  for (let i = 0; i < count; i++) state = reduceRun(state, lines[i]!.event, lines[i]!.t);
  return state;
}

export class ReplayDriver {
  private readonly lines: SessionEventLine[];
  private readonly clock: ReplayClock;
  private position = 0;
  private speed: number;
  private paused = false;
  private readonly instant: boolean;
  private cut: boolean;
  private live: boolean;
  /** Recorded time (ms) the replay has reached, as of wall time `wallBase`. */
  private timeBase = 0;
  private wallBase: number;
  private timer: unknown;
  private started = false;
  private readonly listeners = new Set<() => void>();
  private status: ReplayStatus;

  constructor(
    lines: readonly SessionEventLine[],
    private readonly sink: ReplaySink,
    options: ReplayOptions = {},
  ) {
    this.lines = [...lines];
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.speed = options.speed ?? 1;
    this.instant = options.instant ?? false;
    this.cut = options.cut ?? false;
    this.live = options.live ?? false;
    this.wallBase = this.clock.now();
    this.status = this.makeStatus();
  }

  /** Recorded time (ms since the run started) the replay shows: the screen's clock. */
  now = (): number => {
    if (this.paused || this.instant || this.position >= this.lines.length) return this.timeBase;
    return this.timeBase + (this.clock.now() - this.wallBase) * this.speed;
  };

  start(): this {
    this.started = true;
    this.wallBase = this.clock.now();
    this.schedule();
    return this;
  }

  /** More events from a file that is still being written. */
  append(lines: readonly SessionEventLine[], ended = false): void {
    const caughtUp = this.position >= this.lines.length;
    this.lines.push(...lines);
    if (ended) this.live = false;
    // A replay that had caught up resumes from now, not from a time long past.
    if (caughtUp) this.rebase(this.timeBase);
    this.schedule();
    this.changed();
  }

  /** The file will not grow any more, and ended without the run's end: nothing more is coming. */
  markCut(): void {
    this.cut = true;
    this.live = false;
    this.holdAtEnd();
    this.changed();
  }

  command(command: ReplayCommand): void {
    switch (command.type) {
      case 'toggle-pause':
        if (this.atEnd()) {
          // Play at the end: from the start again.
          this.paused = false;
          this.seekTo(0);
        } else if (this.paused) {
          this.paused = false;
          this.rebase(this.timeBase);
          this.schedule();
        } else {
          // Paused, the clock shows the last event's time: the same position reads the same
          // (elapsed, calls/s) however it was reached, by pausing, stepping or seeking.
          this.rebase(this.timeAt(this.position));
          this.paused = true;
          this.cancel();
        }
        break;
      case 'step':
        this.cancel();
        this.paused = true;
        if (this.position < this.lines.length) this.apply(this.position + 1);
        this.timeBase = this.timeAt(this.position);
        break;
      case 'speed': {
        const time = this.now();
        this.speed = Math.min(MAX_SPEED, Math.max(MIN_SPEED, command.faster ? this.speed * 2 : this.speed / 2));
        this.rebase(time);
        this.schedule();
        break;
      }
      case 'seek': {
        const by = command.unit === 'tenth' ? command.by * Math.max(1, Math.round(this.lines.length / 10)) : command.by;
        // One event back or forward is a step: it pauses, as '.' does. Playing on, the event
        // sought past would come again within its own gap (often a few ms), and `<` would
        // seem to do nothing. A longer seek keeps playing from where it lands.
        if (Math.abs(by) === 1) this.paused = true;
        this.seekTo(this.position + by);
        break;
      }
    }
    this.changed();
  }

  /** Shows the state after `count` events, rebuilt from the start. */
  seekTo(count: number): void {
    const target = Math.max(0, Math.min(this.lines.length, count));
    this.cancel();
    this.position = target;
    this.sink.replace(stateAt(this.lines, target));
    this.rebase(this.timeAt(target));
    this.schedule();
    this.changed();
  }

  stop(): void {
    this.cancel();
    this.listeners.clear();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ReplayStatus => this.status;

  /** A finished replay of a finished file: nothing more will come. */
  private atEnd(): boolean {
    return !this.live && this.position >= this.lines.length;
  }

  private makeStatus(): ReplayStatus {
    const ended = this.atEnd();
    return { position: this.position, total: this.lines.length, speed: this.speed, paused: this.paused && !ended, ended, instant: this.instant, cut: this.cut, live: this.live };
  }

  private changed(): void {
    // The state first, so that no frame shows the new position over the old matrix.
    this.sink.flush?.();
    this.status = this.makeStatus();
    for (const listener of this.listeners) listener();
  }

  /** Recorded time of the last applied event (0 before the first). */
  private timeAt(count: number): number {
    return count > 0 ? this.lines[count - 1]!.t : 0;
  }

  /** At the end the replay pauses, so that seeking back shows a state and stays there. */
  private holdAtEnd(): void {
    if (this.atEnd()) this.paused = true;
  }

  private rebase(time: number): void {
    this.timeBase = time;
    this.wallBase = this.clock.now();
  }

  private cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private apply(upTo: number): void {
    for (; this.position < upTo; this.position++) {
      const line = this.lines[this.position]!;
      this.sink.dispatch(line.event, line.t);
    }
  }

  /** Applies what is due, then sets a timer for the next event. */
  private schedule(): void {
    this.cancel();
    // Nothing reaches the sink before start: the screen's store may not exist yet.
    if (!this.started || this.paused || this.position >= this.lines.length) return;
    if (this.instant) {
      this.apply(this.lines.length);
      this.timeBase = this.timeAt(this.position);
      this.holdAtEnd();
      this.changed();
      return;
    }
    const now = this.now();
    let due = this.position;
    while (due < this.lines.length && this.lines[due]!.t <= now) due++;
    if (due > this.position) {
      this.apply(due);
      if (this.position >= this.lines.length) this.rebase(this.timeAt(this.position));
      this.holdAtEnd();
      this.changed();
    }
    if (this.position >= this.lines.length) return;
    const wait = Math.max(0, (this.lines[this.position]!.t - now) / this.speed);
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.schedule();
    }, wait);
  }
}

/** A clock that moves only when told, firing the timers that fall due: for rendering a replay offline (and tests). */
export class ManualClock implements ReplayClock {
  private time = 0;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;

  now = (): number => this.time;

  setTimer = (callback: () => void, ms: number): number => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  };

  clearTimer = (id: unknown): void => {
    this.timers.delete(id as number);
  };

  get pending(): number {
    return this.timers.size;
  }

  advanceTo(until: number): void {
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= until && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].callback();
    }
    this.time = Math.max(this.time, until);
  }
}
