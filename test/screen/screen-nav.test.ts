// Screen navigation and key bindings, without a terminal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderRows } from '../../src/tui/row-order.ts';
import type { MemoryRow } from '../../src/tui/run-state.ts';
import { NO_KEY, splitKeys, type KeyPress } from '../../src/tui/key-press.ts';
import { commandForKey as commandIn, RUN_KEYS } from '../../src/tui/key-table.ts';
import { INITIAL_NAV, navigate, scrollToShow, selectedIndex, type NavContext, type NavState } from '../../src/tui/screen-nav.ts';

const ctx: NavContext = { rows: ['a', 'b', 'c', 'd', 'e'], columns: 10, pageRows: 2, pageColumns: 3, maxDetailScroll: 4 };

function run(actions: Parameters<typeof navigate>[1][], state: NavState = INITIAL_NAV, context = ctx): NavState {
  return actions.reduce((s, a) => navigate(s, a, context), state);
}

describe('navigate', () => {
  it('moves and clamps on both axes', () => {
    let s = run([{ type: 'move', rows: 1 }, { type: 'move', rows: 1 }, { type: 'move', columns: 4 }]);
    assert.equal(s.selected, 'c');
    assert.equal(s.column, 4);
    s = run([{ type: 'move', rows: 99 }, { type: 'move', columns: -99 }], s);
    assert.equal(s.selected, 'e');
    assert.equal(s.column, 0);
    s = run([{ type: 'page', rows: -1 }], s);
    assert.equal(s.selected, 'c');
    s = run([{ type: 'page', columns: 1 }, { type: 'columns-edge', to: 'last' }], s);
    assert.equal(s.column, 9);
    s = run([{ type: 'rows-edge', to: 'first' }], s);
    assert.equal(s.selected, 'a');
  });

  it('follows the selected row when the order changes, and falls back to the first row', () => {
    const s = run([{ type: 'move', rows: 3 }]);
    assert.equal(selectedIndex(s, ['d', 'a']), 0);
    assert.equal(selectedIndex(s, ['x', 'y', 'd']), 2);
    assert.equal(selectedIndex(s, ['x', 'y']), 0);
    assert.equal(run([{ type: 'move', rows: 1 }], s, { ...ctx, rows: ['x', 'y'] }).selected, 'y');
  });

  it('cycles the sort order, remembering the row under the cursor', () => {
    const s = run([{ type: 'cycle-sort' }]);
    assert.equal(s.sort, 'max');
    assert.equal(s.selected, 'a');
    assert.equal(run([{ type: 'cycle-sort' }, { type: 'cycle-sort' }], s).sort, 'position');
  });

  it('edits, keeps and clears the filter', () => {
    let s = run([{ type: 'filter-start' }, { type: 'filter-type', text: 'ab' }, { type: 'filter-type', text: 'ç' }, { type: 'filter-backspace' }]);
    assert.equal(s.filter, 'ab');
    assert.equal(s.editingFilter, true);
    s = run([{ type: 'filter-accept' }], s);
    assert.deepEqual([s.filter, s.editingFilter], ['ab', false]);
    s = run([{ type: 'filter-clear' }], s);
    assert.deepEqual([s.filter, s.editingFilter], ['', false]);
  });

  it('scrolls the detail pane from the top of each new cell', () => {
    let s = run([{ type: 'toggle-detail' }, { type: 'detail-scroll', by: 3 }, { type: 'detail-scroll', by: -1 }]);
    assert.equal(s.detailScroll, 2);
    s = run([{ type: 'move', columns: 1 }], s);
    assert.equal(s.detailScroll, 0);
    assert.equal(run([{ type: 'detail-scroll', by: -5 }], s).detailScroll, 0);
    assert.equal(run([{ type: 'detail-scroll', by: 9 }], s).detailScroll, 4, 'no further than the text goes');
  });
});

describe('scrollToShow', () => {
  it('moves the viewport only as far as the cursor needs', () => {
    assert.equal(scrollToShow(0, 3, 10, 100), 0);
    assert.equal(scrollToShow(0, 10, 10, 100), 1);
    assert.equal(scrollToShow(50, 40, 10, 100), 40);
    assert.equal(scrollToShow(95, 99, 10, 100), 90, 'never past the end');
    assert.equal(scrollToShow(5, 2, 10, 4), 0, 'everything fits');
  });
});

describe('keys', () => {
  const commandForKey = (input: string, key: KeyPress, nav: NavState) => commandIn(RUN_KEYS, input, key, nav);
  const key = (k: Partial<KeyPress>) => ({ ...NO_KEY, ...k });
  it('maps arrows, vi keys, pages and edges', () => {
    assert.deepEqual(commandForKey('', key({ downArrow: true }), INITIAL_NAV), { type: 'move', rows: 1 });
    assert.deepEqual(commandForKey('k', NO_KEY, INITIAL_NAV), { type: 'move', rows: -1 });
    assert.deepEqual(commandForKey('l', NO_KEY, INITIAL_NAV), { type: 'move', columns: 1 });
    assert.deepEqual(commandForKey('', key({ pageDown: true }), INITIAL_NAV), { type: 'page', rows: 1 });
    assert.deepEqual(commandForKey('G', NO_KEY, INITIAL_NAV), { type: 'rows-edge', to: 'last' });
    assert.deepEqual(commandForKey('', key({ home: true }), INITIAL_NAV), { type: 'columns-edge', to: 'first' });
    assert.deepEqual(commandForKey('$', NO_KEY, INITIAL_NAV), { type: 'columns-edge', to: 'last' });
    assert.deepEqual(commandForKey('', key({ return: true }), INITIAL_NAV), { type: 'toggle-detail' });
  });

  it('asks for a full redraw on Ctrl-L', () => {
    assert.deepEqual(commandForKey('l', key({ ctrl: true }), INITIAL_NAV), { type: 'redraw' });
    assert.deepEqual(commandForKey('l', NO_KEY, INITIAL_NAV), { type: 'move', columns: 1 });
  });

  it('quits on q and Ctrl-C, even from the help and the filter prompt', () => {
    assert.deepEqual(commandForKey('q', NO_KEY, INITIAL_NAV), { type: 'quit', interrupt: false });
    assert.deepEqual(commandForKey('c', key({ ctrl: true }), { ...INITIAL_NAV, help: true }), { type: 'quit', interrupt: true });
    assert.deepEqual(commandForKey('c', key({ ctrl: true }), { ...INITIAL_NAV, editingFilter: true }), { type: 'quit', interrupt: true });
  });

  it('types into the filter while editing it: letters are text, not commands', () => {
    const editing = { ...INITIAL_NAV, editingFilter: true };
    assert.deepEqual(commandForKey('q', NO_KEY, editing), { type: 'filter-type', text: 'q' });
    assert.deepEqual(commandForKey('a\u0007b', NO_KEY, editing), { type: 'filter-type', text: 'ab' }, 'controls are dropped');
    assert.deepEqual(commandForKey('', key({ escape: true }), editing), { type: 'filter-clear' });
    assert.deepEqual(commandForKey('', key({ delete: true }), editing), { type: 'filter-backspace' });
    assert.deepEqual(commandForKey('', key({ downArrow: true }), editing), { type: 'move', rows: 1 });
  });

  it('closes the help on any key, and Esc clears the filter before it closes the detail pane', () => {
    // The help's own keys close it; any other closes it and does what it does.
    assert.deepEqual(commandForKey('?', NO_KEY, { ...INITIAL_NAV, help: true }), { type: 'toggle-help' });
    assert.deepEqual(commandForKey('q', NO_KEY, { ...INITIAL_NAV, help: true }), { type: 'toggle-help' });
    assert.deepEqual(commandForKey('x', NO_KEY, { ...INITIAL_NAV, help: true }), { type: 'toggle-help' });
    assert.deepEqual(commandForKey('j', NO_KEY, { ...INITIAL_NAV, help: true }), { type: 'move', rows: 1 });
    const after = navigate({ ...INITIAL_NAV, help: true }, { type: 'move', rows: 1 }, ctx);
    assert.equal(after.help, false);
    assert.equal(after.selected, 'b');
    assert.deepEqual(commandForKey('', key({ escape: true }), { ...INITIAL_NAV, filter: 'x', detail: true }), { type: 'filter-clear' });
    assert.deepEqual(commandForKey('', key({ escape: true }), { ...INITIAL_NAV, detail: true }), { type: 'toggle-detail' });
    assert.equal(commandForKey('', key({ escape: true }), INITIAL_NAV), null);
  });

  it('splits a chunk of several keys into single key reports', () => {
    const keys = splitKeys('jj\rq\u0003', NO_KEY);
    assert.deepEqual(keys.map(([input]) => input), ['j', 'j', '', 'q', 'c']);
    assert.equal(keys[2]![1].return, true);
    assert.equal(keys[4]![1].ctrl, true);
    assert.deepEqual(splitKeys('x', key({ tab: true })), [['x', key({ tab: true })]]);
  });
});

describe('orderRows', () => {
  const row = (key: string, status: MemoryRow['status'], max: number): MemoryRow => ({
    key,
    entry: 0,
    status,
    reason: null,
    max,
    divergences: null,
    first: 0,
    baseline: null,
    weight: null,
    group: null,
    exact: null,
    bound: null,
    noiseOnly: false,
  });
  const rows = [row('b-2', 'done', 1), row('a-10', 'pending', 0), row('A-9', 'done', 7), row('c', 'scoring', 0)];

  it('orders by position, by max divergence (scored rows first) and by key (natural, any case)', () => {
    assert.deepEqual(orderRows(rows, 'position', ''), [0, 1, 2, 3]);
    assert.deepEqual(orderRows(rows, 'max', ''), [2, 0, 1, 3]);
    assert.deepEqual(orderRows(rows, 'key', ''), [2, 1, 0, 3]);
  });

  it('filters by key substring, ignoring case', () => {
    assert.deepEqual(orderRows(rows, 'position', 'a-'), [1, 2]);
    assert.deepEqual(orderRows(rows, 'max', 'A-'), [2, 1]);
    assert.deepEqual(orderRows(rows, 'position', 'zzz'), []);
  });
});
