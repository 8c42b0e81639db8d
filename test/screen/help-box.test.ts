// The help overlay's box at sizes where its keys do not fit in one column.
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import { describe, it } from 'node:test';
import { helpBox } from '../../src/tui/help-box.ts';
import { REPLAY_KEYS, RUN_KEYS, helpLines } from '../../src/tui/key-table.ts';
import { screenTheme } from '../../src/tui/screen-theme.ts';

const theme = screenTheme('none');
const plain = (lines: string[]) => lines.map((l) => stripVTControlCharacters(l));

describe('the help box', () => {
  it('lists every key in one column, and how to read the screen, when the screen is tall enough', () => {
    const lines = plain(helpBox(100, 40, theme, RUN_KEYS, ['how to read it']));
    for (const { what } of helpLines(RUN_KEYS)) assert.ok(lines.some((l) => l.includes(what)), what);
    assert.ok(lines.some((l) => l.includes('how to read it')));
  });

  it('says that how to read the screen is left out when only the keys fit', () => {
    const keys = helpLines(RUN_KEYS);
    const reading = ['line one', 'line two', 'line three'];
    // The keys, the box's two borders and one free line: the reading lines do not fit, the note does.
    const lines = plain(helpBox(100, keys.length + 3, theme, RUN_KEYS, reading));
    assert.ok(lines.length <= keys.length + 3);
    assert.ok(!lines.some((l) => l.includes('line one')));
    assert.ok(lines.some((l) => l.includes('… how to read the screen (3 lines): a taller terminal shows it')), lines.join('\n'));
  });

  it('puts the keys in two columns when a short screen is wide enough, so none is lost', () => {
    const keys = helpLines(REPLAY_KEYS);
    const height = Math.ceil(keys.length / 2) + 2;
    const lines = plain(helpBox(200, height, theme, REPLAY_KEYS, []));
    assert.ok(lines.length <= height, `${lines.length} lines in ${height}`);
    for (const { what } of keys) assert.ok(lines.some((l) => l.includes(what)), `${what} in:\n${lines.join('\n')}`);
  });

  it('says how many keys it could not show when the screen is short and narrow', () => {
    const keys = helpLines(REPLAY_KEYS);
    const lines = plain(helpBox(70, 12, theme, REPLAY_KEYS, []));
    assert.ok(lines.length <= 12);
    assert.match(lines.join('\n'), new RegExp(`… ${keys.length - 9} more keys: a taller terminal shows them`));
  });
});
