// The key table: every binding has help, every help line has bindings, each binding's keys reach
// it (no other binding of the screen takes them first), and each screen takes only its own keys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_KEY, isCharacter, type KeyName, type KeyPress } from '../../src/tui/key-press.ts';
import {
  DIFF_KEYS,
  FILTER_KEYS,
  HELP_KEYS,
  REPLAY_KEYS,
  RUN_KEYS,
  SESSION_KEYS,
  bindingFor,
  commandForKey,
  footerHints,
  helpLines,
  type KeyTable,
} from '../../src/tui/key-table.ts';
import { INITIAL_NAV } from '../../src/tui/screen-nav.ts';

/** The key report Ink gives for a key the table names. */
function report(name: KeyName): [string, KeyPress] {
  const flags: Record<string, keyof KeyPress> = { up: 'upArrow', down: 'downArrow', left: 'leftArrow', right: 'rightArrow', pageup: 'pageUp', pagedown: 'pageDown', home: 'home', end: 'end', enter: 'return', escape: 'escape' };
  if (name in flags) return ['', { ...NO_KEY, [flags[name]!]: true }];
  if (name.startsWith('shift+')) return ['', { ...report(name.slice(6))[1], shift: true }];
  if (name.startsWith('ctrl+')) return [name.slice(5), { ...NO_KEY, ctrl: true }];
  return [name === 'space' ? ' ' : name, NO_KEY];
}

type AnyTable = KeyTable<unknown, never, never>;

/** What is wrong with a table: a binding with no help or no keys, a key two bindings claim, a key that reaches another binding. */
function problems(table: AnyTable): string[] {
  const found: string[] = [];
  const claimed = new Map<string, string>();
  for (const [name, binding] of Object.entries(table)) {
    if (binding.help.trim() === '') found.push(`${name}: no help line`);
    if (binding.keys.length === 0) found.push(`${name}: no keys`);
    for (const key of [...binding.keys, ...(binding.aliases ?? [])]) {
      const other = claimed.get(key);
      if (other) found.push(`${name}: ${key} is ${other}'s too`);
      claimed.set(key, name);
      const [input, keyReport] = report(key);
      if (bindingFor(table, input, keyReport) !== binding) found.push(`${name}: ${key} reaches another binding`);
    }
  }
  const lines = helpLines(table);
  for (const line of lines) if (!Object.values(table).some((b) => b.help === line.what)) found.push(`help "${line.what}": no binding`);
  return found;
}

const TABLES: Record<string, AnyTable> = { RUN_KEYS, REPLAY_KEYS, DIFF_KEYS, SESSION_KEYS, HELP_KEYS, FILTER_KEYS };

describe('key table', () => {
  for (const [name, table] of Object.entries(TABLES)) {
    it(`${name}: every binding has help and keys that reach it`, () => {
      assert.deepEqual(problems(table), []);
    });
  }

  it('finds a binding without help, a key claimed twice and a help line without a binding', () => {
    const broken: AnyTable = {
      quiet: { keys: ['x'], help: '', command: () => null },
      twin: { keys: ['x'], help: 'the same key', command: () => null },
    };
    assert.deepEqual(problems(broken), ['quiet: no help line', 'twin: x is quiet\'s too', 'twin: x reaches another binding']);
  });

  it('lists the run screen\'s keys in help, grouped as they are typed', () => {
    assert.deepEqual(
      helpLines(RUN_KEYS).map((line) => `${line.keys} | ${line.what}`),
      [
        '↑ ↓ ← →  k j h l | move the cursor',
        'PgUp PgDn  H L | a page of memories / of responses',
        'g G | first / last memory',
        'Home End  0 $ | first / last response',
        'z | overview of the whole matrix (z, Enter: zoom in)',
        "m | the row's hottest cell (again: back)",
        's | row order: position, max divergence, key',
        '/ | filter memories by key (Enter keeps, Esc clears)',
        'Enter | show / hide the detail pane',
        '[ ]  K J | scroll the text in the detail pane',
        'Esc | clear the filter, close the overview or pane',
        '? | this help',
        'Ctrl-L Ctrl-Z | redraw the whole screen / suspend (fg resumes)',
        'q  Ctrl-C | quit (cancels calls in flight)',
      ],
    );
    assert.deepEqual(
      helpLines(REPLAY_KEYS).slice(-5).map((line) => line.keys),
      ['Space', '.', '+ -', '< >', 'Shift-← Shift-→'],
      "the replay's keys come after the screen's",
    );
  });

  it('keeps each screen to the keys it declares: the run screen\'s overview is not live on the diff screen', () => {
    for (const key of ['z', 'm'] as const) {
      const [input, keyReport] = report(key);
      assert.ok(bindingFor(RUN_KEYS, input, keyReport));
      assert.equal(bindingFor(DIFF_KEYS, input, keyReport), undefined, `${key} on the diff screen`);
      assert.equal(commandForKey(DIFF_KEYS, input, keyReport, INITIAL_NAV), null);
    }
    assert.deepEqual(commandForKey(DIFF_KEYS, 's', NO_KEY, INITIAL_NAV), { type: 'diff-sort' });
    assert.deepEqual(commandForKey(RUN_KEYS, ' ', NO_KEY, INITIAL_NAV), null, 'Space is a replay key only');
    const hidden = Object.keys(RUN_KEYS).filter((name) => !(name in DIFF_KEYS));
    assert.deepEqual(hidden, ['overview', 'hottest']);
  });

  it('hands a replay key to the replay, but not while help is open or a filter is typed', () => {
    assert.deepEqual(commandForKey(REPLAY_KEYS, '', { ...NO_KEY, leftArrow: true, shift: true }, INITIAL_NAV), { type: 'replay', command: { type: 'seek', by: -1, unit: 'tenth' } });
    assert.deepEqual(commandForKey(REPLAY_KEYS, '', { ...NO_KEY, leftArrow: true }, INITIAL_NAV), { type: 'move', columns: -1 });
    assert.deepEqual(commandForKey(REPLAY_KEYS, '=', NO_KEY, INITIAL_NAV), { type: 'replay', command: { type: 'speed', faster: true } });
    assert.deepEqual(commandForKey(REPLAY_KEYS, ' ', NO_KEY, { ...INITIAL_NAV, help: true }), { type: 'toggle-help' });
    assert.deepEqual(commandForKey(REPLAY_KEYS, '.', NO_KEY, { ...INITIAL_NAV, editingFilter: true }), { type: 'filter-type', text: '.' });
  });

  it('derives the footers from the hints: what a key does now, in footer order', () => {
    const view = { nav: INITIAL_NAV, heat: true, sortLabel: 'position', replay: { paused: true, ended: false } };
    assert.deepEqual(
      footerHints(REPLAY_KEYS, view).map((h) => `${h.keys} ${h.what}`),
      ['␣ play', '. step', '<> seek', '+- speed', '↑↓←→ move', '⏎ detail', 'z overview', 'm hottest', '/ filter', 's sort: position', '? help', 'q quit'],
    );
    const overview = footerHints(RUN_KEYS, { ...view, nav: { ...INITIAL_NAV, overview: true, detail: true } }).map((h) => `${h.keys} ${h.what}`);
    assert.deepEqual(overview.slice(0, 5), ['↑↓←→ move', '⏎ zoom', 'Esc back', 'm hottest', '[ ] scroll']);
    assert.deepEqual(
      footerHints(DIFF_KEYS, { ...view, heat: false }).map((h) => h.keys),
      ['↑↓←→', '⏎', '/', 's', '?', 'q'],
    );
    assert.deepEqual(footerHints(SESSION_KEYS, { diff: true, marked: 1 }).map((h) => `${h.keys} ${h.what}`), ['↑↓ choose', '⏎ replay', '␣ mark', 'd diff (1/2)', 'q quit']);
    assert.deepEqual(footerHints(SESSION_KEYS, { diff: false, marked: 0 }).map((h) => h.keys), ['↑↓', '⏎', 'q']);
  });

  it('names each key of a table once, a character or a named key', () => {
    for (const table of Object.values(TABLES)) {
      for (const binding of Object.values(table)) for (const key of binding.keys) assert.ok(isCharacter(key) || /^(shift\+|ctrl\+)?[a-z]+$/.test(key), key);
    }
  });
});
