// Mounting the screen in ink-testing-library: events in, frames out, keys typed. Frames come back
// with their escape sequences (raw) or as plain text lines.
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { stripVTControlCharacters } from 'node:util';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { App, type ReplayControl, type ScreenSize } from '../../components/App.tsx';
import type { ColorDepth } from '../../src/tui/color-depth.ts';
import { NO_TEXTS, type ContextTexts } from '../../src/context/context-texts.ts';
import type { EngineEvent } from '../../src/engine/events.ts';
import { LineOverlay } from '../../src/tui/line-overlay.ts';
import { RunStore } from '../../src/tui/run-store.ts';
import type { KeyName } from '../../src/tui/key-press.ts';
import { REPLAY_KEYS, type KeyTable } from '../../src/tui/key-table.ts';

export interface Mounted {
  readonly store: RunStore;
  /** The last frame as plain text lines. */
  lines(): string[];
  text(): string;
  /** The last frame with its escape sequences. */
  raw(): string;
  send(...events: EngineEvent[]): Promise<void>;
  /** Types keys one report at a time (a string is one report: "jj" arrives as one chunk). */
  press(...keys: string[]): Promise<void>;
  /** Presses each binding's first key, by its name in the replay screen's table (a superset of the run screen's). */
  pressKeys(...bindings: (keyof typeof REPLAY_KEYS)[]): Promise<void>;
  resize(size: ScreenSize): Promise<void>;
  quits: boolean[];
  unmount(): void;
}

export const KEYS = {
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  home: '\u001b[H',
  end: '\u001b[F',
  enter: '\r',
  escape: '\u001b',
  backspace: '\u007f',
  ctrlC: '\u0003',
} as const;

/** The bytes a terminal sends for a key the key table names. */
export function keyBytes(name: KeyName): string {
  const named: Record<string, string> = { up: KEYS.up, down: KEYS.down, right: KEYS.right, left: KEYS.left, pageup: KEYS.pageUp, pagedown: KEYS.pageDown, home: KEYS.home, end: KEYS.end, enter: KEYS.enter, escape: KEYS.escape };
  if (name in named) return named[name]!;
  if (name.startsWith('shift+')) return named[name.slice(6)]!.replace(/^\u001b\[(.)$/, '\u001b[1;2$1');
  if (name.startsWith('ctrl+')) return String.fromCharCode(name.charCodeAt(5) - 96);
  return name === 'space' ? ' ' : name;
}

/** The first key of each binding, as a terminal sends it: tests press keys by the binding's name. */
export function bindingKeys<T extends KeyTable<unknown, never, never>>(table: T, ...names: (keyof T & string)[]): string[] {
  return names.map((name) => keyBytes(table[name]!.keys[0]!));
}

/** The line of the matrix that shows a memory key (whole, or cut short with "…"). */
export function rowOf(lines: string[], key: string): string {
  const line = lines.find((l) => l.includes(` ${key} `) || l.includes(` ${key}…`));
  assert.ok(line, `no line for ${key} in:\n${lines.join('\n')}`);
  return line;
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await nextTurn();
}

export interface MountOptions {
  /** Render lines as plain Ink text instead of through the overlay the live screen uses. */
  readonly plain?: boolean;
  readonly size?: ScreenSize;
  readonly depth?: ColorDepth;
  readonly texts?: ContextTexts;
  readonly file?: string;
  readonly now?: () => number;
  readonly replay?: ReplayControl;
  readonly tag?: string;
  readonly notice?: string;
}

export async function mount(events: readonly EngineEvent[] = [], options: MountOptions = {}): Promise<Mounted> {
  let clock = 0;
  const store = new RunStore({ now: () => (clock += 100) });
  const quits: boolean[] = [];
  const overlay = options.plain ? undefined : new LineOverlay();
  let size = options.size ?? { columns: 100, rows: 30 };
  const element = (s: ScreenSize) => (
    <App
      store={store}
      texts={options.texts ?? NO_TEXTS}
      file={options.file ?? 'context.json'}
      depth={options.depth ?? 'none'}
      size={s}
      animate={false}
      now={options.now ?? (() => clock)}
      onQuit={(interrupt) => quits.push(interrupt)}
      {...(overlay ? { overlay } : {})}
      replay={options.replay}
      tag={options.tag}
      notice={options.notice}
    />
  );
  const instance = render(element(size));
  for (const event of events) store.dispatch(event);
  store.flush();
  await settle();
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      instance.stdin.write(key);
      await settle();
    }
  };
  // The frame as the terminal gets it: stand-ins replaced by their lines, as FrameStdout does.
  const raw = () => {
    const frame = instance.lastFrame() ?? '';
    return overlay ? overlay.compose(frame) : frame;
  };
  return {
    store,
    raw,
    lines: () => stripVTControlCharacters(raw()).split('\n'),
    text: () => stripVTControlCharacters(raw()),
    async send(...more) {
      for (const event of more) store.dispatch(event);
      store.flush();
      await settle();
    },
    press,
    pressKeys: (...bindings) => press(...bindingKeys(REPLAY_KEYS, ...bindings)),
    async resize(next) {
      size = next;
      instance.rerender(element(size));
      await settle();
    },
    quits,
    unmount: () => {
      instance.unmount();
      store.close();
    },
  };
}
